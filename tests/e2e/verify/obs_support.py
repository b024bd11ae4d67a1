"""Shared parts of the verify / alerts / metrics e2e tests.

Real parts only: our homeserver-replicator binary, sqlite3 databases, and a small recording HTTP
receiver on 127.0.0.1 (a thread of the test process) standing in for healthchecks.io, Slack,
Gotify, ntfy and webhooks. Processes are stopped by the PIDs we started; temp dirs are removed.
"""
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, parse_qs

SRC = os.environ.get("HS_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "../../..")))
BUILD = os.environ.get("HS_BUILD_DIR", os.path.join(SRC, "build"))

# The Fluent Bit rule our docs show (rewrite_tag on $level): JSON lines must match it unchanged.
import re
FLUENT_BIT_LEVEL_RULE = re.compile(r"^(WARN|ERROR)$")


def skip(why):
    print(f"SKIPPED: {why}", flush=True)
    sys.exit(77)


def fail(msg):
    print(f"FAIL: {msg}", flush=True)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)
    print(f"ok: {msg}", flush=True)


def binary():
    b = os.path.join(BUILD, "bin", "homeserver-replicator")
    if not os.access(b, os.X_OK):
        fail(f"{b} is not built")
    return b


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Receiver:
    """Records every request: (method, path, query dict, headers dict, body text)."""

    def __init__(self, status=200, delay=0.0):
        self.requests = []
        self.lock = threading.Lock()
        self.status = status
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n).decode("utf-8", "replace") if n else ""
                u = urlsplit(self.path)
                with outer.lock:
                    outer.requests.append({"method": self.command, "path": u.path,
                                           "query": {k: v[0] for k, v in parse_qs(u.query).items()},
                                           "headers": {k.lower(): v for k, v in self.headers.items()},
                                           "body": body, "time": time.time()})
                if delay:
                    time.sleep(delay)
                self.send_response(outer.status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"OK")

            do_POST = _handle
            do_GET = _handle
            do_HEAD = _handle

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def got(self, prefix=""):
        with self.lock:
            return [r for r in self.requests if r["path"].startswith(prefix)]

    def wait_for(self, prefix, n, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if len(self.got(prefix)) >= n:
                return self.got(prefix)
            time.sleep(0.05)
        return self.got(prefix)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Workdir:
    def __init__(self, name):
        self.path = tempfile.mkdtemp(prefix=f"hs-{name}-")

    def file(self, *parts):
        return os.path.join(self.path, *parts)

    def cleanup(self):
        shutil.rmtree(self.path, ignore_errors=True)


def make_db(path, rows=10):
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=wal")
    con.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)")
    for i in range(rows):
        con.execute("INSERT INTO t (v) VALUES (?)", (f"row {i} " + "x" * 100,))
    con.commit()
    con.close()


def write_rows(path, rows):
    con = sqlite3.connect(path, timeout=10)
    for i in range(rows):
        con.execute("INSERT INTO t (v) VALUES (?)", (f"more {i} " + "y" * 100,))
    con.commit()
    con.close()


class Replicator:
    """`homeserver-replicator replicate -config F`, stdout captured to a file, stopped by PID."""

    def __init__(self, config_path, log_path, env=None):
        self.log_path = log_path
        self.out = open(log_path, "w")
        e = dict(os.environ)
        e.update(env or {})
        self.proc = subprocess.Popen([binary(), "replicate", "-config", config_path],
                                     stdout=self.out, stderr=subprocess.STDOUT, env=e)

    def lines(self):
        with open(self.log_path) as f:
            return f.read().splitlines()

    def json_lines(self):
        out = []
        for line in self.lines():
            try:
                out.append(json.loads(line))
            except ValueError:
                fail(f"log line is not JSON: {line!r}")
        return out

    def wait_log(self, text, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if any(text in l for l in self.lines()):
                return True
            if self.proc.poll() is not None:
                return any(text in l for l in self.lines())
            time.sleep(0.1)
        return False

    def stop(self, timeout=30):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.out.close()
        return self.proc.returncode


def run(cmd, env=None, timeout=120):
    e = dict(os.environ)
    e.update(env or {})
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=e)
    return r.returncode, r.stdout, r.stderr
