"""Shared pieces of the replication end-to-end tests: real processes only.

- Writer: a separate python3 process inserting rows into a WAL database (busy_timeout 5000 ms, as
  litestream recommends for apps), appending "<id> <unix time>" to a log after each COMMIT returns,
  so the tests know exactly what was committed and when.
- Replicator: our homeserver-replicator or the real litestream 0.3.13, started by PID, stopped by
  PID (SIGTERM for a graceful stop, SIGKILL for a crash).
- Restore with either tool, then row set and PRAGMA integrity_check of the result.
"""
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

SKIP = 77

WRITER = r'''
import sqlite3, sys, time, random, signal
# SIGTERM ends the writer between transactions: a writer killed inside COMMIT can leave a
# committed-on-disk transaction the live shm index never shows (the replica may then hold rows the
# source does not), which would make the row-set comparison meaningless.
stop = []
signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
db, log_path, start_id, rate = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
extra = sys.argv[5] if len(sys.argv) > 5 else ""
con = sqlite3.connect(db, timeout=5.0, isolation_level=None)
con.execute("PRAGMA busy_timeout=5000")
con.execute("PRAGMA journal_mode=wal")
con.execute("CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v BLOB)")
log = open(log_path, "a", buffering=1)
i = start_id
rnd = random.Random(i)
while not stop:
    n = rnd.randint(1, 5)
    con.execute("BEGIN")
    for k in range(n):
        con.execute("INSERT INTO t(id, v) VALUES(?, randomblob(200))", (i + k,))
    con.execute("COMMIT")
    log.write("%d %d %.6f\n" % (i, n, time.time()))
    i += n
    if "maint" in extra and rnd.random() < 0.01:
        # The app's own maintenance while replicating: must lose nothing.
        op = rnd.choice(["PRAGMA wal_checkpoint(TRUNCATE)", "VACUUM", "PRAGMA wal_checkpoint(PASSIVE)"])
        con.execute("PRAGMA busy_timeout=200")
        try:
            con.execute(op).fetchall()
        except sqlite3.OperationalError:
            pass  # busy: the replicator's read lock held it back, as it should
        con.execute("PRAGMA busy_timeout=5000")
    if rate > 0:
        time.sleep(1.0 / rate)
'''


def log(*a):
    print(*a, flush=True)


def fail(msg):
    log("FAIL: " + msg)
    sys.exit(1)


def binaries():
    build = os.environ.get("HS_BUILD_DIR", "build")
    src = os.environ.get("HS_SOURCE_DIR", ".")
    ours = os.path.join(build, "bin", "homeserver-replicator")
    if not os.access(ours, os.X_OK):
        log("SKIPPED: %s not built" % ours)
        sys.exit(SKIP)
    try:
        ls = subprocess.run([os.path.join(src, "tests/support/fetch-litestream.sh"), build], check=True,
                            capture_output=True, text=True, timeout=300).stdout.strip()
    except Exception as e:  # noqa: BLE001 - any failure means the real part is missing
        log("SKIPPED: cannot fetch litestream v0.3.13 (%s)" % e)
        sys.exit(SKIP)
    return os.path.abspath(ours), ls


class Scratch:
    def __init__(self, name):
        self.dir = tempfile.mkdtemp(prefix="hs-e2e-%s-" % name)
        self.procs = []

    def path(self, *p):
        return os.path.join(self.dir, *p)

    def start(self, argv, log_name, env=None):
        out = open(self.path(log_name), "ab")
        p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        out.close()
        self.procs.append(p)
        return p

    def stop(self, p, sig=signal.SIGTERM, timeout=60):
        if p.poll() is None:
            os.kill(p.pid, sig)
        try:
            return p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(p.pid, signal.SIGKILL)
            p.wait()
            fail("process %d did not stop within %ds after signal %d" % (p.pid, timeout, sig))

    def cleanup(self):
        for p in self.procs:
            if p.poll() is None:
                os.kill(p.pid, signal.SIGKILL)
                p.wait()
        if os.environ.get("HS_KEEP_SCRATCH"):
            log("scratch kept: " + self.dir)
            return
        subprocess.run(["rm", "-rf", self.dir])

    def writer(self, db, log_name, start_id=1, rate=0.0, extra=""):
        script = self.path("writer.py")
        if not os.path.exists(script):
            with open(script, "w") as f:
                f.write(WRITER)
        return self.start([sys.executable, script, db, self.path(log_name), str(start_id), str(rate), extra],
                          log_name + ".out")

    def config(self, name, db, replica_dir, sync_interval="1s", extra_db="", extra_replica=""):
        p = self.path(name)
        with open(p, "w") as f:
            f.write("dbs:\n  - path: %s\n%s    replicas:\n      - type: file\n        path: %s\n"
                    "        sync-interval: %s\n%s" % (db, extra_db, replica_dir, sync_interval, extra_replica))
        return p


def committed(log_path, before=None):
    """Row ids whose COMMIT returned (at or before `before`, a unix time, if given)."""
    ids = set()
    if not os.path.exists(log_path):
        return ids
    with open(log_path) as f:
        for line in f:
            parts = line.split()
            if len(parts) != 3:
                continue  # a line cut by a kill
            first, n, t = int(parts[0]), int(parts[1]), float(parts[2])
            if before is None or t <= before:
                ids.update(range(first, first + n))
    return ids


def last_id(log_path):
    ids = committed(log_path)
    return max(ids) if ids else 0


def db_rows(path):
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        ok = con.execute("PRAGMA integrity_check").fetchone()[0]
        ids = set(r[0] for r in con.execute("SELECT id FROM t"))
    finally:
        con.close()
    return ok, ids


def restore(tool, replica_dir, out, name):
    """Restores the newest generation of a file replica with `tool` (our binary or litestream)."""
    r = subprocess.run([tool, "restore", "-o", out, "file://" + replica_dir], capture_output=True, text=True,
                       timeout=300)
    if r.returncode != 0:
        fail("%s restore failed (%d): %s%s" % (name, r.returncode, r.stdout, r.stderr))
    ok, ids = db_rows(out)
    if ok != "ok":
        fail("%s restore: integrity_check says %r" % (name, ok))
    return ids


def has_restore(ours):
    r = subprocess.run([ours, "restore", "-h"], capture_output=True, text=True)
    return "unknown command" not in (r.stdout + r.stderr)
