"""Shared setup of the restore e2e tests: binaries, a litestream-written file replica, checks.

Real parts only: litestream v0.3.13 (tests/support/fetch-litestream.sh) writes the replica; our
homeserver-replicator restores it. Everything lives in one temp dir removed at the end; the only
process started (litestream replicate) is stopped by its PID.
"""
import fcntl
import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

SRC = os.environ.get("HS_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "../../..")))
BUILD = os.environ.get("HS_BUILD_DIR", os.path.join(SRC, "build"))


def skip(why):
    print(f"SKIPPED: {why}")
    sys.exit(77)


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)
    print(f"ok: {msg}")


def binaries():
    ours = os.path.join(BUILD, "bin", "homeserver-replicator")
    if not os.access(ours, os.X_OK):
        fail(f"{ours} is not built")
    # Tests run in parallel under ctest -j: serialize the first-time download (the fetch script
    # writes one shared ".partial" file, so two concurrent fetches make one of them fail).
    os.makedirs(os.path.join(BUILD, "third_party"), exist_ok=True)
    with open(os.path.join(BUILD, "third_party", ".fetch-litestream.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        r = subprocess.run([os.path.join(SRC, "tests/support/fetch-litestream.sh"), BUILD], capture_output=True,
                           text=True)
    if r.returncode != 0:
        skip(f"litestream v0.3.13 not available: {r.stderr.strip()[-300:]}")
    return ours, r.stdout.strip()


def run(cmd, **kw):
    """Runs a command, returns (rc, stdout, stderr)."""
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=kw.pop("timeout", 120), **kw)
    return r.returncode, r.stdout, r.stderr


def db_digest(path):
    """(row count, md5 of all rows, integrity_check) of table t, read-only."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
        rows = con.execute("SELECT id, v FROM t ORDER BY id").fetchall()
    finally:
        con.close()
    h = hashlib.md5()
    for r in rows:
        h.update(repr(r).encode())
    return len(rows), h.hexdigest(), integrity


def leftovers(directory, name):
    return sorted(f for f in os.listdir(directory) if f.startswith(name))


class LitestreamReplica:
    """A database written in phases while litestream v0.3.13 replicates it to a file replica.

    Small checkpoint thresholds make it span several WAL indexes. `marks` records, after each
    phase is uploaded, the wall-clock time and row count, for point-in-time restores.
    """

    def __init__(self, litestream, workdir):
        self.ls = litestream
        self.dir = workdir
        self.db = os.path.join(workdir, "app.db")
        self.replica = os.path.join(workdir, "replica")
        self.config = os.path.join(workdir, "litestream.yml")
        self.marks = []
        with open(self.config, "w") as f:
            f.write(f"""dbs:
  - path: {self.db}
    monitor-interval: 100ms
    checkpoint-interval: 1s
    min-checkpoint-page-count: 16
    replicas:
      - name: local
        path: {self.replica}
        sync-interval: 100ms
""")

    def build(self, phases=4, txns=12, rows=8):
        con = sqlite3.connect(self.db, isolation_level=None, timeout=10)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA busy_timeout=10000")
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        log = open(os.path.join(self.dir, "litestream.log"), "w")
        proc = subprocess.Popen([self.ls, "replicate", "-config", self.config], stdout=log, stderr=subprocess.STDOUT)
        try:
            time.sleep(1.0)
            for _ in range(phases):
                for _ in range(txns):
                    con.execute("BEGIN")
                    for _ in range(rows):
                        con.execute("INSERT INTO t (v) VALUES (hex(randomblob(1500)))")
                    con.execute("COMMIT")
                    time.sleep(0.05)
                time.sleep(2.5)  # checkpoint + upload of this phase
                count = con.execute("SELECT count(*) FROM t").fetchone()[0]
                self.marks.append((time.time(), count))
                time.sleep(1.2)  # the next phase's segments get later mtimes
        finally:
            proc.send_signal(signal.SIGTERM)  # final sync, then exit
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()
            con.close()
        return self


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % int((t % 1) * 1000)


def tempdir():
    return tempfile.mkdtemp(prefix="hs-e2e-restore-")


def cleanup(path):
    shutil.rmtree(path, ignore_errors=True)
