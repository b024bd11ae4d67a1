#!/usr/bin/env python3
"""A counting, fault-injecting HTTP proxy in front of a test's S3 server (Swift s3api), on 127.0.0.1.

Why raw bytes: SigV4 signs the method, path, query, Host and the signed headers, so the proxy
forwards the request line, every header (Host included) and the body exactly as received; the S3
client is pointed at the proxy's port (endpoint URL, path-style) and signs for that Host, which is
what Swift verifies. Only the response may be altered, and only by a fault rule.

Counts: every request received, by kind (what S3 bills):
  LIST   GET on the bucket itself (ListObjects; ?location excepted, that is a GET)
  GET    GET of an object          HEAD   HEAD of anything
  PUT    PUT, and POST other than ?delete (multipart create/complete)
  DELETE DELETE, and POST ?delete (DeleteObjects)
Requests refused by a fault are counted too (S3 bills them as well).

Faults (rules, first match wins, checked when a request arrives):
  {"kind": "PUT"|"GET"|"LIST"|"DELETE"|"HEAD"|"*", "fault": F, "times": N or None,
   "start": unix time or None, "duration": seconds or None, "match": substring of the path or None,
   "seconds": stall seconds}
  F = "503"      503 SlowDown (S3's throttling answer)
      "500"      500 InternalError
      "drop"     the connection is closed without an answer
      "stall"    no answer for `seconds`, then the request is forwarded (the client may have gone)
      "stall-body" status and headers at once, half the body, then nothing for `seconds`, then close
      "truncate" the answer's Content-Length is kept but the body is cut in half and the connection
                 closed; for a request with a body (PUT), half the body goes upstream and the
                 client's connection is closed (so nothing is stored)
      "skew"     403 RequestTimeTooSkewed, what S3 answers when the signing clock is off by > 15 min
A rule with `times` stops after N injections; with `duration`, it is active in [start, start+duration).

Use in a python test:
  from s3_proxy import S3Proxy
  p = S3Proxy(upstream_port).start()      # p.endpoint is http://127.0.0.1:<port>
  p.add_rule(kind="PUT", fault="503", times=3); p.counts() -> {"PUT": 12, ...}; p.stop()
Or as a process (other tests, other languages):
  s3_proxy.py --upstream-port P [--port N] [--control-port M]  prints one JSON line with the ports;
  control: GET /counts, GET /log, POST /rules (a JSON rule or list of rules), POST /reset, POST /clear-rules
"""
import argparse
import json
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KINDS = ("GET", "PUT", "LIST", "DELETE", "HEAD")
FAULTS = ("503", "500", "drop", "stall", "stall-body", "truncate", "skew")


def classify(method, target):
    path, _, query = target.partition("?")
    q = urllib.parse.parse_qs(query, keep_blank_values=True)
    parts = path.lstrip("/").split("/", 1)
    key = parts[1] if len(parts) > 1 else ""
    if method == "HEAD":
        return "HEAD"
    if method == "GET":
        return "LIST" if key == "" and "location" not in q else "GET"
    if method == "DELETE":
        return "DELETE"
    if method == "POST":
        return "DELETE" if "delete" in q else "PUT"
    if method == "PUT":
        return "PUT"
    return method


def _error_xml(code, message):
    return ("<?xml version='1.0' encoding='UTF-8'?>\n<Error><Code>%s</Code><Message>%s</Message>"
            "<RequestId>hs-s3-proxy</RequestId></Error>" % (code, message)).encode()


CANNED = {
    "503": (503, "Service Unavailable", "SlowDown", "Please reduce your request rate."),
    "500": (500, "Internal Server Error", "InternalError", "We encountered an internal error. Please try again."),
    "skew": (403, "Forbidden", "RequestTimeTooSkewed",
             "The difference between the request time and the current time is too large."),
}


class _Conn:
    """Buffered reads from a socket: lines, exact lengths, chunked bodies, all as raw bytes."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _more(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError
        self.buf += data

    def head(self):
        """Bytes up to and including the blank line; b'' if the peer closed before sending any."""
        while b"\r\n\r\n" not in self.buf:
            try:
                self._more()
            except EOFError:
                if self.buf:
                    raise
                return b""
        i = self.buf.index(b"\r\n\r\n") + 4
        h, self.buf = self.buf[:i], self.buf[i:]
        return h

    def exact(self, n):
        while len(self.buf) < n:
            self._more()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def line(self):
        while b"\r\n" not in self.buf:
            self._more()
        i = self.buf.index(b"\r\n") + 2
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def chunked(self):
        raw = b""
        while True:
            size_line = self.line()
            raw += size_line
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                while True:  # trailers up to the blank line
                    t = self.line()
                    raw += t
                    if t == b"\r\n":
                        return raw
            raw += self.exact(size + 2)

    def until_close(self):
        out = self.buf
        self.buf = b""
        while True:
            data = self.sock.recv(65536)
            if not data:
                return out
            out += data


def _parse_head(head):
    lines = head.decode("latin-1").split("\r\n")
    first = lines[0]
    headers = {}
    for l in lines[1:]:
        if ":" in l:
            k, v = l.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    return first, headers


def _read_body(conn, headers, no_body=False):
    if no_body:
        return b""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return conn.chunked()
    if "content-length" in headers:
        return conn.exact(int(headers["content-length"]))
    return None  # response framed by the connection closing


class S3Proxy:
    def __init__(self, upstream_port, upstream_host="127.0.0.1", port=0):
        self.upstream = (upstream_host, upstream_port)
        self.port = port
        self.lock = threading.Lock()
        self.rules = []
        self.reset()
        self.sock = None
        self.threads = []
        self.conns = set()
        self.stopping = False

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.port

    # --- counts and rules --------------------------------------------------------------------
    def reset(self):
        with self.lock:
            self._counts = {k: 0 for k in KINDS}
            self._faults = {}
            self._log = []

    def counts(self):
        with self.lock:
            return dict(self._counts)

    def faults(self):
        """Injections so far, by "KIND fault"."""
        with self.lock:
            return dict(self._faults)

    def log(self):
        with self.lock:
            return list(self._log)

    def add_rule(self, kind="*", fault="503", times=None, start=None, duration=None, match=None, seconds=20.0):
        if kind != "*" and kind not in KINDS:
            raise ValueError("kind %r: one of %s or *" % (kind, KINDS))
        if fault not in FAULTS:
            raise ValueError("fault %r: one of %s" % (fault, FAULTS))
        rule = {"kind": kind, "fault": fault, "times": times, "start": start if start is not None else time.time(),
                "duration": duration, "match": match, "seconds": float(seconds), "injected": 0}
        with self.lock:
            self.rules.append(rule)
        return rule

    def clear_rules(self):
        with self.lock:
            self.rules = []

    def _pick(self, kind, target):
        """Counts the request and returns the fault rule to apply, if any."""
        now = time.time()
        with self.lock:
            self._counts[kind] = self._counts.get(kind, 0) + 1
            for r in self.rules:
                if r["kind"] not in ("*", kind):
                    continue
                if r["match"] and r["match"] not in target:
                    continue
                if now < r["start"] or (r["duration"] is not None and now >= r["start"] + r["duration"]):
                    continue
                if r["times"] is not None and r["injected"] >= r["times"]:
                    continue
                r["injected"] += 1
                name = "%s %s" % (kind, r["fault"])
                self._faults[name] = self._faults.get(name, 0) + 1
                return dict(r)
        return None

    # --- lifecycle ---------------------------------------------------------------------------
    def start(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        t = threading.Thread(target=self._accept, daemon=True)
        t.start()
        self.threads.append(t)
        return self

    def stop(self):
        self.stopping = True
        if self.sock:
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.sock.close()
        with self.lock:
            conns = list(self.conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _accept(self):
        while not self.stopping:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.conns.add(c)
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    # --- one client connection (keep-alive: several requests) ----------------------------------
    def _serve(self, c):
        client = _Conn(c)
        try:
            while not self.stopping:
                head = client.head()
                if not head:
                    return
                first, headers = _parse_head(head)
                method, target = first.split(" ")[:2]
                if "100-continue" in headers.get("expect", "").lower():
                    c.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
                body = _read_body(client, headers) or b""
                kind = classify(method, target)
                rule = self._pick(kind, target)
                status = self._answer(c, method, target, head, body, rule)
                with self.lock:
                    self._log.append((time.time(), kind, method, target, status))
                    del self._log[:-20000]
                if status is None or headers.get("connection", "").lower() == "close":
                    return
        except (OSError, EOFError, ValueError):
            return
        finally:
            with self.lock:
                self.conns.discard(c)
            try:
                c.close()
            except OSError:
                pass

    def _answer(self, c, method, target, head, body, rule):
        """Sends the answer; returns its status, or None when the connection must be closed."""
        fault = rule["fault"] if rule else None
        if fault in CANNED:
            status, reason, code, msg = CANNED[fault]
            xml = _error_xml(code, msg)
            c.sendall(("HTTP/1.1 %d %s\r\nContent-Type: application/xml\r\nContent-Length: %d\r\n"
                       "x-amz-request-id: hs-s3-proxy\r\n\r\n" % (status, reason, len(xml))).encode() + xml)
            return status
        if fault == "drop":
            return None
        if fault == "stall":
            self._sleep(rule["seconds"])
        if fault == "truncate" and body:
            # Half the request body upstream, then both connections closed: nothing may be stored.
            try:
                up = socket.create_connection(self.upstream, timeout=30)
                up.sendall(head + body[:len(body) // 2])
                up.close()
            except OSError:
                pass
            return None
        try:
            resp_head, resp_body, close = self._forward(head, body, method == "HEAD")
        except (OSError, EOFError):
            return None
        status = int(resp_head.split(b" ", 2)[1])
        if fault == "truncate" or (fault == "stall-body"):
            c.sendall(resp_head + resp_body[:len(resp_body) // 2])
            if fault == "stall-body":
                self._sleep(rule["seconds"])
            return None
        c.sendall(resp_head + resp_body)
        return None if close else status

    def _sleep(self, seconds):
        end = time.time() + seconds
        while time.time() < end and not self.stopping:
            time.sleep(0.1)

    def _forward(self, head, body, is_head):
        up = socket.create_connection(self.upstream, timeout=120)
        try:
            up.sendall(head + body)
            conn = _Conn(up)
            while True:
                resp_head = conn.head()
                if not resp_head:
                    raise EOFError
                status = int(resp_head.split(b" ", 2)[1])
                if 100 <= status < 200:
                    continue  # interim answer to Expect: 100-continue; the client already got ours
                break
            _, headers = _parse_head(resp_head)
            resp_body = _read_body(conn, headers, is_head or status in (204, 304))
            close = headers.get("connection", "").lower() == "close"
            if resp_body is None:
                resp_body = conn.until_close()
                close = True
            return resp_head, resp_body, close
        finally:
            up.close()


class _Control(BaseHTTPRequestHandler):
    proxy = None

    def log_message(self, *a):
        pass

    def _json(self, obj, status=200):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/counts":
            self._json({"counts": self.proxy.counts(), "faults": self.proxy.faults()})
        elif self.path == "/log":
            self._json(self.proxy.log())
        else:
            self._json({"error": "unknown path"}, 404)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
        try:
            if self.path == "/rules":
                rules = json.loads(body)
                for r in rules if isinstance(rules, list) else [rules]:
                    self.proxy.add_rule(**r)
            elif self.path == "/reset":
                self.proxy.reset()
            elif self.path == "/clear-rules":
                self.proxy.clear_rules()
            else:
                return self._json({"error": "unknown path"}, 404)
        except (ValueError, TypeError) as e:
            return self._json({"error": str(e)}, 400)
        self._json({"ok": True})


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--upstream-port", type=int, required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--control-port", type=int, default=0)
    a = ap.parse_args(argv)
    p = S3Proxy(a.upstream_port, port=a.port).start()
    _Control.proxy = p
    ctl = ThreadingHTTPServer(("127.0.0.1", a.control_port), _Control)
    print(json.dumps({"port": p.port, "control_port": ctl.server_address[1], "endpoint": p.endpoint}), flush=True)
    try:
        ctl.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        p.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
