#!/usr/bin/env python3
"""Encrypted S3 replicas (Swift s3api on 127.0.0.1), litestream 0.3.13's `age` config both ways:
ours replicates encrypted across an app TRUNCATE checkpoint, litestream 0.3.13 and ours restore it,
a config without `age` cannot read it (the objects are not plain LZ4); litestream replicates
encrypted and ours restores it."""
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "s3"))
from s3e2e import (REPLICATOR, Proc, Writer, check_restored, fail, litestream, log, s3_config, skip,  # noqa: E402
                   start_s3, tempdir)

AGE = """        age:
          identities: ["${AGE_IDENTITY}"]
          recipients: ["${AGE_RECIPIENT}"]
"""


def keygen(work):
    path = os.path.join(work, "key.txt")
    subprocess.run(["age-keygen", "-o", path], check=True, capture_output=True)
    identity = [l for l in open(path).read().splitlines() if l.startswith("AGE-SECRET-KEY-1")][0]
    recipient = subprocess.run(["age-keygen", "-y", path], check=True, capture_output=True, text=True).stdout.strip()
    return identity, recipient


def replicate(tool, cfg, db, env, logfile):
    w = Writer(db)
    p = Proc([tool, "replicate", "-config", cfg], logfile, env=env)
    w.insert(1000)
    time.sleep(2)
    w.checkpoint()  # the app truncates the WAL under the replicator's feet
    w.insert(1000)
    time.sleep(3)  # > sync-interval: everything committed is shipped
    rc = p.stop()
    w.close()
    if rc != 0 or "level=ERROR" in p.text():
        fail("%s replicate (rc %s) logged errors:\n%s" % (os.path.basename(tool), rc, p.text()[-3000:]))


def restore(tool, cfg, db, out, env):
    r = subprocess.run([tool, "restore", "-config", cfg, "-o", out, db], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        fail("%s restore failed (%d): %s%s" % (os.path.basename(tool), r.returncode, r.stdout[-2000:], r.stderr[-2000:]))
    check_restored(out, 2000)


def main():
    ls = litestream()
    if not os.access(REPLICATOR, os.X_OK):
        skip("%s not built" % REPLICATOR)
    if not shutil.which("age-keygen"):
        skip("age-keygen not installed (scripts/install-deps.sh test installs age)")
    s3 = start_s3("agebucket")
    work = tempdir()
    try:
        identity, recipient = keygen(work)
        env = dict(os.environ, AGE_IDENTITY=identity, AGE_RECIPIENT=recipient)
        configs = {}
        for name in ("ours", "theirs"):
            db, cfg = os.path.join(work, name + ".db"), os.path.join(work, name + ".yml")
            with open(cfg, "w") as f:
                f.write(s3_config(s3, db, name, AGE))
            configs[name] = (db, cfg)

        db, cfg = configs["ours"]
        replicate(REPLICATOR, cfg, db, env, os.path.join(work, "ours.log"))
        restore(ls, cfg, db, os.path.join(work, "ours-by-litestream.db"), env)
        log("litestream 0.3.13 restored our encrypted S3 replica")
        restore(REPLICATOR, cfg, db, os.path.join(work, "ours-by-ours.db"), env)
        log("homeserver-replicator restored its encrypted S3 replica")
        plain = os.path.join(work, "plain.yml")
        with open(plain, "w") as f:
            f.write(s3_config(s3, db, "ours"))
        r = subprocess.run([REPLICATOR, "restore", "-config", plain, "-o", os.path.join(work, "plain.db"), db],
                           capture_output=True, text=True)
        if r.returncode == 0:
            fail("a config without age restored the encrypted replica: its objects are not encrypted")
        log("without age the replica does not restore (%s)" % (r.stdout + r.stderr).strip().splitlines()[-1][-160:])

        db, cfg = configs["theirs"]
        replicate(ls, cfg, db, env, os.path.join(work, "theirs.log"))
        restore(REPLICATOR, cfg, db, os.path.join(work, "theirs-by-ours.db"), env)
        log("homeserver-replicator restored litestream's encrypted S3 replica")
        log("PASS")
    finally:
        Proc.stop_all()
        s3.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
