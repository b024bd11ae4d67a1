#!/usr/bin/env python3
"""We restore what litestream v0.3.13 wrote, exactly as litestream restores it.

A database is written in phases across several WAL indexes while the real litestream replicates
it to a file replica. Then, for the latest state, -generation + -index, -timestamp and the URL
form, our restore and litestream's restore of the same replica must give the same rows, the same
digest and integrity "ok". The listing commands must print what litestream prints.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from rharness import (LitestreamReplica, binaries, check, cleanup, db_digest, fail, leftovers, rfc3339, run,
                      tempdir)


def restore_both(ours, ls, work, name, args):
    out_ours = os.path.join(work, f"{name}.ours.db")
    out_ls = os.path.join(work, f"{name}.ls.db")
    rc, so, se = run([ours, "restore", *args(out_ours)])
    if rc != 0:
        fail(f"our restore ({name}) exited {rc}: {so}{se}")
    rc2, so2, se2 = run([ls, "restore", *args(out_ls)])
    if rc2 != 0:
        fail(f"litestream restore ({name}) exited {rc2}: {so2}{se2}")
    check(leftovers(work, f"{name}.ours.db") == [f"{name}.ours.db"], f"{name}: our restore leaves only the output")
    a, b = db_digest(out_ours), db_digest(out_ls)
    check(a[2] == "ok", f"{name}: integrity_check ok ({a[0]} rows)")
    check(a == b, f"{name}: same rows and digest as litestream's restore ({a[0]} rows, {a[1]})")
    return a


def main():
    ours, ls = binaries()
    work = tempdir()
    try:
        rep = LitestreamReplica(ls, work).build()
        cfg = rep.config
        gens = [g for g in os.listdir(os.path.join(rep.replica, "generations"))]
        check(len(gens) == 1, f"litestream wrote one generation ({gens})")
        gen = gens[0]
        wal_dir = os.path.join(rep.replica, "generations", gen, "wal")
        indexes = sorted({int(n[:8], 16) for n in os.listdir(wal_dir) if n.endswith(".wal.lz4")})
        check(len(indexes) >= 3, f"replica spans several WAL indexes ({len(indexes)})")

        # Latest state: config mode and URL mode; must equal the source database.
        src = db_digest(rep.db)
        latest = restore_both(ours, ls, work, "latest", lambda o: ["-config", cfg, "-o", o, rep.db])
        check(latest == src, f"latest restore equals the source database ({src[0]} rows)")
        restore_both(ours, ls, work, "url", lambda o: ["-o", o, "file://" + rep.replica])
        restore_both(ours, ls, work, "parallel1", lambda o: ["-config", cfg, "-parallelism", "1", "-o", o, rep.db])

        # Up to a WAL index in the middle (hex on the command line).
        mid = indexes[len(indexes) // 2]
        r = restore_both(ours, ls, work, "index",
                         lambda o: ["-config", cfg, "-generation", gen, "-index", "%x" % mid, "-o", o, rep.db])
        check(0 < r[0] < src[0], f"-index {mid:x} restores a proper prefix ({r[0]} of {src[0]} rows)")

        # Points in time after each phase was uploaded: exactly that phase's rows.
        for i, (t, count) in enumerate(rep.marks[:-1]):
            r = restore_both(ours, ls, work, f"pitr{i}", lambda o: ["-config", cfg, "-timestamp", rfc3339(t), "-o", o, rep.db])
            check(r[0] == count, f"-timestamp after phase {i} gives its {count} rows (got {r[0]})")

        # Listing commands: byte-identical output to litestream's on the same replica.
        for cmd in (["databases", "-config", cfg],
                    ["generations", "-config", cfg, rep.db],
                    ["snapshots", "-config", cfg, rep.db],
                    ["wal", "-config", cfg, rep.db],
                    ["wal", "-config", cfg, "-generation", gen, rep.db],
                    ["snapshots", "file://" + rep.replica],
                    ["wal", "file://" + rep.replica]):
            a, b = run([ours, *cmd]), run([ls, *cmd])
            check(a[0] == b[0] == 0, f"{' '.join(cmd[:1])}: exit 0 like litestream")
            if a[1] != b[1]:
                fail(f"{' '.join(cmd)}: output differs\n--- ours\n{a[1]}{a[2]}--- litestream\n{b[1]}{b[2]}")
            check(True, f"{' '.join(cmd[:2])}...: output identical to litestream's ({len(a[1].splitlines())} lines)")
        # generations in URL mode measures lag from now, and its width moves the columns after it
        # ("9.9s" vs "10s"): compare the rows field by field, all but the lag field.
        def without_lag(out):
            return [f[:2] + f[3:] for f in (line.split() for line in out.splitlines())]
        a, b = run([ours, "generations", "file://" + rep.replica]), run([ls, "generations", "file://" + rep.replica])
        check(a[0] == b[0] == 0, "generations (URL mode): exit 0 like litestream")
        if without_lag(a[1]) != without_lag(b[1]):
            fail(f"generations (URL mode): rows differ apart from lag\n--- ours\n{a[1]}{a[2]}--- litestream\n{b[1]}{b[2]}")
        check(True, f"generations (URL mode): same rows as litestream apart from lag ({len(a[1].splitlines())} lines)")
        print("PASS")
    finally:
        cleanup(work)


if __name__ == "__main__":
    main()
