"""Every format and variant of format_cases.py through lookslike's decoder
(tests/tools/image_to_rgb) against Pillow's Image.open().convert("RGB"), byte
for byte; the broken and unsupported ones refused with the right status.
usage: /usr/bin/python3 test_pillow_rgb.py IMAGE_TO_RGB PHOTO.jpg"""
import io
import os
import subprocess
import sys
import tempfile

from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import format_cases  # noqa: E402


def check_one(tool, extra, path, name, data, expected, count):
    """One decode of the case against Pillow (or its expected refusal): prints a TAP line, returns ok."""
    r = subprocess.run([tool, *extra, "--max-pixels", "50000000", path], capture_output=True)
    if expected == "rgb":
        want = Image.open(io.BytesIO(data)).convert("RGB")
        head, _, body = r.stdout.partition(b"\n")
        size = tuple(int(v) for v in head.split()) if r.returncode == 0 else None
        ok = r.returncode == 0 and size == want.size and body == want.tobytes()
        detail = "" if ok else (r.stderr.decode().strip() or f"size {size} vs {want.size}, "
                                f"{sum(a != b for a, b in zip(body, want.tobytes()))} bytes differ")
    else:
        got = r.stderr.decode().split(":")[0]
        ok = r.returncode == 1 and got == expected
        detail = "" if ok else f"expected {expected}, got rc {r.returncode}: {r.stderr.decode().strip()}"
    how = " (isolated)" if extra else ""
    print(f"{'ok' if ok else 'not ok'} {count} - {name}{how} ({len(data)} bytes){': ' + detail if detail else ''}")
    return ok


def main():
    tool, photo_path = sys.argv[1], sys.argv[2]
    photo = Image.open(photo_path).convert("RGB")
    # a corner of real detail, odd-sized so that rows are padded and bits left over
    photo = photo.crop((101, 97, 101 + 37, 97 + 29))
    failures = count = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, data, expected in format_cases.cases(photo):
            path = os.path.join(tmp, name)
            with open(path, "wb") as f:
                f.write(data)
            runs = [[]] + ([["--isolate"]] if name.startswith("webp") else [])  # WebP: as the server decodes it too
            for isolate in runs:
                count += 1
                failures += not check_one(tool, isolate, path, name, data, expected, count)
    print(f"1..{count}\n# {count - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
