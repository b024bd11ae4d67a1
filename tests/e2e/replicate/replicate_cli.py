#!/usr/bin/env python3
"""The replicate command's process contract, checked against litestream 0.3.13's behaviour:
-exec exit codes and signal forwarding, the DB_PATH URL form (logs on stderr), usage errors, and
exit 1 when the final sync on SIGTERM fails (a pod's termination must never silently lose data)."""
import os
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import harness as h  # noqa: E402


def make_db(path):
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=wal")
    con.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)")
    con.execute("INSERT INTO t(v) VALUES(randomblob(100))")
    con.close()


def run(argv, timeout=60):
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)


def main():
    ours, litestream = h.binaries()
    s = h.Scratch("cli")
    try:
        db, replica = s.path("app.db"), s.path("replica")
        make_db(db)
        cfg = s.config("replicator.yml", db, replica)

        # -exec: the child's exit ends replication; status 0 -> 0, non-zero -> 1 ("exit status 3").
        for code, want in ((0, 0), (3, 1)):
            r = run([ours, "replicate", "-config", cfg, "-exec", "sh -c 'sleep 1.5; exit %d'" % code])
            if r.returncode != want:
                h.fail("-exec child exit %d: replicate exited %d, want %d\n%s" % (code, r.returncode, want, r.stdout))
            for needle in ["subprocess exited, litestream shutting down", "litestream shut down"]:
                if needle not in r.stdout:
                    h.fail("-exec log lacks %r:\n%s" % (needle, r.stdout))
            if code and 'msg="failed to run" error="exit status 3"' not in r.stdout:
                h.fail("-exec non-zero child: no 'failed to run' line:\n" + r.stdout)
        h.log("-exec exit codes ok")

        # SIGTERM is forwarded to the child, replication stops after it.
        p = s.start([ours, "replicate", "-config", cfg, "-exec", "sleep 30"], "exec-term.log")
        time.sleep(1.5)
        rc = s.stop(p)
        out = open(s.path("exec-term.log")).read()
        for needle in ["signal received, litestream shutting down", "sending signal to exec process",
                       "waiting for exec process to close", "litestream shut down"]:
            if needle not in out:
                h.fail("SIGTERM with -exec: log lacks %r:\n%s" % (needle, out))
        if rc != 0:
            h.fail("SIGTERM with -exec: exit %d\n%s" % (rc, out))
        h.log("signal forwarding ok")

        # CLI form: DB_PATH URL; logs go to stderr in Go's default format.
        p = subprocess.Popen([ours, "replicate", db, "file://" + s.path("replica2")], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)
        s.procs.append(p)
        time.sleep(2)
        os.kill(p.pid, signal.SIGINT)
        out, err = p.communicate(timeout=30)
        if p.returncode != 0 or " INFO litestream version=" not in err or "wal segment written" not in err:
            h.fail("URL form: rc %d\nstdout %s\nstderr %s" % (p.returncode, out, err))
        got = h.restore(litestream, s.path("replica2"), s.path("url-form.db"), "litestream")
        if len(got) != 1:
            h.fail("URL form: litestream restored %d rows, want 1" % len(got))
        h.log("URL form ok")

        # Usage errors: exit 1 with litestream's messages.
        for argv, needle in (([db], "must specify at least one replica URL for " + db),
                             (["-config", cfg, db, "file:///tmp/x"], "cannot specify a replica URL and the -config flag"),
                             (["-bogus"], "flag provided but not defined: -bogus")):
            r = run([ours, "replicate"] + argv)
            if r.returncode != 1 or needle not in r.stdout + r.stderr:
                h.fail("replicate %s: rc %d, want 1 and %r\n%s%s" % (argv, r.returncode, needle, r.stdout, r.stderr))
        r = run([ours, "replicate", "-h"])
        if r.returncode != 1 or "DB_PATH REPLICA_URL" not in r.stdout:
            h.fail("replicate -h: rc %d\n%s" % (r.returncode, r.stdout))
        h.log("usage errors ok")

        # Final sync failure: the replica path is a regular file, so every upload fails; SIGTERM
        # must end with ERROR lines and exit 1.
        bad = s.path("not-a-dir")
        open(bad, "w").write("x")
        bad_cfg = s.config("bad.yml", db, bad)
        p = s.start([ours, "replicate", "-config", bad_cfg], "bad.log")
        time.sleep(2)
        rc = s.stop(p)
        out = open(s.path("bad.log")).read()
        if rc != 1:
            h.fail("final sync to a broken replica: exit %d, want 1\n%s" % (rc, out))
        for needle in ['level=ERROR msg="monitor error"', 'replica=file', 'level=ERROR msg="error closing db"',
                       'level=ERROR msg="failed to run"']:
            if needle not in out:
                h.fail("broken replica: log lacks %r:\n%s" % (needle, out))
        h.log("final sync failure -> exit 1 ok")
        h.log("PASS")
    finally:
        s.cleanup()


if __name__ == "__main__":
    main()
