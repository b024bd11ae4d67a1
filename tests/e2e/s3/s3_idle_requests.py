#!/usr/bin/env python3
"""Issue 12 item 2: no S3 request while the database is idle, and /metrics counts what S3 sees.

Ours and litestream 0.3.13 replicate a database each (sync-interval 1s, default retention), each
through its own counting proxy (s3_proxy.py) in front of one Swift s3api. After the first sync,
writes for HS_WRITE_SECONDS, then HS_IDLE_SECONDS without writes. Must hold, by counts (not by
timing, so it cannot flake on a loaded machine):
  - ours sends 0 requests of any kind while idle;
  - under writes ours sends at most one PUT per sync interval (plus one for slack) and no LIST/GET,
    besides the one-writer lease's confirmation (a GET and a PUT of replica-lease.json per TTL/2,
    counted apart: at most 2 per 15 s with the default lease-ttl of 30s, plus one for slack);
  - hs_replica_requests_total{kind} in our /metrics equals what our proxy received, per kind.
litestream's counts are printed alongside (they are the comparison, not a requirement)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import request_counts as rc  # noqa: E402
from s3e2e import fail, litestream, log, start_s3  # noqa: E402


def main():
    write_s = int(os.environ.get("HS_WRITE_SECONDS", "20"))
    idle_s = int(os.environ.get("HS_IDLE_SECONDS", "30"))
    s3 = start_s3("idle-requests")
    try:
        r = rc.measure(s3, litestream(), write_seconds=write_s, idle_seconds=idle_s)
    finally:
        s3.stop()
    for name in ("ours", "litestream"):
        x = r[name]
        log("%-10s first sync %s | writes %.0fs: %s | idle %.0fs: %s" %
            (name, x["first_sync"], x["write_seconds"], x["writes"], x["idle_seconds"], x["idle"]))
    ours = r["ours"]
    if any(ours["idle"].values()):
        fail("ours sent requests while idle: %s" % ours["idle"])
    w = ours["writes_data"]
    lease = ours["writes_lease"]
    log("ours under writes: data %s, lease %s" % (w, lease))
    if sum(lease.values()) > 2 * (ours["write_seconds"] / 15 + 1) + 2:
        fail("lease requests under writes: %s (want a GET and a PUT per 15s)" % lease)
    if w["PUT"] == 0:
        fail("no PUT under writes: the proxy did not see our uploads (%s)" % w)
    if w["PUT"] > ours["write_seconds"] + 2 or w["LIST"] or w["GET"] or w["HEAD"]:
        fail("under writes at 1s sync: want at most one PUT per second and nothing else, got %s" % w)
    if ours["metrics"] != ours["proxy_now"]:
        fail("/metrics hs_replica_requests_total %s != proxy counts %s" % (ours["metrics"], ours["proxy_now"]))
    log("/metrics hs_replica_requests_total equals the proxy's counts: %s" % ours["metrics"])
    log("PASS")


if __name__ == "__main__":
    main()
