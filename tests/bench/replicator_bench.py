#!/usr/bin/env python3
"""Replication benchmark: homeserver-replicator against litestream v0.3.13, same run, same workload.

Workload: the sqlite3 CLI (a C app, so the writer is not the bottleneck) inserts ROWS rows of
200 bytes in transactions of BATCH rows into a WAL database (synchronous=NORMAL, busy_timeout 5000,
autocheckpoint on: a typical app), while the replicator ships it to a file replica with a 1 s sync
interval. Every row value starts with "LAGMARK:<unix time of the insert>:".

Measured per tool (the replicator process's own rusage via wait4, after SIGTERM and final sync):
- CPU seconds (user + system) and peak RSS;
- replication lag: for every row, (mtime of the first uploaded WAL segment containing its value)
  minus its insert time; p50 and p99 over all rows;
- app throughput: rows/s of the same workload with the replicator attached vs. with none.
"""
import glob
import os
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROWS = int(os.environ.get("ROWS", "100000"))
BATCH = int(os.environ.get("BATCH", "10"))
SETTLE = float(os.environ.get("SETTLE", "3"))
REPS = int(os.environ.get("REPS", "3"))


def workload_sql(path):
    with open(path, "w") as f:
        f.write("PRAGMA busy_timeout=5000;\nPRAGMA synchronous=NORMAL;\n")
        marker = ("printf('LAGMARK:%.3f:', (julianday('now') - 2440587.5) * 86400.0) || hex(randomblob(77))")
        for i in range(0, ROWS, BATCH):
            f.write("BEGIN;\n")
            for _ in range(min(BATCH, ROWS - i)):
                f.write("INSERT INTO t(v) VALUES(%s);\n" % marker)  # 23 + 154 chars + ... ~200 bytes
            f.write("COMMIT;\n")


def fresh_db(path):
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=wal")
    con.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")
    con.close()


def run_writer(db, sql):
    t0 = time.time()
    subprocess.run(["sqlite3", db], stdin=open(sql), check=True, stdout=subprocess.DEVNULL)
    return time.time() - t0


def lag_samples(replica, db):
    """First upload time of every row's marker, minus its insert time."""
    first_seen = {}
    for seg in sorted(glob.glob(os.path.join(replica, "generations", "*", "wal", "*.wal.lz4")),
                      key=os.path.getmtime):
        mtime = os.path.getmtime(seg)
        data = subprocess.run(["lz4", "-dc", seg], capture_output=True, check=True).stdout
        for m in re.finditer(rb"LAGMARK:(\d+\.\d+):", data):
            key = m.group(1)
            if key not in first_seen:
                first_seen[key] = mtime
    # Several rows share a millisecond: the marker time is the key, its lag the same for all.
    lags = [seen - float(k) for k, seen in first_seen.items()]
    con = sqlite3.connect(db)
    total_markers = len(set(r[0][:23] for r in con.execute("SELECT substr(v, 1, 30) FROM t")))
    con.close()
    return lags, len(first_seen), total_markers


def bench(tool_name, argv_fn, scratch):
    d = os.path.join(scratch, tool_name)
    os.makedirs(d)
    db, replica = os.path.join(d, "app.db"), os.path.join(d, "replica")
    fresh_db(db)
    sql = os.path.join(scratch, "workload.sql")
    result = {}
    if argv_fn is None:
        result["elapsed"] = run_writer(db, sql)
        return result
    cfg = os.path.join(d, "replicator.yml")
    with open(cfg, "w") as f:
        f.write("dbs:\n  - path: %s\n    replicas:\n      - type: file\n        path: %s\n        sync-interval: 1s\n"
                % (db, replica))
    log = open(os.path.join(d, "replicate.log"), "w")
    p = subprocess.Popen(argv_fn(cfg), stdout=log, stderr=subprocess.STDOUT)
    # Peak RSS from the kernel's VmHWM of the running program. (wait4's ru_maxrss is no good here:
    # Linux folds the pre-exec RSS of the forked python process into it.)
    hwm = [0]

    def watch():
        while p.returncode is None:
            try:
                for line in open("/proc/%d/status" % p.pid):
                    if line.startswith("VmHWM:"):
                        hwm[0] = max(hwm[0], int(line.split()[1]))
            except OSError:
                return
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    time.sleep(1.5)
    result["elapsed"] = run_writer(db, sql)
    time.sleep(SETTLE)
    os.kill(p.pid, signal.SIGTERM)
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = status
    watcher.join()
    result["cpu"] = ru.ru_utime + ru.ru_stime
    result["rss_mb"] = hwm[0] / 1024.0
    result["exit"] = os.waitstatus_to_exitcode(status)
    lags, seen, total = lag_samples(replica, db)
    lags.sort()
    result["lag_p50"] = statistics.median(lags) if lags else float("nan")
    result["lag_p99"] = lags[int(len(lags) * 0.99) - 1] if lags else float("nan")
    result["markers"] = (seen, total)
    return result


def main():
    ours, litestream = sys.argv[1], sys.argv[2]
    scratch = tempfile.mkdtemp(prefix="hs-bench-")
    try:
        workload_sql(os.path.join(scratch, "workload.sql"))
        # The machine is shared: alternate the three set-ups REPS times and take medians.
        runs = {"none": [], "litestream": [], "homeserver-replicator": []}
        for rep in range(REPS):
            runs["none"].append(bench("none-%d" % rep, None, scratch))
            runs["litestream"].append(bench("litestream-%d" % rep, lambda cfg: [litestream, "replicate", "-config", cfg], scratch))
            runs["homeserver-replicator"].append(bench("ours-%d" % rep, lambda cfg: [ours, "replicate", "-config", cfg], scratch))
        for name in ("litestream", "homeserver-replicator"):
            for r in runs[name]:
                if r["exit"] != 0:
                    print("WARNING: %s exited %d" % (name, r["exit"]))
                if r["markers"][0] != r["markers"][1]:
                    print("WARNING: %s replica holds %d of %d row timestamps" % (name, r["markers"][0], r["markers"][1]))

        def med(name, key):
            return statistics.median(r[key] for r in runs[name])

        base = med("none", "elapsed")
        lit = {k: med("litestream", k) for k in ("cpu", "rss_mb", "lag_p50", "lag_p99", "elapsed")}
        hs = {k: med("homeserver-replicator", k) for k in ("cpu", "rss_mb", "lag_p50", "lag_p99", "elapsed")}

        def ratio(a, b):
            return a / b if b else float("nan")

        print()
        print("Workload: %d rows x ~200 B in transactions of %d, sqlite3 CLI, synchronous=NORMAL; file replica, "
              "sync-interval 1s; medians of %d alternating runs" % (ROWS, BATCH, REPS))
        print()
        print("| metric | litestream 0.3.13 | homeserver-replicator | ratio (ours / litestream) | goal |")
        print("|---|---|---|---|---|")
        print("| replicator CPU seconds | %.2f | %.2f | %.2f x | <= 0.33 x |" % (lit["cpu"], hs["cpu"], ratio(hs["cpu"], lit["cpu"])))
        print("| replicator peak RSS | %.1f MB | %.1f MB | %.2f x | <= 0.15 x |" % (lit["rss_mb"], hs["rss_mb"], ratio(hs["rss_mb"], lit["rss_mb"])))
        print("| replication lag p50 | %.2f s | %.2f s | %.2f x | |" % (lit["lag_p50"], hs["lag_p50"], ratio(hs["lag_p50"], lit["lag_p50"])))
        print("| replication lag p99 | %.2f s | %.2f s | %.2f x | |" % (lit["lag_p99"], hs["lag_p99"], ratio(hs["lag_p99"], lit["lag_p99"])))
        print("| app rows/s, replicator attached vs none (%.0f rows/s) | %.0f (%.2f x) | %.0f (%.2f x) | %.2f x | ours >= 0.95 x of none |"
              % (ROWS / base, ROWS / lit["elapsed"], base / lit["elapsed"], ROWS / hs["elapsed"], base / hs["elapsed"],
                 lit["elapsed"] / hs["elapsed"]))
    finally:
        subprocess.run(["rm", "-rf", scratch])


if __name__ == "__main__":
    main()
