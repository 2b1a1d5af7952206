#!/usr/bin/env python3
"""Models reloaded without a restart and without a failed request (SIGHUP):
16 clients post a photo continuously through 20 reloads that alternate
MobileNet v1's files and v2's under the same name, one of them a corrupt
model. Every answer is 200 and names a version that was served (the hash of
the files, as hashlib computes it); the corrupt model is refused with the
loader's reason in the log and lookslike_model_reload_total{result="failed"},
the running model serving on and /readyz ready; the swaps are counted; and
once the old models are freed the memory is back to its level (and, in the
ASan build, nothing leaks). Last, a weights file replaced by a 900 MB
(sparse) one is refused from its size, before it is read: the peak RSS does
not move; and labels that are not UTF-8 are refused by line.
Usage: test_reload.py LOOKSLIKE MODEL_DIR PHOTO"""
import hashlib
import json
import http.client
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time

import harness
from harness import check, memory_kib, request

LOOKSLIKE, MODEL_DIR, PHOTO = sys.argv[1:4]
NAME = "mobilenet_v1"
EXTS = ("cfg", "weights", "labels")


def files_of(model):
    return {ext: open(os.path.join(MODEL_DIR, f"{model}.{ext}"), "rb").read() for ext in EXTS}


def version(files):
    return hashlib.sha256(b"".join(files[ext] for ext in EXTS)).hexdigest()[:12]


def install(directory, files):
    """Each file written beside and renamed into place, as an operator should."""
    for ext in EXTS:
        tmp = os.path.join(directory, f".{NAME}.{ext}.new")
        with open(tmp, "wb") as f:
            f.write(files[ext])
        os.rename(tmp, os.path.join(directory, f"{NAME}.{ext}"))


def served_version(port):
    status, _, body = request(port, "GET", "/v1/models")
    m = re.search(rb'"version":"([0-9a-f]+)"', body)
    return m.group(1).decode() if status == 200 and m else None


def reload_count(port, result):
    _, _, body = request(port, "GET", "/metrics")
    m = re.search(rb'lookslike_model_reload_total\{result="%s"\} (\d+)' % result.encode(), body)
    return int(m.group(1)) if m else -1


class Client(threading.Thread):
    def __init__(self, port, photo, stop):
        super().__init__(daemon=True)
        self.port, self.photo, self.stop, self.answers = port, photo, stop, []

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        while not self.stop.is_set():
            try:
                conn.request("POST", "/predict", self.photo, {"Content-Type": "image/jpeg"})
                resp = conn.getresponse()
                body = resp.read()
                m = re.search(rb'"model_version":"([0-9a-f]+)"', body)
                self.answers.append((resp.status, m.group(1).decode() if m else None))
            except (OSError, http.client.HTTPException) as e:
                self.answers.append((0, str(e)))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.close()


def hostile_files_refused(srv, directory, files):
    install(directory, files)
    path = os.path.join(directory, f"{NAME}.weights")
    with open(path + ".tmp", "wb") as f:
        f.truncate(900 << 20)
    os.rename(path + ".tmp", path)
    peak = memory_kib(srv.proc.pid, "VmHWM")
    failed = reload_count(srv.port, "failed")
    srv.proc.send_signal(signal.SIGHUP)
    deadline = time.time() + 60
    def refusals():
        return [line for line in srv.log if "were not reloaded" in line and "943718400 bytes, but the cfg" in line]
    # the counter moves before the log line has come through the server's stderr: wait for both
    while (reload_count(srv.port, "failed") == failed or not refusals()) and time.time() < deadline:
        time.sleep(0.05)
    grown = memory_kib(srv.proc.pid, "VmHWM") - peak
    refused = refusals()
    check(reload_count(srv.port, "failed") == failed + 1 and refused,
          f"a 900 MB weights file is refused from its size: {refused[0].strip()[:220] if refused else srv.log[-3:]}")
    check(grown < 64 * 1024, f"peak RSS grew {grown // 1024} MiB over that reload (< 64: the file was not read)")
    check(request(srv.port, "GET", "/readyz")[0] == 200, "/readyz ready after it, the running model serving on")

    labels = files["labels"].split(b"\n")
    labels[4] = "caf\u00e9 au lait".encode("latin-1")
    install(directory, dict(files, labels=b"\n".join(labels)))
    srv.proc.send_signal(signal.SIGHUP)
    deadline = time.time() + 60
    while reload_count(srv.port, "failed") == failed + 1 and time.time() < deadline:
        time.sleep(0.05)
    refused = [line for line in srv.log if "were not reloaded" in line and f"{NAME}.labels:5: not UTF-8" in line]
    check(refused, f"Latin-1 labels refused by line: {refused[0].strip()[:220] if refused else srv.log[-3:]}")
    status, _, body = request(srv.port, "GET", "/v1/models")
    check(status == 200 and json.loads(body.decode("utf-8"))["models"], "/v1/models is still UTF-8 JSON")


def main():
    v1, v2 = files_of("mobilenet_v1"), files_of("mobilenet_v2")
    corrupt = dict(v1, weights=v1["weights"][:len(v1["weights"]) // 2])
    versions = {version(v1): "v1", version(v2): "v2"}
    photo = open(PHOTO, "rb").read()
    directory = tempfile.mkdtemp()
    install(directory, v1)
    env_asan = os.environ.get("ASAN_OPTIONS", "")
    os.environ["ASAN_OPTIONS"] = env_asan + ":quarantine_size_mb=16"  # freed sets must show in RSS
    srv = harness.Server(LOOKSLIKE, "--model-dir", directory, "--model", NAME, "--workers", "2",
                         "--access-log", "0")
    os.environ["ASAN_OPTIONS"] = env_asan
    stop = threading.Event()
    clients = [Client(srv.port, photo, stop) for _ in range(16)]
    try:
        for c in clients:
            c.start()
        time.sleep(2)
        base = memory_kib(srv.proc.pid, "VmRSS")
        plan = ["v2", "v1"] * 10
        plan[9] = "corrupt"  # the tenth reload: refused, v2 (of the ninth) serves on
        expect_ok = expect_failed = 0
        ready_throughout = True
        for step, what in enumerate(plan):
            install(directory, {"v1": v1, "v2": v2, "corrupt": corrupt}[what])
            srv.proc.send_signal(signal.SIGHUP)
            if what == "corrupt":
                expect_failed += 1
                deadline = time.time() + 60
                while reload_count(srv.port, "failed") < expect_failed and time.time() < deadline:
                    time.sleep(0.05)
                ready_throughout &= request(srv.port, "GET", "/readyz")[0] == 200
                continue
            expect_ok += 1
            want = version(v1 if what == "v1" else v2)
            deadline = time.time() + 60
            while reload_count(srv.port, "ok") < expect_ok and time.time() < deadline:
                time.sleep(0.05)
            check(served_version(srv.port) == want, f"reload {step + 1}: {what} served as {want}")
            time.sleep(0.2)  # answers from the new set
        time.sleep(1)
        stop.set()
        for c in clients:
            c.join(timeout=60)
        answers = [a for c in clients for a in c.answers]
        bad = [a for a in answers if a[0] != 200 or a[1] not in versions]
        seen = {versions.get(v) for s, v in answers if s == 200}
        check(len(answers) > 100 and not bad,
              f"{len(answers)} requests through 20 reloads: every one 200 with a version served "
              f"({len(bad)} not: {bad[:3]})")
        check(seen == {"v1", "v2"}, f"answers came from both models: {sorted(seen)}")
        ok, failed = reload_count(srv.port, "ok"), reload_count(srv.port, "failed")
        check(ok == 19 and failed == 1, f"lookslike_model_reload_total: ok {ok}, failed {failed} (want 19, 1)")
        refused = [line for line in srv.log if "were not reloaded" in line]
        check(len(refused) == 1 and f"{NAME}.weights" in refused[0],
              f"the corrupt model's reason is logged: {refused[0].strip() if refused else None}")
        check(ready_throughout, "/readyz stayed ready after the failed reload")
        time.sleep(1)
        after = memory_kib(srv.proc.pid, "VmRSS")
        check(after - base < 32 * 1024,
              f"RSS after 19 swaps {after // 1024} MiB, under load before them {base // 1024} MiB: "
              f"the old models freed (grew {(after - base) // 1024} MiB, < 32; a set is ~20)")
        hostile_files_refused(srv, directory, v1)
    finally:
        stop.set()
        check(srv.stop() == 0, "server exits 0")
        harness.check_no_sanitizer_reports(srv, "reload")
        shutil.rmtree(directory, ignore_errors=True)
    return harness.summary()


if __name__ == "__main__":
    sys.exit(main())
