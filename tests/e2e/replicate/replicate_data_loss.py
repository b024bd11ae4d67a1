#!/usr/bin/env python3
"""Regression tests for ways the replicator once lost or hid committed writes (issue 15), with real
processes: our replicator on a file replica, the app as a sqlite3 connection in this process.

1. coarse timestamps: after a WAL restart a commit rewrites the WAL in place (same size); on
   filesystems whose mtime ticks coarsely (ext4/xfs before Linux 6.13, ramfs) such a commit keeps the
   WAL's stat unchanged. We inject that stat (os.utime back to the old mtime) and require the commit
   to reach the replica while idle and on the final sync at SIGTERM.
2. database replaced: the database file is deleted and another copied in while replicating; the
   newest restore must be the new database, never the deleted one.
3. a silent S3 endpoint (accepts, never answers) listed before a file replica: the file replica
   keeps up, the stall is an ERROR within a bounded time, SIGTERM is honoured within
   shutdown-timeout with the file replica complete, and the exit status says the S3 replica failed.
4. the app's own TRUNCATE checkpoints racing ours: no ERROR lines, no lost row.
"""
import os
import re
import shutil
import socket
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
import harness as h  # noqa: E402


def app(db):
    con = sqlite3.connect(db, timeout=5.0, isolation_level=None)
    con.execute("PRAGMA busy_timeout=5000")
    con.execute("PRAGMA journal_mode=wal")
    con.execute("CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v BLOB)")
    return con


def restored_ids(ours, s, replica, name):
    out = s.path(name)
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(out + suffix):
            os.remove(out + suffix)
    return h.restore(ours, replica, out, name)


def errors_in(s, log_name):
    return [l for l in open(s.path(log_name)) if "level=ERROR" in l]


def coarse_timestamps(ours):
    s = h.Scratch("loss-mtime")
    try:
        db, replica = s.path("app.db"), s.path("replica")
        # A checkpoint (and so a WAL restart) after every sync: later commits rewrite the WAL in place.
        cfg = s.config("r.yml", db, replica, extra_db="    min-checkpoint-page-count: 1\n")
        con = app(db)
        rep = s.start([ours, "replicate", "-config", cfg], "replicate.log")
        next_id = 1

        def insert():
            nonlocal next_id
            con.execute("INSERT INTO t(id, v) VALUES(?, randomblob(100))", (next_id,))
            next_id += 1
            return next_id - 1

        # Grow the WAL's high-water mark, one synced (and checkpointed) commit at a time.
        for _ in range(6):
            insert()
            time.sleep(1.5)

        def hidden_commit():
            """A commit whose WAL/database stat looks exactly like before it."""
            wal = db + "-wal"
            for _ in range(20):
                before = {p: os.stat(p) for p in (wal, db)}
                rid = insert()
                if os.stat(wal).st_size == before[wal].st_size and os.stat(db).st_size == before[db].st_size:
                    for p, st in before.items():
                        os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
                    return rid
                time.sleep(1.5)  # the WAL grew: it is synced, try again over the new high-water mark
            h.fail("could not make a commit that keeps the WAL size")

        idle_id = hidden_commit()
        time.sleep(4)  # four sync intervals, idle
        ids = restored_ids(ours, s, replica, "idle.db")
        if idle_id not in ids:
            h.fail("coarse timestamps: commit %d not replicated after 4 idle sync intervals" % idle_id)
        h.log("coarse timestamps: idle commit %d replicated" % idle_id)

        last_id = hidden_commit()
        rc = s.stop(rep)  # at once: only the final sync can carry it
        if rc != 0:
            h.fail("replicate exited %d" % rc)
        ids = restored_ids(ours, s, replica, "final.db")
        if last_id not in ids:
            h.fail("coarse timestamps: commit %d right before SIGTERM missing from the replica" % last_id)
        want = set(range(1, next_id))
        if ids != want:
            h.fail("coarse timestamps: restore has %d rows, want %d" % (len(ids), len(want)))
        h.log("coarse timestamps: final sync carried commit %d; all %d rows restored" % (last_id, len(want)))
        con.close()
    finally:
        s.cleanup()


def database_replaced(ours):
    s = h.Scratch("loss-replaced")
    try:
        db, replica = s.path("app.db"), s.path("replica")
        cfg = s.config("r.yml", db, replica)
        con = app(db)
        con.executemany("INSERT INTO t(id, v) VALUES(?, randomblob(100))", [(i,) for i in range(1, 101)])
        rep = s.start([ours, "replicate", "-config", cfg], "replicate.log")
        time.sleep(3)

        other = s.path("other.db")
        oc = app(other)
        oc.executemany("INSERT INTO t(id, v) VALUES(?, randomblob(100))", [(i,) for i in range(1, 2001)])
        oc.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        oc.close()
        # "Restored by hand": the app's files are removed and another database copied in.
        con.close()
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db + suffix):
                os.remove(db + suffix)
        shutil.copyfile(other, db)
        con = app(db)
        con.executemany("INSERT INTO t(id, v) VALUES(?, randomblob(100))", [(i,) for i in range(2001, 2006)])
        time.sleep(4)
        want = set(range(1, 2006))
        ids = restored_ids(ours, s, replica, "live.db")
        if ids != want:
            h.fail("database replaced: newest restore has %d rows, the live database %d" % (len(ids), len(want)))
        rc = s.stop(rep)
        if rc != 0:
            h.fail("replicate exited %d" % rc)
        ids = restored_ids(ours, s, replica, "final.db")
        if ids != want:
            h.fail("database replaced: restore after stop has %d rows, want %d" % (len(ids), len(want)))
        text = open(s.path("replicate.log")).read()
        if "reopening" not in text:
            h.fail("database replaced: no 'reopening' line in the log:\n" + text[-2000:])
        h.log("database replaced: reopened, newest restore is the new database (%d rows)" % len(want))
        con.close()
    finally:
        s.cleanup()


class SilentServer:
    """Accepts TCP connections on 127.0.0.1 and never reads or answers: a hung S3 endpoint."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)

    def close(self):
        for c in self.conns:
            c.close()
        self.sock.close()


def healthz(port):
    import urllib.error
    import urllib.request
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port, timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def hung_s3_endpoint(ours):
    s = h.Scratch("loss-hung-s3")
    silent = SilentServer()
    try:
        db, replica = s.path("app.db"), s.path("replica")
        cfg = s.path("r.yml")
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        health_port = probe.getsockname()[1]
        probe.close()
        with open(cfg, "w") as f:
            f.write("shutdown-timeout: 5s\naddr: 127.0.0.1:%d\nhealthz-max-lag: 3s\n" % health_port +
                    "dbs:\n  - path: %s\n    replicas:\n"
                    "      - name: silent\n        type: s3\n        bucket: b\n"
                    "        endpoint: http://127.0.0.1:%d\n        force-path-style: true\n"
                    "        access-key-id: k\n        secret-access-key: s\n        sync-interval: 1s\n"
                    "      - name: disk\n        type: file\n        path: %s\n        sync-interval: 1s\n"
                    % (db, silent.port, replica))
        con = app(db)
        con.execute("INSERT INTO t(id, v) VALUES(0, randomblob(100))")
        started = time.time()
        rep = s.start([ours, "replicate", "-config", cfg], "replicate.log")
        next_id = 1
        end = time.time() + 8
        while time.time() < end:
            con.execute("INSERT INTO t(id, v) VALUES(?, randomblob(100))", (next_id,))
            next_id += 1
            time.sleep(0.05)
        time.sleep(2.5)  # every commit is now more than two sync intervals old
        ids = restored_ids(ours, s, replica, "live.db")
        want = set(range(0, next_id))
        if ids != want:
            h.fail("hung S3: the file replica has %d of %d rows while the S3 replica hangs" % (len(ids), len(want)))
        h.log("hung S3: file replica kept up (%d rows) beside a silent S3 endpoint" % len(want))

        # healthz-max-lag 3s: the silent replica has had unreplicated changes for ~10 s.
        status, body = healthz(health_port)
        if status != 503 or "replica=silent" not in body or "replica=disk" in body:
            h.fail("hung S3: /healthz answered %s %r, want 503 naming only the silent replica" % (status, body))
        h.log("hung S3: /healthz 503: %s" % body.strip())

        # The stall is reported while it lasts: sync-interval 1s -> no progress for 10 s is a stall.
        stalled_at = None
        while time.time() < started + 25:
            text = open(s.path("replicate.log")).read()
            if re.search(r'level=ERROR msg="replica sync stalled".*replica=silent', text):
                stalled_at = time.time() - started
                break
            time.sleep(0.5)
        if stalled_at is None:
            h.fail("hung S3: no ERROR 'replica sync stalled' within 25 s:\n" + text[-3000:])
        h.log("hung S3: stall reported at ERROR %.1f s after start" % stalled_at)

        con.execute("INSERT INTO t(id, v) VALUES(?, randomblob(100))", (next_id,))
        last = next_id
        next_id += 1
        t0 = time.time()
        rc = s.stop(rep, timeout=30)
        took = time.time() - t0
        if took > 5 + 3:
            h.fail("hung S3: SIGTERM took %.1f s, shutdown-timeout is 5 s" % took)
        if rc == 0:
            h.fail("hung S3: replicate exited 0 although the S3 replica's final sync cannot have succeeded")
        text = open(s.path("replicate.log")).read()
        if "did not finish its final sync before the shutdown deadline" not in text:
            h.fail("hung S3: no ERROR naming the replica that ran out of shutdown time:\n" + text[-3000:])
        ids = restored_ids(ours, s, replica, "final.db")
        if last not in ids or ids != set(range(0, next_id)):
            h.fail("hung S3: after SIGTERM the file replica has %d of %d rows (last commit %s)" %
                   (len(ids), next_id, "present" if last in ids else "missing"))
        h.log("hung S3: SIGTERM honoured in %.1f s (exit %d), file replica complete with the last commit" %
              (took, rc))
        con.close()
    finally:
        s.cleanup()
        silent.close()


def app_truncate_checkpoints(ours):
    s = h.Scratch("loss-truncate")
    try:
        db, replica = s.path("app.db"), s.path("replica")
        # Our checkpoint after every sync, so its gap meets the app's TRUNCATE as often as possible.
        cfg = s.config("r.yml", db, replica, extra_db="    min-checkpoint-page-count: 1\n")
        con = app(db)
        con.execute("INSERT INTO t(id, v) VALUES(0, randomblob(100))")
        rep = s.start([ours, "replicate", "-config", cfg], "replicate.log")
        time.sleep(2)
        next_id, truncates = 1, 0
        end = time.time() + 15
        while time.time() < end:
            con.execute("INSERT INTO t(id, v) VALUES(?, randomblob(100))", (next_id,))
            next_id += 1
            con.execute("PRAGMA busy_timeout=0")
            try:
                busy = con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
                truncates += busy == 0
            except sqlite3.OperationalError:
                pass
            con.execute("PRAGMA busy_timeout=5000")
            time.sleep(0.002)
        time.sleep(2)
        rc = s.stop(rep)
        if rc != 0:
            h.fail("replicate exited %d" % rc)
        errs = errors_in(s, "replicate.log")
        if errs:
            h.fail("app TRUNCATE: %d ERROR lines, e.g. %s" % (len(errs), errs[0].strip()))
        gens = re.findall(r'msg="sync: new generation".*reason="([^"]*)"', open(s.path("replicate.log")).read())
        # Not yet asserted (open in issue 15): an app that TRUNCATEs every few ms still costs extra
        # generations (full snapshots, never lost rows); the count is printed so it can be followed.
        ids = restored_ids(ours, s, replica, "final.db")
        want = set(range(0, next_id))
        if ids != want:
            h.fail("app TRUNCATE: restore has %d rows, want %d (missing %s)" %
                   (len(ids), len(want), sorted(want - ids)[:10]))
        h.log("app TRUNCATE: %d commits, %d successful app TRUNCATE checkpoints, 0 ERROR, %d generations, "
              "all rows restored" % (next_id, truncates, len(gens)))
        con.close()
    finally:
        s.cleanup()


def main():
    ours, _ = h.binaries()
    coarse_timestamps(ours)
    database_replaced(ours)
    hung_s3_endpoint(ours)
    app_truncate_checkpoints(ours)
    h.log("PASS")


if __name__ == "__main__":
    main()
