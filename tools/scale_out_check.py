#!/usr/bin/env python3
"""Scale-out check without containers: lookslike replicas on loopback behind
Debian's nginx, configured with deploy/nginx/nginx.conf (the file the compose
"scale" profile mounts; only upstream.conf and listen.conf are written here).

  python3 tools/scale_out_check.py build/src/lookslike IMAGE.jpg [--replicas 3] [--seconds 10]

1. Throughput through nginx with 1, 2, ... replicas (each --workers 1 --threads 1).
2. Failover: under load, one replica is killed (SIGKILL); every request must
   still be answered 200 (nginx retries a failed /predict on another replica).
3. Rejoin: the replica restarts on its port and serves traffic again.
"""
import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
NGINX_CONF = os.path.join(HERE, "..", "deploy", "nginx", "nginx.conf")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Replica:
    def __init__(self, binary, port, log_path):
        self.binary, self.port, self.log_path = binary, port, log_path
        self.start()

    def start(self):
        self.log = open(self.log_path, "a")
        self.proc = subprocess.Popen([self.binary, "--bind", "127.0.0.1", "--port", str(self.port), "--workers", "1",
                                      "--threads", "1"], stderr=self.log)
        for _ in range(300):
            if "listening on" in open(self.log_path).read().split("lookslike: stopped")[-1]:
                return
            time.sleep(0.05)
        raise RuntimeError(f"replica on {self.port} did not start")

    def served(self):
        """Requests this replica answered 200 since its last start."""
        text = open(self.log_path).read().split("listening on")[-1]
        return text.count('"status":200')


def write_upstream(work, ports, listen_port):
    with open(os.path.join(work, "upstream.conf"), "w") as f:
        f.write("upstream lookslike {\n    least_conn;\n")
        for p in ports:
            f.write(f"    server 127.0.0.1:{p} max_fails=2 fail_timeout=5s;\n")
        f.write("    keepalive 32;\n}\n")
    with open(os.path.join(work, "listen.conf"), "w") as f:
        f.write(f"listen 127.0.0.1:{listen_port};\n")


def wrk(url, image, seconds, connections=16):
    lua = os.path.join(HERE, "..", "tests", "soak", "predict_only.lua")
    out = subprocess.run(["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", "-s", lua, url],
                         capture_output=True, text=True, env=dict(os.environ, SOAK_JPEG=image)).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    errors = re.search(r"Socket errors: (.*)", out)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out).group(1)
    return rps, total, non2xx, errors.group(1) if errors else "none", p99


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("lookslike")
    ap.add_argument("image")
    ap.add_argument("--replicas", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=10)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="lookslike-scale-")
    shutil.copy(NGINX_CONF, os.path.join(work, "nginx.conf"))
    listen = free_port()
    url = f"http://127.0.0.1:{listen}/"
    replicas = [Replica(a.lookslike, free_port(), os.path.join(work, f"replica{i}.log")) for i in range(a.replicas)]
    ports = [r.port for r in replicas]
    write_upstream(work, ports[:1], listen)
    nginx = subprocess.Popen(["nginx", "-p", work, "-c", os.path.join(work, "nginx.conf"), "-g", "daemon off;"])
    time.sleep(0.5)
    ok = True
    try:
        print(f"{'replicas':>8} {'req/s':>8} {'requests':>9} {'non-2xx':>8} {'p99':>8}  socket errors")
        base = None
        for n in range(1, a.replicas + 1):
            write_upstream(work, ports[:n], listen)
            subprocess.run(["nginx", "-p", work, "-c", os.path.join(work, "nginx.conf"), "-s", "reload"], check=True)
            time.sleep(1)
            rps, total, non2xx, errors, p99 = wrk(url, a.image, a.seconds)
            base = base or rps
            print(f"{n:>8} {rps:>8.1f} {total:>9} {non2xx:>8} {p99:>8}  {errors}  ({rps / base:.2f}x)")
            ok = ok and non2xx == 0
        print(f"# this machine has {os.cpu_count()} cores: beyond that, replicas share them")

        # Failover: kill one replica in the middle of a run.
        victim = replicas[-1]
        load = subprocess.Popen(["wrk", "-t", "2", "-c", "16", "-d", f"{2 * a.seconds}s", "-s",
                                 os.path.join(HERE, "..", "tests", "soak", "predict_only.lua"), url],
                                stdout=subprocess.PIPE, text=True, env=dict(os.environ, SOAK_JPEG=a.image))
        time.sleep(a.seconds / 2)
        victim.proc.send_signal(signal.SIGKILL)
        victim.proc.wait()
        killed_at = time.time()
        time.sleep(a.seconds / 2)
        victim.start()  # rejoins on the same port
        restarted_at = time.time()
        out = load.communicate()[0]
        total = int(re.search(r"(\d+) requests in", out).group(1))
        non2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
        errors = re.search(r"Socket errors: (.*)", out)
        print(f"failover: replica on port {victim.port} killed (SIGKILL) under load and restarted "
              f"{restarted_at - killed_at:.1f} s later; {total} requests, {non2xx} non-2xx, "
              f"socket errors: {errors.group(1) if errors else 'none'}")
        ok = ok and non2xx == 0 and not errors
        served_before = victim.served()
        time.sleep(6)  # past fail_timeout, nginx tries it again
        wrk(url, a.image, 3)
        rejoined = victim.served() - served_before
        print(f"rejoin: the restarted replica answered {victim.served()} requests since its restart "
              f"({rejoined} in a 3 s run after nginx's fail_timeout)")
        ok = ok and rejoined > 0
    finally:
        nginx.send_signal(signal.SIGQUIT)
        nginx.wait()
        for r in replicas:
            r.proc.send_signal(signal.SIGTERM)
            r.proc.wait()
        shutil.rmtree(work, ignore_errors=True)
    print("scale-out check:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
