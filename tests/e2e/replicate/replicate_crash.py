#!/usr/bin/env python3
"""Crash safety: kill -9 the replicator at random moments under write load (the writer also runs
wal_checkpoint(TRUNCATE), PASSIVE checkpoints and VACUUM now and then), restart it, and after every
kill restore the replica (alternately with litestream 0.3.13 and with our restore): every
transaction committed at least SYNCED_AFTER seconds before the kill must be there, intact.
At the end a SIGTERM, and the final restore must hold every committed row.

Rounds: HS_CRASH_ROUNDS (default 20; the benchmark script runs more)."""
import os
import random
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import harness as h  # noqa: E402

# sync-interval 200ms and monitor-interval 100ms: what was committed 1.5 s before a kill has had
# several chances to be uploaded, even on a loaded 2-core machine.
SYNCED_AFTER = 1.5


def main():
    ours, litestream = h.binaries()
    rounds = int(os.environ.get("HS_CRASH_ROUNDS", "20"))
    seed = int(os.environ.get("HS_CRASH_SEED", str(int(time.time()))))
    rnd = random.Random(seed)
    h.log("rounds=%d seed=%d" % (rounds, seed))
    s = h.Scratch("crash")
    try:
        db, replica = s.path("app.db"), s.path("replica")
        cfg = s.config("replicator.yml", db, replica, sync_interval="200ms",
                       extra_db="    monitor-interval: 100ms\n    min-checkpoint-page-count: 200\n")
        w = s.writer(db, "writes.log", rate=400, extra="maint")
        time.sleep(0.5)
        restorers = [("litestream", litestream)]
        if h.has_restore(ours):
            restorers.append(("homeserver-replicator", ours))
        generations = set()
        for n in range(rounds):
            rep = s.start([ours, "replicate", "-config", cfg], "replicate.log")
            run_for = rnd.uniform(2.0, 3.5)
            time.sleep(run_for)
            t_kill = time.time()
            os.kill(rep.pid, signal.SIGKILL)
            rep.wait()
            must = h.committed(s.path("writes.log"), before=t_kill - SYNCED_AFTER)
            name, tool = restorers[n % len(restorers)]
            out = s.path("round-%d.db" % n)
            got = h.restore(tool, replica, out, name)
            missing = must - got
            if missing:
                h.fail("round %d (killed after %.2fs): %s restore lacks %d rows committed >= %.1fs before the "
                       "kill, e.g. %s" % (n, run_for, name, len(missing), SYNCED_AFTER, sorted(missing)[:5]))
            generations.update(os.listdir(os.path.join(replica, "generations")))
            for suffix in ("", "-wal", "-shm", ".tmp-wal", ".tmp-shm"):
                if os.path.exists(out + suffix):
                    os.remove(out + suffix)
            h.log("round %d: killed after %.2fs, %s restored %d rows (all %d synced ones), integrity ok"
                  % (n, run_for, name, len(got), len(must)))
        # Graceful end: the final sync must carry every committed row.
        rep = s.start([ours, "replicate", "-config", cfg], "replicate.log")
        time.sleep(2)
        s.stop(w)
        time.sleep(0.2)
        rc = s.stop(rep)
        if rc != 0:
            h.fail("final replicate exited %d" % rc)
        ok, source = h.db_rows(db)
        committed = h.committed(s.path("writes.log"))
        if ok != "ok" or not committed <= source:
            h.fail("source database lost rows or is corrupt")
        for name, tool in restorers:
            got = h.restore(tool, replica, s.path("final-%s.db" % name), name)
            if got != source:
                h.fail("final %s restore: %d rows, source %d; missing %s, extra %s (last committed %d)"
                       % (name, len(got), len(source), sorted(source - got)[:5], sorted(got - source)[:5],
                          max(committed)))
        h.log("final: %d rows restored by %s; %d generation(s) seen" % (len(source), ", ".join(n for n, _ in restorers),
                                                                          len(generations)))
        errors = [l for l in open(s.path("replicate.log")) if "level=ERROR" in l]
        if errors:
            h.log("note: ERROR lines logged (retried, nothing lost):\n" + "".join(errors[:5]))
        h.log("PASS")
    finally:
        s.cleanup()


if __name__ == "__main__":
    main()
