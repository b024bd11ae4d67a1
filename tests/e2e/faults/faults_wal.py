#!/usr/bin/env python3
"""Issue 14, fault matrix row 4: the app and the operator doing things to the WAL and the database
file, with a file replica and a Swift s3api replica, litestream 0.3.13 as the second reader.

  faults_wal.py running    the app runs wal_checkpoint(TRUNCATE) and (RESTART) at random, every
                           ~0.3 s, for HS_CKPT_SECONDS (default 15) while the replicator runs
  faults_wal.py down       HS_DOWN_ROUNDS (default 6): the replicator stopped (SIGTERM or kill -9 in
                           turn), the app commits and checkpoints with TRUNCATE and RESTART meanwhile
                           (the WAL restarts, frames the replicator never saw are backfilled), the
                           replicator restarted
  faults_wal.py replaced   the database restored by hand from the replica to an older point and
                           moved over the live file (its -wal and -shm removed) while the replicator
                           runs; the app reopens and writes on
  faults_wal.py deleted    the app killed with committed frames in its WAL, the -wal and -shm then
                           deleted by hand (the database goes back in time) while the replicator
                           runs; the app restarts and writes on

What must hold: the replicator keeps running (no exit), and after SIGTERM the newest restore by both
tools from both replicas equals the live database (every row, integrity ok, no file left): in
"running" and "down" every committed transaction; in "replaced" and "deleted" the database as it is
now, never the one that was replaced.
"""
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fharness as f  # noqa: E402

DB_EXTRA = "    monitor-interval: 250ms\n    min-checkpoint-page-count: 100\n"


def finish(rig, rep, what, txs_check=True):
    rig.s.stop(rig.app)
    time.sleep(0.3)
    if rep.poll() is not None:
        f.fail("%s: the replicator exited (%s):\n%s" % (what, rep.returncode, rig.replicator_log()[-3000:]))
    rc = rig.s.stop(rep)
    if rc != 0:
        f.fail("%s: replicate exited %d on SIGTERM:\n%s" % (what, rc, rig.replicator_log()[-3000:]))
    ok, source = f.h.db_rows(rig.db)
    if ok != "ok":
        f.fail("%s: the live database: integrity %r" % (what, ok))
    counts = {}
    for rn in rig.replicas():
        for tn in ("ours", "litestream"):
            _, _, ids, _ = rig.restore(tn, rn)
            if ids != source:
                f.fail("%s: %s restore from %s: %d rows, the live database has %d (missing %s, extra %s)" %
                       (what, tn, rn, len(ids), len(source), sorted(source - ids)[:5], sorted(ids - source)[:5]))
            counts["%s/%s" % (tn, rn)] = len(ids)
    if txs_check:
        rig.txs().check(source, None, what + ": the live database")
    gens = "new generation" in rig.replicator_log()
    return len(source), gens


def running():
    secs = float(os.environ.get("HS_CKPT_SECONDS", "15"))
    rig = f.Rig("wal-running")
    try:
        rig.config(db_extra=DB_EXTRA)
        rig.start_app(rate=200, ckpt="mix", ckpt_every=0.3)
        rep = rig.start_replicator()
        time.sleep(secs)
        ckpts = [l.split() for l in open(rig.path("app.log")) if l.startswith("K ")]
        rows, _ = finish(rig, rep, "app checkpoints while replicating")
        n_gen = rig.replicator_log().count("sync: new generation")
        f.log("ROW app TRUNCATE/RESTART checkpoints while replicating | %d app checkpoints (%d TRUNCATE, %d "
              "RESTART) in %.0fs | 1 | 0 rows lost (%d rows) | kept running, %d ERROR lines, %d new generation(s)" %
              (len(ckpts), sum(1 for k in ckpts if k[1] == "TRUNCATE"), sum(1 for k in ckpts if k[1] == "RESTART"),
               secs, rows, len(rig.errors()), n_gen))
    finally:
        rig.cleanup()


def down():
    rounds = int(os.environ.get("HS_DOWN_ROUNDS", "6"))
    rig = f.Rig("wal-down")
    try:
        rig.config(db_extra=DB_EXTRA)
        rig.start_app(rate=100, ckpt="mix", ckpt_every=0.5)
        rep = rig.start_replicator()
        time.sleep(3)
        for n in range(rounds):
            sig = signal.SIGTERM if n % 2 == 0 else signal.SIGKILL
            rc = rig.s.stop(rep, sig)
            if sig == signal.SIGTERM and rc != 0:
                f.fail("round %d: replicate exited %d on SIGTERM" % (n, rc))
            k0 = sum(1 for l in open(rig.path("app.log")) if l.startswith("K "))
            time.sleep(2.5)  # the app commits and checkpoints (TRUNCATE/RESTART) with nobody watching
            k1 = sum(1 for l in open(rig.path("app.log")) if l.startswith("K "))
            if k1 - k0 < 2:
                f.fail("round %d: the app ran only %d checkpoints while the replicator was down" % (n, k1 - k0))
            rep = rig.start_replicator()
            time.sleep(3)
            if rep.poll() is not None:
                f.fail("round %d: the replicator exited (%s) after restarting:\n%s" %
                       (n, rep.returncode, rig.replicator_log()[-3000:]))
            f.log("round %d: stopped by %s, %d app checkpoints meanwhile, restarted" %
                  (n, "SIGTERM" if sig == signal.SIGTERM else "SIGKILL", k1 - k0))
        ckpts = sum(1 for l in open(rig.path("app.log")) if l.startswith("K "))
        rows, _ = finish(rig, rep, "app checkpoints while the replicator is down")
        n_gen = rig.replicator_log().count("sync: new generation")
        f.log("ROW app TRUNCATE/RESTART checkpoints while the replicator is down | %d stops (SIGTERM/kill -9 in "
              "turn), %d app checkpoints | %d | 0 rows lost (%d rows) | restarted, %d ERROR lines, %d new "
              "generation(s)" % (rounds, ckpts, rounds, rows, len(rig.errors()), n_gen))
    finally:
        rig.cleanup()


def replaced():
    rig = f.Rig("wal-replaced")
    try:
        rig.config(db_extra=DB_EXTRA)
        rig.start_app(rate=100)
        rep = rig.start_replicator()
        time.sleep(4)
        t_old = time.time()
        time.sleep(3)
        rig.s.stop(rig.app)
        # By hand: restore an older point from the replica, swap it in (the replicator keeps running).
        old = rig.path("by-hand.db")
        r = subprocess.run([rig.ours, "restore", "-config", rig.cfg, "-replica", "file", "-o", old, "-timestamp",
                            time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t_old)), rig.db],
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            f.fail("restore by hand failed: %s" % (r.stdout + r.stderr)[-2000:])
        _, before = f.h.db_rows(rig.db)
        _, older = f.h.db_rows(old)
        for sfx in ("-wal", "-shm"):
            if os.path.exists(rig.db + sfx):
                os.remove(rig.db + sfx)
        os.rename(old, rig.db)
        rig.start_app(rate=100, log_name="app2.log")
        time.sleep(5)
        rows, gen = finish(rig, rep, "database replaced", txs_check=False)
        log_text = rig.replicator_log()
        if not gen:
            f.fail("no new generation after the database was replaced")
        f.log("ROW database file replaced underneath (restored by hand to an older point) | 1 swap (%d rows -> %d) "
              "| 1 | 0 rows lost: restores equal the live database (%d rows) | kept running, %s, new generation, "
              "%d ERROR lines" % (len(before), len(older), rows,
                                  "WARN 'database file replaced'" if "database file replaced" in log_text else
                                  "no WARN", len(rig.errors())))
    finally:
        rig.cleanup()


def deleted():
    rig = f.Rig("wal-deleted")
    try:
        rig.config(db_extra=DB_EXTRA + "    checkpoint-interval: 0s\n")
        rig.start_app(rate=100)
        rep = rig.start_replicator()
        time.sleep(4)
        os.kill(rig.app.pid, signal.SIGKILL)
        rig.app.wait()
        time.sleep(2)
        wal_size = os.path.getsize(rig.db + "-wal")
        _, before = f.h.db_rows(rig.db) if False else (None, None)
        for sfx in ("-wal", "-shm"):
            os.remove(rig.db + sfx)
        _, after = f.h.db_rows(rig.db)
        # the read-only open above may have created an empty -wal/-shm: that is what an app would see
        rig.start_app(rate=100, log_name="app2.log")
        time.sleep(5)
        rows, gen = finish(rig, rep, "WAL deleted", txs_check=False)
        if not gen:
            f.fail("no new generation after the WAL was deleted")
        f.log("ROW WAL (and -shm) deleted by hand after an app kill -9 | 1 (a %d-byte WAL, the database back to %d "
              "rows) | 1 | 0 rows lost: restores equal the live database (%d rows) | kept running, new generation, "
              "%d ERROR lines" % (wal_size, len(after), rows, len(rig.errors())))
    finally:
        rig.cleanup()


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    for name, fn in [("running", running), ("down", down), ("replaced", replaced), ("deleted", deleted)]:
        if which in (name, "all"):
            fn()
    f.log("PASS")
