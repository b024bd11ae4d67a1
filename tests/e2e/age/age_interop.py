#!/usr/bin/env python3
"""Encrypted file replicas, litestream 0.3.13's `age: {identities, recipients}` config, both ways:

1. ours replicates (keys from ${AGE_IDENTITY}/${AGE_RECIPIENT}, as a pod gets them from a Secret) a
   database whose snapshot spans several 64 KiB age chunks; every object on disk is age, and
   `age -d -i key | lz4 -d` (the Debian tools) gives a SQLite snapshot / WAL bytes;
2. ours restarts on that replica (it reads the last WAL segment back, decrypting) and goes on;
3. litestream 0.3.13 and ours restore every committed row from it, and our verify passes;
4. litestream replicates encrypted; ours restores every row;
5. a wrong identity fails the restore naming the cause; replicate without identities is refused.
"""
import os
import shutil
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "replicate"))
import harness as h  # noqa: E402

CONFIG = """dbs:
  - path: %s
    replicas:
      - type: file
        path: %s
        sync-interval: 1s
        age:
          identities:
            - ${AGE_IDENTITY}
          recipients:
            - ${AGE_RECIPIENT}
"""


def keygen(s, name):
    path = s.path(name)
    subprocess.run(["age-keygen", "-o", path], check=True, capture_output=True)
    identity = [l for l in open(path).read().splitlines() if l.startswith("AGE-SECRET-KEY-1")][0]
    recipient = subprocess.run(["age-keygen", "-y", path], check=True, capture_output=True,
                               text=True).stdout.strip()
    return path, identity, recipient


def objects(replica):
    out = []
    for root, _, files in os.walk(os.path.join(replica, "generations")):
        out += [os.path.join(root, f) for f in files]
    return sorted(out)


def decrypt_with_tools(key_file, obj):
    """`age -d -i KEY OBJ | lz4 -d`: the bytes litestream wraps (raw snapshot or WAL frames)."""
    a = subprocess.run(["age", "-d", "-i", key_file, obj], capture_output=True, timeout=60)
    if a.returncode != 0:
        h.fail("age -d %s: %s" % (obj, a.stderr.decode(errors="replace")))
    z = subprocess.run(["lz4", "-d", "-c"], input=a.stdout, capture_output=True, timeout=60)
    if z.returncode != 0:
        h.fail("lz4 -d of the decrypted %s: %s" % (obj, z.stderr.decode(errors="replace")))
    return len(a.stdout), z.stdout


def check_replica_with_tools(key_file, replica, who):
    objs = objects(replica)
    if not objs:
        h.fail("%s wrote no objects to %s" % (who, replica))
    big = 0
    for o in objs:
        with open(o, "rb") as f:
            if not f.read(22) == b"age-encryption.org/v1\n":
                h.fail("%s: %s is not an age file" % (who, o))
        sealed_len, plain = decrypt_with_tools(key_file, o)
        if o.endswith(".snapshot.lz4"):
            if not plain.startswith(b"SQLite format 3\x00"):
                h.fail("%s: decrypted snapshot %s is not a SQLite file" % (who, o))
            big = max(big, sealed_len)
        elif o.endswith("_00000000.wal.lz4") and plain[:4] not in (b"\x37\x7f\x06\x82", b"\x37\x7f\x06\x83"):
            h.fail("%s: decrypted first WAL segment %s lacks the WAL magic" % (who, o))
    h.log("%s: %d objects, all age; age -d | lz4 -d gives SQLite snapshots and WAL frames "
          "(largest snapshot %d bytes of LZ4, %d age chunks)" % (who, len(objs), big, big // 65536 + 1))
    return big


def restore(tool, cfg, db, out, env, who):
    r = subprocess.run([tool, "restore", "-config", cfg, "-o", out, db], capture_output=True, text=True,
                       env=env, timeout=300)
    if r.returncode != 0:
        h.fail("%s restore failed (%d): %s%s" % (who, r.returncode, r.stdout[-2000:], r.stderr[-2000:]))
    ok, ids = h.db_rows(out)
    if ok != "ok":
        h.fail("%s restore: integrity_check says %r" % (who, ok))
    return ids


def seed(db):
    """~2 MiB of incompressible rows before replication starts: the snapshot spans many age chunks."""
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=wal")
    con.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)")
    con.execute("BEGIN")
    for i in range(1000000, 1000000 + 8000):
        con.execute("INSERT INTO t(id, v) VALUES(?, randomblob(250))", (i,))
    con.execute("COMMIT")
    con.close()


def replicate(s, tool, cfg, env, log_name, db, writes_log, start_id, seconds):
    w = s.writer(db, writes_log, start_id=start_id, rate=200)
    rep = s.start([tool, "replicate", "-config", cfg], log_name, env=env)
    time.sleep(seconds)
    s.stop(w)
    time.sleep(2.5)  # past one sync interval: the last commits reach the replica
    rc = s.stop(rep)
    out = open(s.path(log_name)).read()
    if rc != 0:
        h.fail("%s exited %d after SIGTERM:\n%s" % (log_name, rc, out[-3000:]))
    if "level=ERROR" in out:
        h.fail("%s logged errors:\n%s" % (log_name, out[-3000:]))


def main():
    ours, litestream = h.binaries()
    for tool in ("age", "age-keygen", "lz4"):
        if not shutil.which(tool):
            h.log("SKIPPED: %s not installed (scripts/install-deps.sh test installs it)" % tool)
            sys.exit(h.SKIP)
    s = h.Scratch("age")
    try:
        key_file, identity, recipient = keygen(s, "key.txt")
        _, other_identity, _ = keygen(s, "other.txt")
        env = dict(os.environ, AGE_IDENTITY=identity, AGE_RECIPIENT=recipient)

        # 1-3: ours writes, restarts, both restore.
        db, replica = s.path("app.db"), s.path("replica-ours")
        seed(db)
        cfg = s.path("ours.yml")
        open(cfg, "w").write(CONFIG % (db, replica))
        replicate(s, ours, cfg, env, "replicate-1.log", db, "writes.log", 1, 5)
        replicate(s, ours, cfg, env, "replicate-2.log", db, "writes.log", h.last_id(s.path("writes.log")) + 1, 4)
        if "new generation" in open(s.path("replicate-2.log")).read():
            h.fail("the restart did not resume the generation (it should decrypt the last WAL segment):\n" +
                   open(s.path("replicate-2.log")).read()[-2000:])
        big = check_replica_with_tools(key_file, replica, "ours")
        if big < 2 * 65536:
            h.fail("the snapshot is only %d bytes: it should span several age chunks" % big)
        ok, source = h.db_rows(db)
        committed = h.committed(s.path("writes.log"))
        if ok != "ok" or not committed <= source:
            h.fail("source database lost rows or is corrupt")
        got = restore(litestream, cfg, db, s.path("by-litestream.db"), env, "litestream")
        if got != source:
            h.fail("litestream restored %d rows of our encrypted replica, source has %d" % (len(got), len(source)))
        h.log("litestream 0.3.13 restored our encrypted replica: all %d rows, integrity ok" % len(got))
        got = restore(ours, cfg, db, s.path("by-ours.db"), env, "homeserver-replicator")
        if got != source:
            h.fail("our restore gave %d rows, source has %d" % (len(got), len(source)))
        h.log("homeserver-replicator restored its encrypted replica: all %d rows, integrity ok" % len(got))
        r = subprocess.run([ours, "verify", "-config", cfg, db], capture_output=True, text=True, env=env, timeout=300)
        if r.returncode != 0:
            h.fail("verify of the encrypted replica failed (%d): %s%s" % (r.returncode, r.stdout[-2000:], r.stderr[-2000:]))
        h.log("verify restores and checks the encrypted replica: ok")

        # 4: litestream writes, ours restores.
        db2, replica2 = s.path("theirs.db"), s.path("replica-litestream")
        seed(db2)
        cfg2 = s.path("litestream.yml")
        open(cfg2, "w").write(CONFIG % (db2, replica2))
        replicate(s, litestream, cfg2, env, "litestream.log", db2, "writes2.log", 1, 5)
        check_replica_with_tools(key_file, replica2, "litestream")
        ok, source2 = h.db_rows(db2)
        got = restore(ours, cfg2, db2, s.path("theirs-by-ours.db"), env, "homeserver-replicator")
        if got != source2:
            h.fail("our restore of litestream's encrypted replica gave %d rows, source has %d" % (len(got), len(source2)))
        h.log("homeserver-replicator restored litestream's encrypted replica: all %d rows, integrity ok" % len(got))

        # 5: the wrong key, and a replicate config without identities.
        wrong = dict(env, AGE_IDENTITY=other_identity)
        r = subprocess.run([ours, "restore", "-config", cfg, "-o", s.path("wrong.db"), db], capture_output=True,
                           text=True, env=wrong, timeout=120)
        if r.returncode == 0 or "no identity matches the file's recipients" not in r.stdout + r.stderr:
            h.fail("restore with the wrong identity: rc %d, %s%s" % (r.returncode, r.stdout[-1500:], r.stderr[-1500:]))
        if os.path.exists(s.path("wrong.db")):
            h.fail("a failed restore left wrong.db behind")
        no_ids = s.path("no-identities.yml")
        open(no_ids, "w").write((CONFIG % (db, replica)).replace("          identities:\n            - ${AGE_IDENTITY}\n", ""))
        r = subprocess.run([ours, "replicate", "-config", no_ids], capture_output=True, text=True, env=env, timeout=60)
        if r.returncode == 0 or "dbs[0].replicas[0].age.identities: required to replicate" not in r.stdout + r.stderr:
            h.fail("replicate without identities: rc %d, %s%s" % (r.returncode, r.stdout[-1500:], r.stderr[-1500:]))
        h.log("wrong identity and missing identities are refused, naming the cause")
        h.log("PASS")
    finally:
        s.cleanup()


if __name__ == "__main__":
    main()
