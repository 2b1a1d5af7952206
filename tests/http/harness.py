"""Shared pieces of the HTTP test programs: a lookslike process on a free
loopback port, a careful one-request HTTP client, and the tally of checks
("ok - ..." / "not ok - ..." lines and the closing count)."""
import http.client
import json
import os
import re
import shlex
import select
import signal
import subprocess
import threading
import time


class Server:
    """A lookslike process on 127.0.0.1 with an OS-chosen port. With
    $LOOKSLIKE_SERVER_WRAPPER (e.g. "valgrind --leak-check=full") the server
    runs under that command."""

    def __init__(self, lookslike, *args):
        wrapper = shlex.split(os.environ.get("LOOKSLIKE_SERVER_WRAPPER", ""))
        self.proc = subprocess.Popen([*wrapper, lookslike, "--bind", "127.0.0.1", "--port", "0", *args],
                                     stderr=subprocess.PIPE, text=True)
        self.log = []
        self.port = None
        deadline = time.time() + (300 if wrapper else 30)
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            self.log.append(line)
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", line)
            if m:
                self.port = int(m.group(1))
                break
        if not self.port:
            raise RuntimeError("server did not start: " + "".join(self.log))
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for line in self.proc.stderr:
            self.log.append(line)

    def stop(self):
        """SIGTERM; the exit code (a server that does not exit 0 has its last log lines printed)."""
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=30)
        if rc != 0:
            time.sleep(0.2)  # the drain thread's last lines
            print(f"# the server exited {rc}; its last log lines:", flush=True)
            for line in self.log[-15:]:
                print("#   " + line.rstrip(), flush=True)
        return rc


def request(port, method, path, body=None, headers=None, chunked=False, timeout=30):
    """One request on a new connection. The body goes out in 64 KiB pieces and
    sending stops as soon as the server answers early (as it does for 413), the
    way a careful client would; the answer is then read."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        headers = dict(headers or {})
        if body is not None and not chunked:
            headers.setdefault("Content-Length", str(len(body)))
        for k, v in headers.items():
            conn.putheader(k, v)
        if chunked:
            conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        step = 65536
        try:
            for i in range(0, len(body or b""), step):
                if select.select([conn.sock], [], [], 0)[0]:
                    break  # answered already
                part = body[i:i + step]
                conn.send(b"%x\r\n%s\r\n" % (len(part), part) if chunked else part)
            else:
                if chunked:
                    conn.send(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
    finally:
        conn.close()




def v2_infer(port, model, doc, binary=b"", timeout=120):
    """An Open Inference Protocol inference: doc as the JSON (with binary after
    it, the binary tensor data extension, when given); (status, the answer's
    JSON or None when it is not JSON, the binary data after its header)."""
    body = json.dumps(doc).encode()
    h = {"Content-Type": "application/octet-stream" if binary else "application/json"}
    if binary:
        h["Inference-Header-Content-Length"] = str(len(body))
    status, rh, data = request(port, "POST", f"/v2/models/{model}/infer", body + binary, h, timeout=timeout)
    n = int(rh.get("inference-header-content-length", len(data)))
    try:
        return status, json.loads(data[:n]), data[n:]
    except ValueError:
        return status, None, b""


def memory_kib(pid, field="VmRSS"):
    """A memory figure of a process from /proc (VmRSS: resident now, VmHWM: its peak), in KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


_tally = {"passed": 0, "failed": 0}


def check(ok, what):
    """Counts and prints one check; returns ok."""
    _tally["passed" if ok else "failed"] += 1
    print(("ok - " if ok else "not ok - ") + what, flush=True)
    return ok


def check_no_sanitizer_reports(srv, name):
    """No AddressSanitizer or UBSan report in the server's log so far."""
    errors = [l for l in srv.log if "ERROR: AddressSanitizer" in l or "runtime error" in l]
    return check(not errors, f"{name}: no sanitizer reports: {errors[:3]}")


def summary():
    """Prints the closing count; returns the exit code."""
    print(f"# {_tally['passed']} passed, {_tally['failed']} failed")
    return 1 if _tally["failed"] else 0
