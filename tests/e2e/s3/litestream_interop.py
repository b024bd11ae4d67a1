#!/usr/bin/env python3
"""litestream v0.3.13 replicates to a real S3 server (Swift s3api on 127.0.0.1) while a writer
inserts rows across a TRUNCATE checkpoint; then we restore that replica with storage_s3 +
core::restore (s3_restore_tool): every committed row is back and integrity_check is ok.
(The CLI's restore of litestream's S3 replica is checked by replicator_interop.py.)"""
import os
import shutil
import subprocess
import time

from s3e2e import (BUILD, Proc, Writer, check_restored, fail, litestream, log, s3_config,
                   s3_env, start_s3, tempdir)

ROWS_BEFORE, ROWS_AFTER = 1500, 1500


def main():
    ls = litestream()
    tool = os.path.join(BUILD, "tests", "s3_restore_tool")
    if not os.access(tool, os.X_OK):
        fail("%s not built" % tool)
    s3 = start_s3("interop")
    work = tempdir()
    proc = None
    try:
        db = os.path.join(work, "app.db")
        cfg = os.path.join(work, "litestream.yml")
        with open(cfg, "w") as f:
            f.write(s3_config(s3, db, "lsapp"))
        w = Writer(db)
        proc = Proc([ls, "replicate", "-config", cfg], os.path.join(work, "litestream.log"))
        w.insert(ROWS_BEFORE)
        time.sleep(2)
        w.checkpoint()  # the app truncates the WAL under litestream's feet
        w.insert(ROWS_AFTER)
        time.sleep(3)  # > sync-interval: everything committed is shipped
        rc = proc.stop()
        w.close()
        log("litestream replicate exited %s" % rc)
        if "level=ERROR" in proc.text():
            fail("litestream logged errors:\n" + proc.text())

        out = os.path.join(work, "restored-by-storage-s3.db")
        r = subprocess.run([tool, out], env=s3_env(s3, "lsapp"), capture_output=True, text=True)
        if r.returncode != 0:
            fail("s3_restore_tool failed: %s" % r.stderr)
        log("s3_restore_tool restored generation %s" % r.stdout.strip())
        check_restored(out, ROWS_BEFORE + ROWS_AFTER)

        log("PASS")
    finally:
        Proc.stop_all()
        if proc and proc.alive():
            proc.stop()
        s3.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
