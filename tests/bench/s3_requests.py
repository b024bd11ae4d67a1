#!/usr/bin/env python3
"""S3 requests per minute, homeserver-replicator vs litestream v0.3.13 in the same run (issue 12
item 2), counted by tests/e2e/s3/s3_proxy.py in front of one Swift s3api on 127.0.0.1.

Run 1 (default retention settings: retention 24h, check every 1h; sync-interval 1s): after the
first sync, --write-seconds of writes (one small transaction every 0.1 s, so every sync has a
change), then --idle-seconds idle. Run 2: the same with retention-check-interval 10s, idle only,
to count the requests of one retention check (nothing is old enough to delete).

Usage: HS_BUILD_DIR=build tests/bench/s3_requests.py [--write-seconds 60] [--idle-seconds 60]
Prints a markdown table for docs/benchmarks.md. Counts, not times: a loaded machine changes little
(a sync that takes longer than 1 s merges two seconds' changes into one PUT)."""
import argparse
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e", "s3"))
import request_counts as rc  # noqa: E402
from s3e2e import litestream, log, start_s3  # noqa: E402


def fmt(counts, seconds):
    pm = rc.per_minute(counts, seconds)
    parts = ["%s %.1f" % (k, v) for k, v in pm.items() if v]
    return ", ".join(parts) if parts else "0"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--write-seconds", type=int, default=60)
    ap.add_argument("--idle-seconds", type=int, default=60)
    ap.add_argument("--check-seconds", type=int, default=45)
    a = ap.parse_args()
    ls = litestream()
    s3 = start_s3("bench-requests")
    try:
        r = rc.measure(s3, ls, write_seconds=a.write_seconds, idle_seconds=a.idle_seconds)
        log("retention run: retention-check-interval 10s, idle %ds" % a.check_seconds)
        ret = rc.measure(s3, ls, write_seconds=3, idle_seconds=a.check_seconds,
                         extra_replica="        retention-check-interval: 10s\n")
    finally:
        s3.stop()
    print()
    print("| | ours | litestream 0.3.13 |")
    print("|---|---|---|")
    row = lambda label, f: print("| %s | %s | %s |" % (label, f(r["ours"]), f(r["litestream"])))  # noqa: E731
    row("first sync (requests)", lambda x: ", ".join("%s %d" % kv for kv in x["first_sync"].items() if kv[1]))
    row("under writes, per minute (1 s sync)", lambda x: fmt(x["writes"], x["write_seconds"]))
    print("| of which the one-writer lease, per minute | %s | - |" %
          fmt(r["ours"]["writes_lease"], r["ours"]["write_seconds"]))
    row("after the last write: the checkpoint within checkpoint-interval (1m), once",
        lambda x: ", ".join("%s %d" % kv for kv in x["after_writes"].items() if kv[1]) or "0")
    row("idle, per minute (between retention checks)", lambda x: fmt(x["idle"], x["idle_seconds"]))
    def checks(side):
        """The idle window's requests in bursts (a gap of more than 3 s ends one): one burst per check."""
        bursts, last = [], None
        for t, kind, _m, target, _s in side.proxy.log():
            if t < ret["t_idle"]:
                continue
            if last is None or t - last > 3:
                bursts.append({})
            bursts[-1][kind] = bursts[-1].get(kind, 0) + 1
            last = t
        bursts = [b for b in bursts if "LIST" in b]  # not the lease's release at shutdown (GET + DELETE)
        for b in bursts:
            log("%s retention check: %s" % (side.name, b))
        return bursts

    def per_check(name):
        bursts = checks(next(s for s in ret["sides"] if s.name == name))
        total = {}
        for b in bursts:
            for k, v in b.items():
                total[k] = total.get(k, 0) + v
        return len(bursts), ", ".join("%s %.1f" % (k, v / max(1, len(bursts))) for k, v in sorted(total.items()))

    (n_o, ours_c), (n_l, ls_c) = per_check("ours"), per_check("litestream")
    print("| one retention check (1 generation, nothing to delete; %d and %d checks seen) | %s | %s |" %
          (n_o, n_l, ours_c, ls_c))
    print()
    print("ours /metrics hs_replica_requests_total at the end: %s; proxy: %s" %
          (r["ours"]["metrics"], r["ours"]["proxy_now"]))


if __name__ == "__main__":
    main()
