#!/usr/bin/env python3
"""Replication to a real S3 server (Swift + s3api on 127.0.0.1) that goes away for a while:
a writer keeps committing, the S3 proxy is stopped for HS_OUTAGE_SECONDS (default 30), errors must
be logged at ERROR (`monitor error` ... replica=s3: what Fluent Bit's ^(WARN|ERROR)$ rule matches),
replication must resume by itself when S3 is back, and after SIGTERM both litestream 0.3.13 and our
restore must return every committed row."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.environ.get("HS_SOURCE_DIR", "."), "tests", "support"))
import harness as h  # noqa: E402

try:
    from s3server import S3Server, Skip  # noqa: E402
except ImportError as e:
    print("SKIPPED: tests/support/s3server.py not importable (%s)" % e)
    sys.exit(h.SKIP)


def restore_config(tool, cfg, db, out, name):
    import subprocess
    r = subprocess.run([tool, "restore", "-config", cfg, "-o", out, db], capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        h.fail("%s restore from S3 failed (%d): %s%s" % (name, r.returncode, r.stdout, r.stderr))
    ok, ids = h.db_rows(out)
    if ok != "ok":
        h.fail("%s restore from S3: integrity_check %r" % (name, ok))
    return ids


def main():
    ours, litestream = h.binaries()
    outage = float(os.environ.get("HS_OUTAGE_SECONDS", "30"))
    s = h.Scratch("s3")
    s3 = S3Server()
    try:
        try:
            s3.start()
        except Skip as e:
            h.log("SKIPPED: %s" % e)
            sys.exit(h.SKIP)
        db = s.path("app.db")
        cfg = s.path("replicator.yml")
        with open(cfg, "w") as f:
            f.write("access-key-id: %s\nsecret-access-key: %s\ndbs:\n  - path: %s\n    replicas:\n"
                    "      - name: s3\n        type: s3\n        bucket: %s\n        path: app\n"
                    "        endpoint: %s\n        region: us-east-1\n        force-path-style: true\n"
                    "        sync-interval: 1s\n" % (s3.access_key_id, s3.secret_access_key, db, s3.bucket, s3.endpoint))
        w = s.writer(db, "writes.log", rate=50)
        time.sleep(0.5)
        rep = s.start([ours, "replicate", "-config", cfg], "replicate.log")
        time.sleep(4)
        h.log("stopping the S3 proxy for %.0fs" % outage)
        s3.stop_proxy()
        time.sleep(outage)
        s3.start_proxy()
        t_back = time.time()
        h.log("S3 is back")
        # Recovery: a new segment must be written after the outage without any restart.
        deadline = time.time() + 60
        while time.time() < deadline:
            out = open(s.path("replicate.log")).read()
            after = [l for l in out.splitlines() if 'msg="wal segment written"' in l]
            if after and re.search(r"time=(\S+)", after[-1]) and time.time() - t_back > 3:
                break
            time.sleep(1)
        s.stop(w)
        time.sleep(0.3)
        rc = s.stop(rep)
        out = open(s.path("replicate.log")).read()
        errors = [l for l in out.splitlines() if 'level=ERROR msg="monitor error"' in l]
        if not errors or "replica=s3" not in errors[0]:
            h.fail("no ERROR 'monitor error' line with replica=s3 during the outage:\n" + out[-3000:])
        h.log("%d ERROR lines during the outage, e.g.: %s" % (len(errors), errors[0][:240]))
        if rc != 0:
            h.fail("replicate exited %d after S3 came back:\n%s" % (rc, out[-2000:]))
        ok, source = h.db_rows(db)
        for name, tool in [("litestream", litestream)] + ([("homeserver-replicator", ours)] if h.has_restore(ours) else []):
            got = restore_config(tool, cfg, db, s.path("by-%s.db" % name), name)
            if got != source:
                h.fail("%s restore from S3: %d rows, source %d (missing %d)" % (name, len(got), len(source), len(source - got)))
            h.log("%s restored all %d rows from S3, integrity ok" % (name, len(got)))
        h.log("PASS")
    finally:
        s3.stop()
        s.cleanup()


if __name__ == "__main__":
    main()
