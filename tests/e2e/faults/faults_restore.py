#!/usr/bin/env python3
"""Issue 14, fault matrix row 5: restores that race.

  faults_restore.py race         HS_RACE_ROUNDS (default 60) pairs of our restores started together
                                 into the same output path (both from the file replica, both from
                                 the Swift s3api replica, one from each, in turn): exactly one exits 0, the other exits 1 saying
                                 the output already exists; the output is a whole database with
                                 every row, and nothing else is left in the directory. A restore must
                                 never replace a database another restore (and maybe an app) already
                                 put there, nor delete that database's -wal.
  faults_restore.py generation   HS_GEN_ROUNDS (default 6) restores (ours and litestream 0.3.13, from
                                 S3 and file) started while the replicator begins a new generation
                                 (its meta directory removed, so it snapshots a 16 MiB database
                                 again) and retention (1s) deletes the old one: each restore either
                                 gives every transaction committed before it started (integrity ok,
                                 whole transactions only) or fails with an ERROR and leaves nothing;
                                 a retry then succeeds.
"""
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fharness as f  # noqa: E402


def race():
    rounds = int(os.environ.get("HS_RACE_ROUNDS", "60"))
    rig = f.Rig("restore-race")
    try:
        rig.prefill(2)
        rig.config()
        rig.start_app(rate=40)
        rep = rig.start_replicator()
        time.sleep(4)
        rig.stop_app_then_replicator(rep, "source")
        ok, source = f.h.db_rows(rig.db)
        both = 0
        for n in range(rounds):
            d = rig.path("race-%d" % n)
            os.mkdir(d)
            out = os.path.join(d, "app.db")
            procs = [subprocess.Popen([rig.ours, "restore", "-config", rig.cfg, "-replica", rn, "-o", out, rig.db],
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                     for rn in [("file", "file"), ("s3", "s3"), ("file", "s3")][n % 3]]
            res = [(p.wait(timeout=120), p.stdout.read()) for p in procs]
            wins = [r for r in res if r[0] == 0]
            if len(wins) != 1:
                both += 1
                f.log("round %d: %d restores exited 0 (%s)" % (n, len(wins), [r[0] for r in res]))
                continue
            loser = [r for r in res if r[0] != 0][0]
            if "already exists" not in loser[1]:
                f.fail("round %d: the losing restore did not say the output exists:\n%s" % (n, loser[1][-1500:]))
            left = sorted(set(os.listdir(d)) - {"app.db"})
            if left:
                f.fail("round %d: left %s" % (n, left))
            ok, ids = f.h.db_rows(out)
            if ok != "ok" or ids != source:
                f.fail("round %d: the output: integrity %r, %d rows, want %d" % (n, ok, len(ids), len(source)))
            shutil.rmtree(d)
        if both:
            f.fail("%d of %d rounds: both racing restores exited 0 (the second replaced the first's output)"
                   % (both, rounds))
        f.log("ROW two restores racing for one output path | %d pairs | %d | 0 rows lost (%d rows) | one wins, "
              "the other exits 1 'output path already exists', nothing else left" % (rounds, rounds, len(source)))
    finally:
        rig.cleanup()


def generation():
    rounds = int(os.environ.get("HS_GEN_ROUNDS", "6"))
    rig = f.Rig("restore-gen")
    try:
        meta = rig.path("meta")
        rig.prefill(16)
        rig.config(db_extra="    meta-path: %s\n    monitor-interval: 250ms\n" % meta,
                   replica_extra="        retention: 1s\n        retention-check-interval: 1s\n")
        rig.start_app(rate=40)
        rep = rig.start_replicator()
        time.sleep(5)
        combos = [("ours", "s3"), ("litestream", "s3"), ("ours", "file"), ("litestream", "file")]
        outcomes = {"ok": 0, "error": 0}
        for n in range(rounds):
            tool, rn = combos[n % len(combos)]
            rig.s.stop(rep, __import__("signal").SIGKILL)
            shutil.rmtree(meta, ignore_errors=True)  # the restart cannot continue: a new generation
            t_start = time.time()
            rep = rig.start_replicator()
            time.sleep(0.3 + 0.2 * (n % 3))
            rc, text, ids, out_dir = rig.restore(tool, rn, must_succeed=False)
            txs = rig.txs()
            if rc == 0:
                txs.check(ids, t_start - 2.5, "round %d: %s restore from %s" % (n, tool, rn))
                outcomes["ok"] += 1
                f.log("round %d: %s restore from %s during a new generation: %d rows, integrity ok" %
                      (n, tool, rn, len(ids)))
            else:
                left = os.listdir(out_dir)
                if tool == "ours" and ("ERROR" not in text or left):
                    f.fail("round %d: our failed restore: no ERROR or files left (%s):\n%s" % (n, left, text[-2000:]))
                outcomes["error"] += 1
                f.log("round %d: %s restore from %s failed (%d): %s" % (n, tool, rn, rc, text.strip()[-300:]))
                time.sleep(3)
                _, _, ids, _ = rig.restore(tool, rn)
                txs.check(ids, t_start - 2.5, "round %d: %s retry from %s" % (n, tool, rn))
            time.sleep(3)
        rig.stop_app_then_replicator(rep, "source")
        ok, source = f.h.db_rows(rig.db)
        counts = rig.check_all(rig.txs(), None, "after the generation changes")
        for k, v in counts.items():
            if v != len(source):
                f.fail("final %s restored %d rows, source %d" % (k, v, len(source)))
        f.log("ROW a new generation during a restore | %d restores racing a new generation + retention 1s | %d "
              "| 0 rows lost (%d rows) | %d restored every row committed before they started, %d failed with "
              "an error and nothing left, their retries restored every row" %
              (rounds, rounds, len(source), outcomes["ok"], outcomes["error"]))
    finally:
        rig.cleanup()


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    for name, fn in [("race", race), ("generation", generation)]:
        if which in (name, "all"):
            fn()
    f.log("PASS")
