#!/usr/bin/env python3
"""S3 benchmarks, homeserver-replicator vs litestream v0.3.13 measured in the same run, against a
real S3 server (Swift s3api on 127.0.0.1; both tools talk to the same server):

  restore   litestream replicates a DB of --rows rows of 200 bytes (plus WAL segments from later
            transactions); then each tool restores it (--runs times, alternating): wall seconds,
            CPU seconds, peak RSS. Our side is `homeserver-replicator restore` when the CLI has it,
            else tests/s3_restore_tool (storage_s3 + core::restore, the same code path).
  replicate (only when the CLI has `replicate`) --inserts inserts of 200 bytes in transactions of 100
            with each tool replicating to S3 at a 1 s sync interval: replicator CPU seconds and peak RSS.

Usage: tests/bench/s3_bench.py [--rows N] [--inserts N] [--runs N]   (HS_BUILD_DIR = build dir)
Prints markdown table rows for docs/benchmarks.md ("Replicator" section, S3 rows)."""
import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e", "s3"))
from s3e2e import BUILD, REPLICATOR, Writer, fail, litestream, log, s3_config, s3_env, start_s3, tempdir  # noqa: E402


def measure(argv, env=None, logfile=None):
    """Runs argv to completion; returns (wall s, cpu s, peak RSS MiB) of that one child."""
    out = open(logfile, "ab") if logfile else subprocess.DEVNULL
    t0 = time.monotonic()
    p = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if logfile:
        out.close()
    if p.returncode != 0:
        fail("%s exited %d (log: %s)" % (argv[0], p.returncode, logfile))
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024.0


def has_command(cmd):
    if not os.access(REPLICATOR, os.X_OK):
        return False
    r = subprocess.run([REPLICATOR, cmd, "-h"], capture_output=True, text=True)
    out = (r.stdout + r.stderr).lower()
    return "unknown command" not in out and "usage:" in out


def count_rows(path):
    c = sqlite3.connect(path)
    try:
        if c.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            fail("%s: integrity_check failed" % path)
        return c.execute("SELECT count(*) FROM t").fetchone()[0]
    finally:
        c.close()


def bench_restore(ls, s3, work, rows, runs):
    db = os.path.join(work, "big.db")
    cfg = os.path.join(work, "big.yml")
    with open(cfg, "w") as f:
        f.write(s3_config(s3, db, "bench-restore"))
    w = Writer(db)
    w.conn.execute("BEGIN")
    w.conn.executemany("INSERT INTO t (id, v) VALUES (?, ?)",
                       ((i, os.urandom(100).hex()) for i in range(1, rows + 1)))
    w.conn.execute("COMMIT")
    w.rows = rows
    rep = subprocess.Popen([ls, "replicate", "-config", cfg], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    time.sleep(5)
    w.insert(2000, per_tx=100, pause=0.05)  # WAL segments on top of the snapshot
    time.sleep(3)
    rep.terminate()
    rep.wait(60)
    w.close()
    size_mb = os.path.getsize(db) / 1048576.0
    ours_cli = has_command("restore")
    results = {"litestream": [], "ours": []}
    for i in range(runs):
        for who in ("litestream", "ours"):
            out = os.path.join(work, "restored-%s-%d.db" % (who, i))
            if who == "litestream":
                argv, env = [ls, "restore", "-config", cfg, "-o", out, db], None
            elif ours_cli:
                argv, env = [REPLICATOR, "restore", "-config", cfg, "-o", out, db], None
            else:
                argv, env = [os.path.join(BUILD, "tests", "s3_restore_tool"), out], s3_env(s3, "bench-restore")
            r = measure(argv, env, os.path.join(work, who + "-restore.log"))
            if count_rows(out) != w.rows:
                fail("%s restored %d rows, want %d" % (who, count_rows(out), w.rows))
            os.unlink(out)
            results[who].append(r)
            log("restore %s run %d: wall %.2fs cpu %.2fs rss %.1f MiB" % ((who, i) + r))
    ours_name = "homeserver-replicator restore" if ours_cli else "s3_restore_tool (storage_s3 + core::restore)"
    return size_mb, results, ours_name


def bench_replicate(ls, s3, work, inserts):
    out = {}
    for who, argv0 in (("litestream", ls), ("ours", REPLICATOR)):
        db = os.path.join(work, "rep-%s.db" % who)
        cfg = os.path.join(work, "rep-%s.yml" % who)
        with open(cfg, "w") as f:
            f.write(s3_config(s3, db, "bench-rep-" + who))
        w = Writer(db)
        p = subprocess.Popen([argv0, "replicate", "-config", cfg], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        time.sleep(1)
        t0 = time.monotonic()
        w.insert(inserts, per_tx=100, pause=0)
        app = time.monotonic() - t0
        time.sleep(3)
        p.terminate()
        _, _, ru = os.wait4(p.pid, 0)
        w.close()
        out[who] = (app, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024.0)
        log("replicate %s: app %.2fs cpu %.2fs rss %.1f MiB" % ((who,) + out[who]))
    return out


def best(rs, k):
    return min(r[k] for r in rs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=300000)
    ap.add_argument("--inserts", type=int, default=100000)
    ap.add_argument("--runs", type=int, default=2)
    a = ap.parse_args()
    ls = litestream()
    s3 = start_s3("bench")
    work = tempdir()
    try:
        size_mb, res, ours_name = bench_restore(ls, s3, work, a.rows, a.runs)
        rep = bench_replicate(ls, s3, work, a.inserts) if has_command("replicate") else None
    finally:
        s3.stop()
        shutil.rmtree(work, ignore_errors=True)

    L, O = res["litestream"], res["ours"]
    cmd = "tests/bench/s3_bench.py --rows %d --inserts %d --runs %d" % (a.rows, a.inserts, a.runs)
    print()
    print("| S3 (Swift s3api, 127.0.0.1) | litestream 0.3.13 | homeserver-replicator | ratio | goal |")
    print("|---|---|---|---|---|")
    print("| restore %.0f MB DB, wall s (best of %d) | %.2f | %.2f | %.2fx faster | >= 2x |"
          % (size_mb, a.runs, best(L, 0), best(O, 0), best(L, 0) / best(O, 0)))
    print("| restore, CPU s | %.2f | %.2f | %.2fx | |" % (best(L, 1), best(O, 1), best(O, 1) / best(L, 1)))
    print("| restore, peak RSS MiB | %.1f | %.1f | %.2fx | |" % (best(L, 2), best(O, 2), best(O, 2) / best(L, 2)))
    if rep:
        l, o = rep["litestream"], rep["ours"]
        print("| replicate %d inserts (200 B, tx of 100, 1 s sync), CPU s | %.2f | %.2f | %.2fx | <= 0.33x |"
              % (a.inserts, l[1], o[1], o[1] / l[1]))
        print("| replicate, peak RSS MiB | %.1f | %.1f | %.2fx | <= 0.15x |" % (l[2], o[2], o[2] / l[2]))
        print("| replicate, app insert time s | %.2f | %.2f | %.2fx throughput | >= 0.95x |"
              % (l[0], o[0], l[0] / o[0]))
    print()
    print("Ours measured as: %s. Command: `%s`" % (ours_name, cmd))


if __name__ == "__main__":
    main()
