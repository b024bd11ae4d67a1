"""Shared pieces of the process / disk / file fault matrix (issue 14): real processes only.

Built on tests/e2e/replicate/harness.py (Scratch: processes started and stopped by PID, commit
logs, restores) and tests/e2e/s3/s3e2e.py (a Swift s3api on 127.0.0.1). What it adds:

- APP: a python3/sqlite3 writer (busy_timeout 5000) that logs "B <first> <n> <t>" before BEGIN and
  "C <first> <n> <t>" after COMMIT returns, so a test knows which transactions were committed when,
  and which one may have been cut by a kill -9 (for the all-or-nothing check). It continues from
  the database's max(id) when restarted, and can run app checkpoints (TRUNCATE/RESTART).
- Rig: one database replicated by our replicator to a file replica and a Swift s3api replica at
  once (sync-interval 1s), with restores by our binary and by litestream 0.3.13 from both, each
  checked for PRAGMA integrity_check, every transaction committed before a cut-off, whole
  transactions only, and no file left in the restore directory but the database.
"""
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "replicate"))
sys.path.insert(0, os.path.join(HERE, "..", "s3"))
import harness as h  # noqa: E402
from s3e2e import start_s3  # noqa: E402

log, fail, SKIP = h.log, h.fail, h.SKIP

APP = r'''
import os, random, signal, sqlite3, sys, time
stop = []
signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
db, log_path, rate = sys.argv[1], sys.argv[2], float(sys.argv[3])
tx_min, tx_max, row_sleep = int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
ckpt, ckpt_every = sys.argv[7], float(sys.argv[8])   # "", "TRUNCATE", "RESTART", "mix"
blob = int(sys.argv[9]) if len(sys.argv) > 9 else 200
con = sqlite3.connect(db, timeout=5.0, isolation_level=None)
con.execute("PRAGMA busy_timeout=5000")
con.execute("PRAGMA journal_mode=wal")
con.execute("CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v BLOB)")
i = con.execute("SELECT coalesce(max(id), 0) FROM t").fetchone()[0] + 1
log = open(log_path, "a", buffering=1)
rnd = random.Random(os.getpid())
next_ckpt = time.time() + ckpt_every
while not stop:
    n = rnd.randint(tx_min, tx_max)
    log.write("B %d %d %.6f\n" % (i, n, time.time()))
    con.execute("BEGIN")
    for k in range(n):
        con.execute("INSERT INTO t(id, v) VALUES(?, randomblob(?))", (i + k, blob))
        if row_sleep > 0:
            time.sleep(row_sleep)
    con.execute("COMMIT")
    log.write("C %d %d %.6f\n" % (i, n, time.time()))
    i += n
    if ckpt and time.time() >= next_ckpt:
        mode = rnd.choice(["TRUNCATE", "RESTART"]) if ckpt == "mix" else ckpt
        r = con.execute("PRAGMA wal_checkpoint(%s)" % mode).fetchone()
        log.write("K %s %s %.6f\n" % (mode, ",".join(map(str, r)), time.time()))
        next_ckpt = time.time() + ckpt_every
    if rate > 0:
        time.sleep(1.0 / rate)
'''


def binaries():
    ours, litestream = h.binaries()
    return ours, litestream


class Txs:
    """The APP's log: transactions begun and committed, with commit times."""

    def __init__(self, path):
        self.begun, self.committed = {}, {}  # first id -> n ; first id -> (n, commit time)
        if os.path.exists(path):
            for line in open(path):
                p = line.split()
                if len(p) != 4 or p[0] not in "BC":
                    continue  # a line cut by a kill, or a checkpoint note
                if p[0] == "B":
                    self.begun[int(p[1])] = int(p[2])
                else:
                    self.committed[int(p[1])] = (int(p[2]), float(p[3]))

    @staticmethod
    def in_transaction(path):
        """True when the APP's last log line is a BEGIN: it is inside a transaction."""
        lines = [l for l in open(path) if l[:2] in ("B ", "C ")]
        return bool(lines) and lines[-1].startswith("B ")

    def ids(self, before=None):
        out = set()
        for first, (n, t) in self.committed.items():
            if before is None or t <= before:
                out.update(range(first, first + n))
        return out

    def check(self, got, before, what):
        """Every transaction committed by `before` is in `got`; every transaction is all or nothing."""
        missing = self.ids(before) - got
        if missing:
            fail("%s: %d rows of transactions committed before the cut-off are missing, e.g. %s"
                 % (what, len(missing), sorted(missing)[:5]))
        for first, n in self.begun.items():
            k = len(got & set(range(first, first + n)))
            if k not in (0, n):
                fail("%s: transaction %d (+%d rows) restored in part: %d rows" % (what, first, n, k))
        extra = got - set(i for f, n in self.begun.items() for i in range(f, f + n))
        if extra:
            fail("%s: %d rows no transaction wrote, e.g. %s" % (what, len(extra), sorted(extra)[:5]))


def mount_tmpfs(path, size):
    os.makedirs(path, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s" % size, "tmpfs", path], capture_output=True,
                       text=True)
    if r.returncode != 0:
        log("SKIPPED: cannot mount a tmpfs (%s)" % r.stderr.strip())
        sys.exit(SKIP)


def resize_tmpfs(path, size):
    subprocess.run(["mount", "-o", "remount,size=%s" % size, path], check=True)


def umount(path):
    subprocess.run(["umount", path], capture_output=True)


class Rig:
    """One database, our replicator to a file replica and (with s3=True) a Swift s3api replica."""

    def __init__(self, name, s3=True):
        self.ours, self.litestream = binaries()
        self.s = h.Scratch("faults-" + name)
        self.s3 = start_s3("faults-" + name.replace("_", "-")) if s3 else None
        self.db = self.s.path("app.db")
        self.replica = self.s.path("replica")
        self.app = None
        self.rep = None
        self.restores = 0
        self.mounts = []

    def path(self, *p):
        return self.s.path(*p)

    def config(self, name="replicator.yml", db_extra="", replica_extra="", top="logging:\n  level: debug\n",
               db=None):
        db = db or self.db
        text = "%sdbs:\n  - path: %s\n%s    replicas:\n" % (top, db, db_extra)
        text += "      - name: file\n        type: file\n        path: %s\n        sync-interval: 1s\n%s" % (
            self.replica, replica_extra)
        if self.s3:
            text += ("      - name: s3\n        type: s3\n        bucket: %s\n        path: app\n"
                     "        endpoint: %s\n        region: us-east-1\n        force-path-style: true\n"
                     "        access-key-id: \"%s\"\n        secret-access-key: \"%s\"\n"
                     "        sync-interval: 1s\n%s" % (self.s3.bucket, self.s3.endpoint, self.s3.access_key_id,
                                                        self.s3.secret_access_key, replica_extra))
        p = self.s.path(name)
        with open(p, "w") as f:
            f.write(text)
        self.cfg = p
        return p

    def start_app(self, rate=50, tx=(1, 5), row_sleep=0.0, ckpt="", ckpt_every=1.0, blob=200, log_name="app.log"):
        script = self.s.path("app.py")
        if not os.path.exists(script):
            with open(script, "w") as f:
                f.write(APP)
        self.app = self.s.start([sys.executable, script, self.db, self.s.path(log_name), str(rate), str(tx[0]),
                                 str(tx[1]), str(row_sleep), ckpt, str(ckpt_every), str(blob)], log_name + ".out")
        return self.app

    def txs(self, log_name="app.log"):
        return Txs(self.s.path(log_name))

    def start_replicator(self, cfg=None, log_name="replicate.log"):
        self.rep = self.s.start([self.ours, "replicate", "-config", cfg or self.cfg], log_name)
        return self.rep

    def stop_app_then_replicator(self, rep, what):
        """Stops the app, then (its last commit in the WAL) the replicator, which must exit 0."""
        self.s.stop(self.app)
        time.sleep(0.3)
        rc = self.s.stop(rep)
        if rc != 0:
            fail("%s: replicate exited %d on SIGTERM:\n%s" % (what, rc, self.replicator_log()[-3000:]))

    def replicator_log(self, log_name="replicate.log"):
        p = self.s.path(log_name)
        return open(p, errors="replace").read() if os.path.exists(p) else ""

    def prefill(self, mb):
        """A database of `mb` MiB of incompressible rows (ids above 10^9, outside the APP's range
        only if the APP has not started yet: it continues after max(id))."""
        import sqlite3
        con = sqlite3.connect(self.db, isolation_level=None)
        con.execute("PRAGMA journal_mode=wal")
        con.execute("CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v BLOB)")
        con.execute("BEGIN")
        for i in range(1, mb * 256 + 1):
            con.execute("INSERT INTO t(id, v) VALUES(?, randomblob(4000))", (i,))
        con.execute("COMMIT")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()
        with open(self.s.path("app.log"), "a") as f:
            f.write("B 1 %d 0\nC 1 %d 0\n" % (mb * 256, mb * 256))

    def restore(self, tool_name, replica_name, extra_args=(), must_succeed=True):
        """Restores with `tool_name` ("ours"/"litestream") from `replica_name` ("file"/"s3") into a
        fresh directory; returns (rc, output, ids or None, out_dir)."""
        tool = self.ours if tool_name == "ours" else self.litestream
        self.restores += 1
        out_dir = self.s.path("restore-%d-%s-%s" % (self.restores, tool_name, replica_name))
        os.mkdir(out_dir)
        out = os.path.join(out_dir, "app.db")
        argv = [tool, "restore", "-config", self.cfg, "-replica", replica_name, "-o", out] + list(extra_args) + [
            self.db]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=600)
        text = r.stdout + r.stderr
        if r.returncode != 0:
            if must_succeed:
                other = "litestream" if tool_name == "ours" else "ours"
                rc2, text2, ids2, _ = self.restore(other, replica_name, must_succeed=False)
                log("for comparison, %s restore from %s: exit %d, %s" % (
                    other, replica_name, rc2, "%d rows, integrity ok" % len(ids2) if ids2 is not None else text2[-500:]))
                fail("%s restore from %s failed (%d): %s" % (tool_name, replica_name, r.returncode, text[-2000:]))
            return r.returncode, text, None, out_dir
        left = sorted(set(os.listdir(out_dir)) - {"app.db"})  # before SQLite opens it (-wal, -shm)
        if tool_name == "litestream":  # litestream 0.3.13 leaves these after every restore; not ours
            left = [x for x in left if x not in ("app.db.tmp-wal", "app.db.tmp-shm")]
        if left:
            fail("%s restore from %s left files behind: %s" % (tool_name, replica_name, left))
        ok, ids = h.db_rows(out)
        if ok != "ok":
            fail("%s restore from %s: integrity_check says %r" % (tool_name, replica_name, ok))
        subprocess.run(["rm", "-rf", out_dir])
        return 0, text, ids, out_dir

    def replicas(self):
        return ["file"] + (["s3"] if self.s3 else [])

    def check_all(self, txs, before, what, tools=("ours", "litestream")):
        """Restores from every replica with every tool; checks them against the APP's log."""
        counts = {}
        for rn in self.replicas():
            for tn in tools:
                _, _, ids, _ = self.restore(tn, rn)
                txs.check(ids, before, "%s: %s restore from %s" % (what, tn, rn))
                counts["%s/%s" % (tn, rn)] = len(ids)
        return counts

    def replica_temp_files(self):
        """Temp files in the file replica outside the generation being written."""
        out = []
        for root, _, files in os.walk(self.replica):
            out += [os.path.join(root, f) for f in files if f.endswith(".tmp")]
        return out

    def errors(self, log_name="replicate.log"):
        return [l for l in self.replicator_log(log_name).splitlines() if "level=ERROR" in l]

    def cleanup(self):
        for p in self.s.procs:  # before the unmounts: a live process keeps a mount busy
            if p.poll() is None:
                p.kill()
                p.wait()
        for m in self.mounts:
            umount(m)
        self.s.cleanup()
        if self.s3:
            self.s3.stop()


def wait_for(pred, timeout, step=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return None


def count(pattern, text):
    return len(re.findall(pattern, text))
