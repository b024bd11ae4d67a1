"""Shared pieces of the S3 end-to-end tests: the S3 server, litestream, a writer, checks."""
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

SOURCE = os.environ.get("HS_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "../../.."))
BUILD = os.environ.get("HS_BUILD_DIR") or os.path.join(SOURCE, "build")
sys.path.insert(0, os.path.join(SOURCE, "tests", "support"))
from s3server import S3Server, Skip  # noqa: E402,F401

REPLICATOR = os.path.join(BUILD, "bin", "homeserver-replicator")


def skip(why):
    print("SKIPPED: %s" % why, flush=True)
    sys.exit(77)


def fail(why):
    print("FAIL: %s" % why, flush=True)
    sys.exit(1)


def log(msg):
    print("[%s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


def litestream():
    r = subprocess.run([os.path.join(SOURCE, "tests/support/fetch-litestream.sh"), BUILD],
                       capture_output=True, text=True)
    if r.returncode != 0:
        skip("litestream v0.3.13 not available: %s" % r.stderr.strip())
    return r.stdout.strip()


def start_s3(bucket):
    try:
        return S3Server(bucket=bucket).start()
    except Skip as e:
        skip(str(e))


def s3_config(s3, db_path, replica_path, extra=""):
    """litestream.yml with one s3 replica; both tools read it."""
    return f"""dbs:
  - path: {db_path}
    replicas:
      - type: s3
        bucket: {s3.bucket}
        path: {replica_path}
        endpoint: {s3.endpoint}
        region: {s3.region}
        force-path-style: true
        access-key-id: "{s3.access_key_id}"
        secret-access-key: "{s3.secret_access_key}"
        sync-interval: 1s
{extra}"""


def s3_env(s3, replica_path):
    env = dict(os.environ, **s3.env())
    env["HS_S3_PATH"] = replica_path
    return env


class Writer:
    """Inserts numbered rows into a WAL-mode database in small transactions."""

    def __init__(self, path):
        self.path = path
        self.conn = sqlite3.connect(path, isolation_level=None, timeout=30)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA busy_timeout=30000")
        self.conn.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
        self.rows = self.conn.execute("SELECT count(*) FROM t").fetchone()[0]

    def insert(self, n, per_tx=50, pause=0.02):
        done = 0
        while done < n:
            k = min(per_tx, n - done)
            self.conn.execute("BEGIN")
            for _ in range(k):
                self.rows += 1
                self.conn.execute("INSERT INTO t (id, v) VALUES (?, ?)", (self.rows, "row-%08d-" % self.rows + "x" * 150))
            self.conn.execute("COMMIT")
            done += k
            time.sleep(pause)

    def checkpoint(self):
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self):
        self.conn.close()


def check_restored(path, want_rows):
    if not os.path.isfile(path):
        fail("restore produced no file at %s" % path)
    conn = sqlite3.connect(path)
    try:
        ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
        rows, top = conn.execute("SELECT count(*), coalesce(max(id), 0) FROM t").fetchone()
    finally:
        conn.close()
    if ok != "ok":
        fail("%s: integrity_check says %r" % (path, ok))
    if rows != want_rows or top != want_rows:
        fail("%s: %d rows (max id %d), want %d" % (path, rows, top, want_rows))
    log("restored %s: %d rows, integrity ok" % (os.path.basename(path), rows))


class Proc:
    """A child process we started; stop() ends exactly it (SIGTERM, then SIGKILL)."""
    started = []

    @classmethod
    def stop_all(cls):
        """For finally blocks: whatever a failed check left running."""
        for p in cls.started:
            if p.alive():
                p.stop()

    def __init__(self, argv, logfile, env=None):
        Proc.started.append(self)
        self.argv = argv
        self.logfile = logfile
        self.out = open(logfile, "ab")
        self.p = subprocess.Popen(argv, stdout=self.out, stderr=subprocess.STDOUT, env=env)

    def alive(self):
        return self.p.poll() is None

    def stop(self, timeout=30):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        if not self.out.closed:
            self.out.close()
        return self.p.returncode

    def text(self):
        with open(self.logfile, errors="replace") as f:
            return f.read()


def tempdir():
    return tempfile.mkdtemp(prefix="hs-s3-e2e-")
