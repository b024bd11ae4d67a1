#!/usr/bin/env python3
"""Bounded local disk while a replica is down (issue 12, item 4), with real processes.

The only replica is a file replica whose directory cannot be created (a regular file is in its
place), so nothing uploads. The app writes ~8 MB. With max-shadow-wal-bytes at 1 MiB:
  - an ERROR names max-shadow-wal-bytes, and the shadow WAL (the meta directory) stays bounded,
    where without the cap it would hold everything written since the replica went down;
  - every write of the app succeeds;
  - once the replica comes back, it gets a new generation (a snapshot) and a restore has every row.
"""
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import harness as h  # noqa: E402

CAP = 1 << 20


def kept_bytes(meta):
    """Shadow-WAL bytes kept for lagging replicas: every shadow file but the current index's."""
    try:
        gen = open(os.path.join(meta, "generation")).read().strip()
    except FileNotFoundError:
        return 0
    total, newest = 0, None
    for root, _, files in os.walk(os.path.join(meta, "generations")):
        for f in files:
            p = os.path.join(root, f)
            try:
                size = os.path.getsize(p)
            except FileNotFoundError:
                continue
            total += size
            if os.path.basename(os.path.dirname(os.path.dirname(p))) == gen and (newest is None or f > newest[0]):
                newest = (f, size)
    return total - (newest[1] if newest else 0)


def main():
    ours, _ = h.binaries()
    s = h.Scratch("shadow-cap")
    try:
        db, replica = s.path("app.db"), s.path("replica")
        open(replica, "w").close()  # the replica is "down": its directory cannot be made
        cfg = s.config("r.yml", db, replica,
                       extra_db="    min-checkpoint-page-count: 64\n    max-checkpoint-page-count: 256\n"
                                "    max-shadow-wal-bytes: %d\n" % CAP)
        con = sqlite3.connect(db, timeout=5.0, isolation_level=None)
        con.execute("PRAGMA journal_mode=wal")
        con.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)")
        rep = s.start([ours, "replicate", "-config", cfg], "replicate.log")
        meta = s.path(".app.db-litestream")
        written, peak, n, max_wal = 0, 0, 0, 0
        # At least 10 s, and until the app has written twice the bound (below) so that the check
        # means something: on a loaded CI machine the writer is slower (at most 60 s).
        start = time.time()
        while time.time() < start + 60 and (time.time() < start + 10 or written < 2 * (2 * CAP + max_wal) + 200000):
            con.execute("BEGIN")
            for _ in range(20):
                n += 1
                con.execute("INSERT INTO t(id, v) VALUES(?, randomblob(1000))", (n,))
            con.execute("COMMIT")
            written += 20 * 1000
            peak = max(peak, kept_bytes(meta))
            max_wal = max(max_wal, os.path.getsize(db + "-wal") if os.path.exists(db + "-wal") else 0)
            time.sleep(0.02)
        log = open(s.path("replicate.log")).read()
        if "exceeds max-shadow-wal-bytes" not in log or "level=ERROR" not in log:
            h.fail("no ERROR naming max-shadow-wal-bytes after %d bytes written:\n%s" % (written, log[-2000:]))
        # Bounded by the cap plus one WAL (a new generation's first index copies the whole WAL, and
        # becomes "kept" once the index rolls) plus what arrives until the next sync (~0.7 MB/s
        # here); without the cap everything written would be kept.
        bound = CAP + max_wal + CAP
        if peak > bound or written < 2 * bound:
            h.fail("shadow WAL kept peaked at %d bytes, bound %d (cap %d, WAL up to %d, %d bytes written)"
                   % (peak, bound, CAP, max_wal, written))
        h.log("replica down: %d bytes written, shadow WAL kept for it peaked at %d bytes (cap %d), app wrote every row"
              % (written, peak, CAP))

        os.remove(replica)  # the replica comes back
        os.mkdir(replica)
        time.sleep(4)
        want = set(range(1, n + 1))
        out = s.path("restored.db")
        ids = h.restore(ours, replica, out, "after the replica returned")
        if ids != want:
            h.fail("after the replica returned: restore has %d rows, want %d" % (len(ids), len(want)))
        rc = s.stop(rep)
        if rc != 0:
            h.fail("replicate exited %d" % rc)
        h.log("replica returned: new generation uploaded, restore has all %d rows" % n)
        con.close()
        h.log("PASS")
    finally:
        s.cleanup()


if __name__ == "__main__":
    main()
