#!/usr/bin/env python3
"""Issue 14, fault matrix row 3: disk full, on a tmpfs the test mounts (root) and unmounts.

  faults_disk.py restore   restore into a 1 MiB tmpfs and into one a little smaller than the
                           database (from the file and from the Swift s3api replica): exit 1, an
                           ERROR naming the output path and "no space", nothing left in the
                           directory; after `mount -o remount,size=64m` the same restore succeeds
                           with every row.
  faults_disk.py meta      the shadow-WAL (meta-path) directory on a tmpfs filled to the last byte by
                           another file while the app writes and the replicator replicates: an ERROR
                           naming the meta path within a few seconds, the app keeps committing, the
                           replicator keeps running; once the filler is removed replication resumes
                           by itself and after SIGTERM both tools restore every committed row from
                           both replicas.
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fharness as f  # noqa: E402


def restore_target():
    rig = f.Rig("disk-restore")
    try:
        rig.prefill(6)
        rig.config()
        rig.start_app(rate=40)
        rep = rig.start_replicator()
        time.sleep(4)
        rig.stop_app_then_replicator(rep, "source")
        ok, source = f.h.db_rows(rig.db)
        size = os.path.getsize(rig.db)
        target = rig.path("target")
        rounds = 0
        for rn in rig.replicas():
            for tmpfs_size in ["1m", "%dk" % (size // 1024 - 512)]:
                f.mount_tmpfs(target, tmpfs_size)
                rig.mounts.append(target)
                out = os.path.join(target, "app.db")
                argv = [rig.ours, "restore", "-config", rig.cfg, "-replica", rn, "-o", out, rig.db]
                r = f.h.subprocess.run(argv, capture_output=True, text=True, timeout=300)
                text = r.stdout + r.stderr
                left = os.listdir(target)
                if r.returncode == 0:
                    f.fail("restore from %s into a %s tmpfs exited 0 (db is %d bytes)" % (rn, tmpfs_size, size))
                err = [l for l in text.splitlines() if "ERROR" in l]
                if not err or target not in text or not re.search(r"(?i)no space left", text):
                    f.fail("restore from %s into a full disk: no ERROR naming %s and the cause:\n%s"
                           % (rn, target, text[-2000:]))
                if left:
                    f.fail("restore from %s into a full disk left %s" % (rn, left))
                f.log("restore from %s into a %s tmpfs: exit %d, %s" % (rn, tmpfs_size, r.returncode, err[-1][:300]))
                f.resize_tmpfs(target, "64m")
                r = f.h.subprocess.run(argv, capture_output=True, text=True, timeout=300)
                if r.returncode != 0:
                    f.fail("retry with space failed: %s" % (r.stdout + r.stderr)[-2000:])
                if sorted(os.listdir(target)) != ["app.db"]:
                    f.fail("retry with space left %s" % os.listdir(target))
                ok, ids = f.h.db_rows(out)
                if ok != "ok" or ids != source:
                    f.fail("retry with space: integrity %r, %d rows, source %d" % (ok, len(ids), len(source)))
                f.umount(target)
                rig.mounts.remove(target)
                rounds += 1
        f.log("ROW disk full on the restore target | %d restores into a too-small tmpfs (1 MiB and db-512 KiB), "
              "file and s3 | %d retries after remount | 0 rows lost (%d rows) | exit 1, ERROR naming the path "
              "and ENOSPC, directory left empty; retry restores every row" % (rounds, rounds, len(source)))
    finally:
        rig.cleanup()


def fill(path):
    """Writes a file in `path` until the filesystem is full; returns its name."""
    name = os.path.join(path, "filler")
    fd = os.open(name, os.O_WRONLY | os.O_CREAT)
    for block in (65536, 4096, 512, 1):  # down to the last byte
        try:
            while True:
                os.write(fd, b"\0" * block)
        except OSError:
            pass
    os.close(fd)
    return name


def meta_dir():
    rig = f.Rig("disk-meta")
    try:
        meta = rig.path("meta")
        f.mount_tmpfs(meta, "32m")
        rig.mounts.append(meta)
        rig.config(db_extra="    meta-path: %s\n    monitor-interval: 250ms\n" % meta, top="")
        rig.start_app(rate=50, blob=1000)
        rep = rig.start_replicator()
        time.sleep(4)
        filler = fill(meta)
        t_full = time.time()
        f.log("meta tmpfs full (%d bytes of filler)" % os.path.getsize(filler))
        pat = r"level=ERROR.*%s.*(?i:no space)|level=ERROR.*(?i:no space).*%s" % (re.escape(meta), re.escape(meta))
        if not f.wait_for(lambda: re.search(pat, rig.replicator_log()), 15, step=0.2):
            f.fail("no ERROR naming %s and ENOSPC within 15 s of the disk filling up:\n%s"
                   % (meta, rig.replicator_log()[-3000:]))
        t_err = time.time() - t_full
        err = re.search(pat, rig.replicator_log()).group(0)
        before = len(rig.txs().committed)
        time.sleep(6)
        during = len(rig.txs().committed) - before
        if during < 20:
            f.fail("the app committed only %d transactions in 6 s while the meta disk was full" % during)
        if rep.poll() is not None:
            f.fail("the replicator exited (%s) on a full meta disk:\n%s" % (rep.returncode, rig.replicator_log()[-3000:]))
        n_err = len(rig.errors())
        os.remove(filler)
        t_free = time.time()
        log_at = len(rig.replicator_log())
        if not f.wait_for(lambda: 'msg="wal segment written"' in rig.replicator_log()[log_at:], 20, step=0.2):
            f.fail("no WAL segment written within 20 s of the space coming back:\n%s" % rig.replicator_log()[-3000:])
        t_rec = time.time() - t_free
        time.sleep(3)
        rig.stop_app_then_replicator(rep, "after recovering")
        ok, source = f.h.db_rows(rig.db)
        txs = rig.txs()
        counts = rig.check_all(txs, None, "meta disk full")
        for k, n in counts.items():
            if n != len(source):
                f.fail("after recovery %s restored %d rows, source %d" % (k, n, len(source)))
        new_gen = "new generation" in rig.replicator_log()[log_at:]
        f.log("ERROR after %.1fs: %s" % (t_err, err[:300]))
        f.log("ROW disk full on the meta (shadow WAL) directory | filled for 6 s under writes (%d app commits "
              "meanwhile) | 1 | 0 rows lost (%d rows, %s) | ERROR naming the path after %.1fs (%d ERROR lines), "
              "kept running; resumed %.1fs after space returned%s" %
              (during, len(source), ", ".join("%s=%d" % kv for kv in counts.items()), t_err, n_err, t_rec,
               ", new generation" if new_gen else ""))
    finally:
        rig.cleanup()


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    for name, fn in [("restore", restore_target), ("meta", meta_dir)]:
        if which in (name, "all"):
            fn()
    f.log("PASS")
