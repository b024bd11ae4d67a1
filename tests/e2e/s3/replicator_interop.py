#!/usr/bin/env python3
"""homeserver-replicator and litestream v0.3.13 on a real S3 server (Swift s3api, 127.0.0.1):
 1. we replicate (across an app TRUNCATE checkpoint); litestream restores ours, and so do we;
 2. litestream replicates; our CLI restores litestream's replica;
 3. the S3 server is down for 30 s mid-run: we log ERROR lines, keep the app running, resume
    when S3 is back, and nothing committed is lost.
SKIPPED (exit 77) while homeserver-replicator has no replicate/restore commands."""
import os
import re
import shutil
import subprocess
import time

from s3e2e import (REPLICATOR, Proc, Writer, check_restored, fail, litestream, log, s3_config, skip,
                   start_s3, tempdir)

ERROR_LINE = re.compile(r'"level"\s*:\s*"ERROR"|\blevel=ERROR\b')
OUTAGE_SECONDS = 30


def has_command(cmd):
    if not os.access(REPLICATOR, os.X_OK):
        return False
    r = subprocess.run([REPLICATOR, cmd, "-h"], capture_output=True, text=True)
    out = (r.stdout + r.stderr).lower()
    return "unknown command" not in out and "usage:" in out


def restore(tool, cfg, db, out):
    r = subprocess.run([tool, "restore", "-config", cfg, "-o", out, db], capture_output=True, text=True)
    if r.returncode != 0:
        fail("%s restore failed (%d): %s%s" % (os.path.basename(tool), r.returncode, r.stdout, r.stderr))


def write_config(s3, work, name):
    db = os.path.join(work, name + ".db")
    cfg = os.path.join(work, name + ".yml")
    with open(cfg, "w") as f:
        f.write("logging:\n  type: json\n" + s3_config(s3, db, name))
    return db, cfg


def we_replicate_litestream_restores(ls, s3, work):
    db, cfg = write_config(s3, work, "ours")
    w = Writer(db)
    rep = Proc([REPLICATOR, "replicate", "-config", cfg], os.path.join(work, "ours.log"))
    w.insert(1000)
    time.sleep(2)
    w.checkpoint()
    w.insert(1000)
    time.sleep(3)
    rc = rep.stop()
    w.close()
    if rc != 0:
        fail("homeserver-replicator replicate exited %s:\n%s" % (rc, rep.text()))
    if ERROR_LINE.search(rep.text()):
        fail("errors while S3 was up:\n" + rep.text())
    restore(ls, cfg, db, os.path.join(work, "ours-by-litestream.db"))
    check_restored(os.path.join(work, "ours-by-litestream.db"), 2000)
    restore(REPLICATOR, cfg, db, os.path.join(work, "ours-by-us.db"))
    check_restored(os.path.join(work, "ours-by-us.db"), 2000)


def litestream_replicates_we_restore(ls, s3, work):
    db, cfg = write_config(s3, work, "theirs")
    w = Writer(db)
    rep = Proc([ls, "replicate", "-config", cfg], os.path.join(work, "theirs.log"))
    w.insert(1500)
    time.sleep(3)
    rep.stop()
    w.close()
    restore(REPLICATOR, cfg, db, os.path.join(work, "theirs-by-us.db"))
    check_restored(os.path.join(work, "theirs-by-us.db"), 1500)


def s3_outage(ls, s3, work):
    db, cfg = write_config(s3, work, "outage")
    w = Writer(db)
    rep = Proc([REPLICATOR, "replicate", "-config", cfg], os.path.join(work, "outage.log"))
    w.insert(500)
    time.sleep(3)
    log("stopping the S3 proxy for %d s" % OUTAGE_SECONDS)
    s3.stop_proxy()
    t0 = time.time()
    while time.time() - t0 < OUTAGE_SECONDS:
        w.insert(20, per_tx=10, pause=0.5)  # the app keeps committing while S3 is gone
        if not rep.alive():
            fail("replicator exited during the S3 outage:\n" + rep.text())
    during = rep.text()
    s3.start_proxy()
    log("S3 proxy back")
    errors = [l for l in during.splitlines() if ERROR_LINE.search(l)]
    if not errors:
        fail("no ERROR line logged while S3 was down:\n" + during)
    log("%d ERROR lines during the outage, first: %s" % (len(errors), errors[0][:300]))
    w.insert(200)
    time.sleep(6)  # a few sync intervals to catch up
    # Replication resumed by itself (not only the final sync at shutdown): a restore taken while
    # we still run has every row.
    live = os.path.join(work, "outage-live.db")
    restore(ls, cfg, db, live)
    check_restored(live, w.rows)
    rc = rep.stop()
    w.close()
    if rc != 0:
        fail("replicate exited %s after the outage:\n%s" % (rc, rep.text()))
    rows = w.rows
    restore(ls, cfg, db, os.path.join(work, "outage-by-litestream.db"))
    check_restored(os.path.join(work, "outage-by-litestream.db"), rows)
    restore(REPLICATOR, cfg, db, os.path.join(work, "outage-by-us.db"))
    check_restored(os.path.join(work, "outage-by-us.db"), rows)


def main():
    if not (has_command("replicate") and has_command("restore")):
        skip("%s has no replicate/restore commands yet (build the homeserver-replicator target)" % REPLICATOR)
    ls = litestream()
    s3 = start_s3("replicator")
    work = tempdir()
    try:
        we_replicate_litestream_restores(ls, s3, work)
        litestream_replicates_we_restore(ls, s3, work)
        s3_outage(ls, s3, work)
        log("PASS")
    finally:
        Proc.stop_all()
        s3.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
