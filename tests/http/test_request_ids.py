#!/usr/bin/env python3
"""Request ids and trace context (src/http/request_id.c):
- every answer carries X-Request-ID: the client's when sane, else a new one
  (32 hex digits) that no other request got, over 10,000 requests;
- the id is in every JSON error (both error forms) and the access log line;
- hostile ids (quotes, backslashes, spaces, CR/LF, 10 KB, non-ASCII, empty)
  are replaced, never reflected, and every log line stays valid JSON;
- a valid W3C traceparent's trace and parent ids go into the log line; a
  malformed one (the specification's cases) is ignored.
Usage: test_request_ids.py LOOKSLIKE"""
import http.client
import json
import re
import socket
import sys
import time

import harness
from harness import check

LOOKSLIKE = sys.argv[1]
GENERATED = re.compile(r"^[0-9a-f]{32}$")
SANE = "0f8fad5b-d9cb-469f-a165-70867728950e"


def raw(port, head):
    """Sends head (bytes, the request line and headers) and returns the answer's bytes."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(head)
        answer = b""
        try:
            while chunk := s.recv(65536):
                answer += chunk
        except (ConnectionResetError, socket.timeout):
            pass
        return answer


def header_of(answer, name):
    for line in answer.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == name.lower():
            return v.strip()
    return None


def log_entries(srv, settle=0.3):
    """The access log lines so far, parsed; a line that is not JSON is a failed check."""
    time.sleep(settle)
    entries = []
    for line in list(srv.log):
        if line.startswith("{"):
            try:
                entries.append(json.loads(line))
            except ValueError as e:
                check(False, f"log line is valid JSON ({e}): {line[:200]!r}")
    return entries


def generated_ids_unique(srv):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    ids, bad = set(), []
    start = time.time()
    for _ in range(10000):
        conn.request("GET", "/healthz")
        resp = conn.getresponse()
        resp.read()
        rid = resp.getheader("X-Request-ID") or ""
        if not GENERATED.match(rid):
            bad.append(rid)
        ids.add(rid)
    conn.close()
    check(not bad and len(ids) == 10000,
          f"10,000 requests without an id: 10,000 distinct generated ids of 32 hex digits "
          f"({len(ids)} distinct, {len(bad)} malformed, {time.time() - start:.1f} s)")


def sane_id_everywhere(srv):
    status, headers, data = harness.request(srv.port, "GET", "/nope", headers={"X-Request-ID": SANE})
    body = json.loads(data)
    check(status == 404 and headers.get("x-request-id") == SANE and body["error"]["request_id"] == SANE,
          f"a sane id comes back in the header and the error body ({status}, {headers.get('x-request-id')})")
    status, headers, data = harness.request(srv.port, "GET", "/v2/models/nope", headers={"X-Request-ID": SANE + "-v2"})
    body = json.loads(data)
    check(status == 404 and headers.get("x-request-id") == SANE + "-v2" and body.get("request_id") == SANE + "-v2"
          and isinstance(body.get("error"), str), f"and in the Open Inference Protocol's error form: {body}")
    status, headers, _ = harness.request(srv.port, "GET", "/index.html", headers={"X-Request-ID": "static-1"})
    check(status == 200 and headers.get("x-request-id") == "static-1", "a static file's answer carries it too")
    logged = [e for e in log_entries(srv) if e.get("request_id") == SANE]
    check(len(logged) == 1 and logged[0]["path"] == "/nope" and logged[0]["status"] == 404,
          f"the access log line has it: {logged}")


def hostile_ids(srv):
    cases = {
        "a quote": b'abc"def',
        "a backslash": b"abc\\def",
        "a space": b"abc def",
        "angle brackets": b"<script>",
        "10 KB": b"a" * 10240,
        "129 bytes": b"b" * 129,
        "UTF-8": "caf\u00e9".encode(),
        "a byte 0xff": b"abc\xffdef",
        "a tab": b"abc\tdef",
        "empty": b"",
        "a folded line": b"abc\r\n def",
    }
    for what, value in cases.items():
        answer = raw(srv.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-ID: " + value +
                     b"\r\nConnection: close\r\n\r\n")
        rid = header_of(answer, b"X-Request-ID")
        if answer.startswith(b"HTTP/1.1 400") and rid is None:  # refused by the HTTP parser itself
            check(True, f"an id with {what}: the request itself refused (400)")
            continue
        check(answer.startswith(b"HTTP/1.1 200") and rid is not None and GENERATED.match(rid.decode("latin-1")),
              f"an id with {what}: replaced by a generated one ({answer[:12]!r}, {rid!r})")
    # CR inside a value cannot pass an HTTP parser; it must not get a header split through either.
    answer = raw(srv.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-ID: abc\rInjected: yes\r\n"
                 b"Connection: close\r\n\r\n")
    check(b"Injected" not in answer, f"a bare CR in the id splits no header into the answer ({answer[:40]!r})")
    entries = log_entries(srv)
    check(all("request_id" in e and (GENERATED.match(e["request_id"]) or "\"" not in e["request_id"])
              for e in entries), f"all {len(entries)} log lines are JSON with a request id")
    check(not any("abc\"def" in json.dumps(e) or "aaaaaaaaaaaaaaaaaaaa" in json.dumps(e) for e in entries),
          "no hostile id reached the log")


TRACE, PARENT = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"


def trace_context(srv):
    valid = {
        "version 00": f"00-{TRACE}-{PARENT}-01",
        "a later version, with more after a dash": f"cc-{TRACE}-{PARENT}-01-what-comes-later",
        "a later version, exactly 55 characters": f"01-{TRACE}-{PARENT}-00",
    }
    invalid = {
        "version ff": f"ff-{TRACE}-{PARENT}-01",
        "version 00 with more after it": f"00-{TRACE}-{PARENT}-01-x",
        "a later version with more after no dash": f"cc-{TRACE}-{PARENT}-01x",
        "uppercase hex": f"00-{TRACE.upper()}-{PARENT}-01",
        "an all-zero trace id": f"00-{'0' * 32}-{PARENT}-01",
        "an all-zero parent id": f"00-{TRACE}-{'0' * 16}-01",
        "a short trace id": f"00-{TRACE[:31]}-{PARENT}-01",
        "not hex": f"00-{TRACE[:31]}g-{PARENT}-01",
        "no flags": f"00-{TRACE}-{PARENT}",
        "a quote": f"00-{TRACE}-{PARENT}-0\"",
    }
    for n, (what, value) in enumerate({**valid, **invalid}.items()):
        harness.request(srv.port, "GET", "/healthz", headers={"traceparent": value, "X-Request-ID": f"trace-{n}"})
    entries = {e.get("request_id"): e for e in log_entries(srv)}
    for n, (what, value) in enumerate({**valid, **invalid}.items()):
        e = entries.get(f"trace-{n}", {})
        if what in valid:
            check(e.get("trace_id") == TRACE and e.get("parent_id") == PARENT,
                  f"traceparent with {what}: its ids are logged ({e.get('trace_id')}, {e.get('parent_id')})")
        else:
            check(e and "trace_id" not in e and "parent_id" not in e,
                  f"traceparent with {what}: ignored ({e.get('trace_id')})")


def main():
    srv = harness.Server(LOOKSLIKE, "--workers", "1")
    try:
        generated_ids_unique(srv)
        sane_id_everywhere(srv)
        hostile_ids(srv)
        trace_context(srv)
    finally:
        check(srv.stop() == 0, "server exits 0")
        harness.check_no_sanitizer_reports(srv, "request ids")
    return harness.summary()


if __name__ == "__main__":
    sys.exit(main())
