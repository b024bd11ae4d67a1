#!/usr/bin/env python3
"""A damaged replica never yields a database: restore exits non-zero with a clear message and
leaves no file at or next to -o (litestream v0.3.13 leaves <out>.tmp behind, or silently
restores a shorter database when a WAL segment is corrupt or missing).

Also: -if-replica-exists with no backups (or with a -timestamp outside every generation) exits 0,
logs "no matching backups found" and creates nothing; -if-db-not-exists exits 0 and leaves an
existing output untouched; a stale -wal/-shm of another database next to -o is removed (WARN)
instead of being replayed into the restored file by SQLite's first open (issue 15), and if it
cannot be removed the restore fails and leaves no output.
"""
import os
import re
import shutil
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from rharness import LitestreamReplica, binaries, check, cleanup, db_digest, fail, leftovers, run, tempdir


def lz4_objects(replica):
    gen_dir = os.path.join(replica, "generations")
    gen = os.listdir(gen_dir)[0]
    wal = os.path.join(gen_dir, gen, "wal")
    segs = sorted(os.listdir(wal), key=lambda n: (int(n[:8], 16), int(n[9:17], 16)))
    snap = os.path.join(gen_dir, gen, "snapshots", sorted(os.listdir(os.path.join(gen_dir, gen, "snapshots")))[0])
    return gen, wal, segs, snap


def expect_failure(ours, work, replica_src, name, damage, needle):
    """Copies the replica, damages it, restores: must fail with `needle` and leave nothing."""
    replica = os.path.join(work, f"replica-{name}")
    shutil.copytree(replica_src, replica)
    damage(*lz4_objects(replica))
    out = os.path.join(work, "out", f"{name}.db")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    rc, so, se = run([ours, "restore", "-o", out, "file://" + replica])
    msg = (so + se).strip()
    check(rc == 1, f"{name}: exit code 1 (got {rc})")
    check("failed to run" in msg and needle in msg, f"{name}: message names the problem: {msg.splitlines()[-1][:300]}")
    check(leftovers(os.path.dirname(out), f"{name}.db") == [], f"{name}: nothing left at or next to -o")


def flip(path, where=0.5):
    data = bytearray(open(path, "rb").read())
    data[int(len(data) * where)] ^= 0x5A
    open(path, "wb").write(bytes(data))


def truncate(path, by=7):
    data = open(path, "rb").read()
    open(path, "wb").write(data[:-by])


def stale_sidecars(work, out):
    """Puts another database's -wal and -shm (uncheckpointed writes, same page size) at out-wal/-shm.

    Copied while that database is still open, so its connection has not checkpointed them away.
    """
    other = os.path.join(work, "other", "other.db")
    os.makedirs(os.path.dirname(other), exist_ok=True)
    con = sqlite3.connect(other, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA wal_autocheckpoint=0")
        con.execute("CREATE TABLE other (a INTEGER PRIMARY KEY, b BLOB, c TEXT)")
        con.execute("CREATE INDEX other_c ON other (c)")
        for i in range(200):
            con.execute("INSERT INTO other (b, c) VALUES (randomblob(700), hex(randomblob(20)))")
        check(os.path.getsize(other + "-wal") > 100_000, "stale sidecars: the other database has a large -wal")
        shutil.copyfile(other + "-wal", out + "-wal")
        shutil.copyfile(other + "-shm", out + "-shm")
    finally:
        con.close()
    return os.path.getsize(out + "-wal"), os.path.getsize(out + "-shm")


def main():
    ours, ls = binaries()
    if not shutil.which("lz4"):
        fail("the lz4 tool is missing (scripts/install-deps.sh installs it)")
    work = tempdir()
    try:
        rep = LitestreamReplica(ls, work).build(phases=2)

        def make_gap(g, wal, segs, snap):
            # Re-split a segment at offset X > 0 into X and X+4120 (one 4 KiB-page frame) with the
            # lz4 tool (other frame settings than litestream's: we must read those too), then drop
            # the first part: the index now has a hole between X and X+4120.
            name = next(n for n in segs if not n.endswith("_00000000.wal.lz4")
                        and os.path.getsize(os.path.join(wal, n)) > 1000)
            path = os.path.join(wal, name)
            raw = subprocess.run(["lz4", "-dc", path], capture_output=True, check=True).stdout
            assert len(raw) >= 2 * 4120, len(raw)
            index, offset = int(name[:8], 16), int(name[9:17], 16)
            rest = subprocess.run(["lz4", "-c", "-BD"], input=raw[4120:], capture_output=True, check=True).stdout
            os.remove(path)
            open(os.path.join(wal, "%08x_%08x.wal.lz4" % (index, offset + 4120)), "wb").write(rest)

        largest = lambda wal, segs: max(segs, key=lambda n: os.path.getsize(os.path.join(wal, n)))
        expect_failure(ours, work, rep.replica, "corrupt-wal",
                       lambda g, wal, segs, snap: flip(os.path.join(wal, largest(wal, segs))), "corrupt LZ4 frame")
        expect_failure(ours, work, rep.replica, "truncated-wal",
                       lambda g, wal, segs, snap: truncate(os.path.join(wal, largest(wal, segs))), "truncated LZ4 frame")
        expect_failure(ours, work, rep.replica, "gap",
                       make_gap, "gap in wal index")
        expect_failure(ours, work, rep.replica, "missing-index",
                       lambda g, wal, segs, snap: [os.remove(os.path.join(wal, n)) for n in segs if n.startswith("00000002_")],
                       "missing WAL index")
        expect_failure(ours, work, rep.replica, "missing-initial",
                       lambda g, wal, segs, snap: os.remove(os.path.join(wal, "00000001_00000000.wal.lz4")),
                       "missing initial wal segment")
        expect_failure(ours, work, rep.replica, "corrupt-snapshot", lambda g, wal, segs, snap: flip(snap, 0.3),
                       "snapshots/00000000.snapshot.lz4")
        expect_failure(ours, work, rep.replica, "missing-snapshot", lambda g, wal, segs, snap: os.remove(snap),
                       "no snapshots available")

        # For contrast, what litestream does with the same gap (it does not check offsets).
        gap_replica = os.path.join(work, "replica-gap")
        ls_out = os.path.join(work, "ls-gap.db")
        rc, so, se = run([ls, "restore", "-o", ls_out, "file://" + gap_replica])
        if rc == 0:
            try:
                got = db_digest(ls_out)
                print(f"note: litestream on the gapped replica: exit 0, {got[0]} of {db_digest(rep.db)[0]} rows, "
                      f"integrity {got[2]}")
            except Exception as e:  # noqa: BLE001 - only a note about the other tool
                print(f"note: litestream on the gapped replica: exit 0 and an unreadable database ({e})")
        else:
            print(f"note: litestream on the gapped replica: exit {rc}")

        # -if-replica-exists: an empty replica is fine, nothing is created.
        empty = os.path.join(work, "empty-replica")
        os.makedirs(empty)
        out = os.path.join(work, "out", "none.db")
        rc, so, se = run([ours, "restore", "-if-replica-exists", "-o", out, "file://" + empty])
        check(rc == 0 and "no matching backups found" in so + se, f"-if-replica-exists: exit 0, logged ({rc})")
        check(leftovers(os.path.dirname(out), "none.db") == [], "-if-replica-exists: nothing created")
        rc, so, se = run([ours, "restore", "-o", out, "file://" + empty])
        check(rc == 1 and 'error="no matching backups found"' in so + se, "no backups without the flag: exit 1")
        check(leftovers(os.path.dirname(out), "none.db") == [], "no backups: nothing created")
        # The same with a config file whose only replica is empty.
        cfg = os.path.join(work, "empty.yml")
        with open(cfg, "w") as f:
            f.write(f"dbs:\n  - path: {os.path.join(work, 'out', 'cfg.db')}\n    replicas:\n      - path: {empty}\n")
        rc, so, se = run([ours, "restore", "-config", cfg, "-if-replica-exists", os.path.join(work, "out", "cfg.db")])
        check(rc == 0 and not os.path.exists(os.path.join(work, "out", "cfg.db")), "-if-replica-exists (config): exit 0")

        # -if-db-not-exists: an existing output is left alone, exit 0.
        existing = os.path.join(work, "out", "existing.db")
        open(existing, "w").write("keep me")
        rc, so, se = run([ours, "restore", "-if-db-not-exists", "-o", existing, "file://" + rep.replica])
        check(rc == 0 and "database already exists, skipping" in so + se, "-if-db-not-exists: exit 0, logged")
        check(open(existing).read() == "keep me", "-if-db-not-exists: output untouched")
        rc, so, se = run([ours, "restore", "-o", existing, "file://" + rep.replica])
        check(rc == 1 and "cannot restore, output path already exists" in so + se, "existing output without the flag: exit 1")
        check(open(existing).read() == "keep me", "existing output: untouched")
        check(leftovers(os.path.dirname(existing), "existing.db") == ["existing.db"], "existing output: no temp files")
        # A stale -wal/-shm of another database next to -o (issue 15): the output is absent, so
        # they cannot belong to it; SQLite's first open would replay them ("database disk image is
        # malformed"). Restore removes them (one WARN line each, path and size) and the result is
        # exactly the replicated database.
        want = db_digest(rep.db)
        out = os.path.join(work, "out", "stale.db")
        wal_size, shm_size = stale_sidecars(work, out)
        rc, so, se = run([ours, "restore", "-if-db-not-exists", "-if-replica-exists", "-o", out, "file://" + rep.replica])
        msg = so + se
        check(rc == 0, f"stale -wal/-shm: exit 0 (got {rc}: {msg.strip()[-300:]})")
        present = {suffix: os.path.exists(out + suffix) for suffix in ("-wal", "-shm")}  # before any open
        # First what the app's first open sees (before the fix: the other database's WAL replayed).
        try:
            got = db_digest(out)
        except sqlite3.DatabaseError as e:
            fail(f"stale -wal/-shm: restored database unreadable: {e}")
        check(got[2] == "ok", f"stale -wal/-shm: integrity_check ok (got {got[2]})")
        check(got[:2] == want[:2], f"stale -wal/-shm: exactly the {want[0]} replicated rows (got {got[0]})")
        for suffix, size in (("-wal", wal_size), ("-shm", shm_size)):
            check(not present[suffix], f"stale -wal/-shm: {suffix} removed")
            lines = [l for l in msg.splitlines() if re.search(r"\bWARN\b", l) and re.search(
                r'path="?' + re.escape(out + suffix) + r'"?(\s|$)', l)]
            check(len(lines) == 1 and re.search(rf"\bsize={size}\b", lines[0]) is not None,
                  f"stale -wal/-shm: one WARN line names {suffix} with its size {size}: {lines}")
        check(not [f for f in leftovers(os.path.dirname(out), "stale.db") if ".tmp" in f], "stale -wal/-shm: no temp files left")

        # A stale -wal that cannot be removed (here: a non-empty directory) fails the restore,
        # naming it, and leaves no output: never a database SQLite would open with a foreign WAL.
        out = os.path.join(work, "out", "stuck.db")
        os.makedirs(os.path.join(out + "-wal", "x"))
        rc, so, se = run([ours, "restore", "-o", out, "file://" + rep.replica])
        msg = (so + se).strip()
        check(rc == 1 and "cannot remove stale " + out + "-wal" in msg,
              f"unremovable stale -wal: exit 1, named ({rc}: {msg.splitlines()[-1][:300] if msg else ''})")
        check(leftovers(os.path.dirname(out), "stuck.db") == ["stuck.db-wal"], "unremovable stale -wal: no output, no temp files")

        # -timestamp outside every generation with -if-replica-exists: exit 0 like litestream, but
        # not silently ("no matching backups found" is logged) and nothing is created.
        for ts in ("2000-01-01T00:00:00Z", "2099-01-01T00:00:00Z"):
            out = os.path.join(work, "out", "ts.db")
            rc, so, se = run([ours, "restore", "-if-replica-exists", "-timestamp", ts, "-o", out, "file://" + rep.replica])
            check(rc == 0 and "no matching backups found" in so + se, f"-timestamp {ts} -if-replica-exists: exit 0, logged")
            check(leftovers(os.path.dirname(out), "ts.db") == [], f"-timestamp {ts} -if-replica-exists: nothing created")
            rc, so, se = run([ours, "restore", "-timestamp", ts, "-o", out, "file://" + rep.replica])
            check(rc == 1 and "no matching backups found" in so + se, f"-timestamp {ts} without the flag: exit 1")
        print("PASS")
    finally:
        cleanup(work)


if __name__ == "__main__":
    main()
