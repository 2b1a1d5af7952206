"""Do two lookslike servers give the same answers? /predict of the Coral photos
and the bench frame, both crops, top 5, on each; the JSON documents compared
whole, timings and thread counts aside. For the arm64 build against x86-64's
(tools/arm64_test.sh) and the arm64 image against the amd64 one
(tools/container_test.sh).
usage: same_answers.py PORT_A PORT_B IMAGES_DIR     prints "N of M answers equal", exit 0 if all are"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "http"))
import harness  # noqa: E402

PHOTOS = [os.path.join("coral", f) for f in ("bird.bmp", "cat.bmp", "hot_dog.jpg", "owl.jpg", "parrot.jpg")]
PHOTOS.append(os.path.join("bench", "parrot_640x480.jpg"))


def answers(port, images):
    out = []
    for path in PHOTOS:
        body = open(os.path.join(images, path), "rb").read()
        for crop in ("center", "full"):
            st, _, doc = harness.request(port, "POST", f"/predict?crop={crop}&k=5", body,
                                         {"Content-Type": "application/octet-stream"}, timeout=300)
            doc = json.loads(doc) if st == 200 else {"status": st}
            for k in ("timing_ms", "threads"):
                doc.pop(k, None)
            out.append(doc)
    return out


def compare(port_a, port_b, images):
    """(equal, total)"""
    a, b = answers(port_a, images), answers(port_b, images)
    return sum(x == y for x, y in zip(a, b)), len(b)


if __name__ == "__main__":
    same, total = compare(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3])
    print(f"{same} of {total} answers equal")
    sys.exit(same != total)
