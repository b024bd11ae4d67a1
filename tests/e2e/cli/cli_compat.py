#!/usr/bin/env python3
"""Bad command lines get litestream v0.3.13's exit code and error text, naming the flag.

Each case runs the same arguments through the real litestream binary and through ours and
compares the exit code and the `error=` value of the "failed to run" log line (or, for -h, the
exit code and that a usage text was printed). Cases where we are deliberately stricter list the
message we print instead.
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "restore"))
from rharness import binaries, check, cleanup, fail, run, tempdir


def error_of(out):
    m = re.search(r'failed to run"? error=("(?:[^"\\]|\\.)*"|\S+)', out)
    return m.group(1) if m else None


def main():
    ours, ls = binaries()
    work = tempdir()
    try:
        db = os.path.join(work, "app.db")
        replica = os.path.join(work, "replica")
        os.makedirs(replica)
        cfg = os.path.join(work, "ls.yml")
        with open(cfg, "w") as f:
            f.write(f"dbs:\n  - path: {db}\n    replicas:\n      - name: local\n        path: {replica}\n")
        url = "file://" + replica
        out = os.path.join(work, "out.db")
        env = dict(os.environ, LITESTREAM_CONFIG=cfg)

        same_error = [
            ["restore", "-index", "zz", "-o", out, url],
            ["restore", "-index", "100000000", "-o", out, url],
            ["restore", "-parallelism", "x", "-o", out, url],
            ["restore", "-timestamp", "x", "-o", out, url],
            ["restore", "-timestamp", "2020-01-01 00:00:00", "-o", out, url],
            ["restore", "-config", cfg, "-o", out, url],
            ["restore", "-o", out],
            ["restore", "-o", out, url, "extra"],
            ["restore", "-v", db],
            ["restore", "-o"],
            ["restore", "-if-replica-exists=maybe", db],
            ["restore", url],
            ["restore", "-config", os.path.join(work, "missing.yml"), db],
            ["restore", "-config", cfg, os.path.join(work, "other.db")],
            ["restore", "-o", out, url],  # empty replica
            ["restore", "-config", cfg, "-o", out, "-replica", "nope", db],
            ["generations", "-config", cfg, url],
            ["generations"],
            ["generations", db, db],
            ["snapshots"],
            ["snapshots", "-config", cfg, "-replica", "nope", db],
            ["wal"],
            ["wal", "-config", cfg, "-replica", "nope", db],
            ["wal", "-config", cfg, url],
            ["databases", "extra"],
            ["databases", "-config", os.path.join(work, "missing.yml")],
        ]
        for args in same_error:
            a, b = run([ours, *args], env=env), run([ls, *args], env=env)
            ea, eb = error_of(a[1] + a[2]), error_of(b[1] + b[2])
            if eb is None:
                fail(f"litestream gave no error for {args}: {b}")
            if a[0] != b[0] or ea != eb:
                fail(f"{' '.join(args)}:\n  ours:       rc={a[0]} error={ea}\n  litestream: rc={b[0]} error={eb}")
            check(True, f"{' '.join(args[:3])}...: rc={a[0]} error={ea}")

        # Deliberately stricter than litestream (it would accept these and fail later or not at all).
        stricter = [
            (["restore", "-index", "1", "-timestamp", "2020-01-01T00:00:00Z", "-o", out, url],
             "cannot specify index & timestamp to restore"),
            (["restore", "-generation", "XYZ", "-o", out, url], 'invalid -generation \\"XYZ\\"'),
            (["wal", "-generation", "../x", url], 'invalid -generation \\"../x\\"'),
            (["restore", "-index", "-1", "-o", out, url], "invalid -index -1"),
        ]
        for args, needle in stricter:
            rc, so, se = run([ours, *args], env=env)
            e = error_of(so + se) or ""
            check(rc == 1 and needle in e, f"{' '.join(args[:3])}...: rc=1, {e}")

        # -h: usage on stdout, exit 1, for every command.
        for cmd in ["restore", "generations", "snapshots", "wal", "databases", "version"]:
            a, b = run([ours, cmd, "-h"]), run([ls, cmd, "-h"])
            check(a[0] == b[0] == 1, f"{cmd} -h: exit 1 like litestream")
            check("Usage:" in a[1] and "failed to run" not in a[1] + a[2], f"{cmd} -h: usage printed, no error line")
        rc, so, se = run([ours, "restore", "-h"])
        for flag in ["-config", "-no-expand-env", "-replica", "-generation", "-index", "-timestamp", "-o",
                     "-if-db-not-exists", "-if-replica-exists", "-parallelism"]:
            check(f"\t{flag} " in so or f"\t{flag}\n" in so, f"restore -h documents {flag}")

        # Config lookup without -config: $LITESTREAM_CONFIG, as litestream.
        a, b = run([ours, "databases"], env=env), run([ls, "databases"], env=env)
        check(a[0] == 0 and a[1] == b[1] and db in a[1], "databases finds the config through $LITESTREAM_CONFIG")
        a, b = run([ours, "wal", db], env=env), run([ls, "wal", db], env=env)
        check(a[0] == b[0] == 0 and a[1] == b[1], "wal DB_PATH resolves the database through $LITESTREAM_CONFIG")

        # version: v<project version>.
        rc, so, se = run([ours, "version"])
        check(rc == 0 and re.fullmatch(r"v\d+\.\d+\.\d+\n", so), f"version prints v<major.minor.patch> ({so.strip()})")
        # Unknown command and no command: exit 1, like litestream.
        check(run([ours, "nope"])[0] == run([ls, "nope"])[0] == 1, "unknown command: exit 1")
        check(run([ours])[0] == run([ls])[0] == 1, "no command: exit 1")
        # URL mode logs go to stderr, config mode logs to stdout (litestream's slog setup).
        rc, so, se = run([ours, "restore", "-if-replica-exists", "-o", out, url])
        check(rc == 0 and "no matching backups found" in se and so == "", "URL mode: log on stderr")
        rc, so, se = run([ours, "restore", "-config", cfg, "-if-replica-exists", "-o", out, db])
        check(rc == 0 and "no matching backups found" in so and "level=INFO" in so, "config mode: text log on stdout")
        print("PASS")
    finally:
        cleanup(work)


if __name__ == "__main__":
    main()
