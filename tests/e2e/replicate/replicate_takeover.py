#!/usr/bin/env python3
"""Takeover both ways on the same database, meta directory and replica while a writer keeps going:
litestream 0.3.13 replicates, then homeserver-replicator continues, then litestream again. After
each handover both tools restore every committed row. The shadow-WAL layout is shared, so when the
WAL was not restarted in between the next tool continues the same generation (reported)."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import harness as h  # noqa: E402


def generation_of(s, log_name):
    out = open(s.path(log_name)).read()
    return re.findall(r'msg="sync: new generation".*?generation=(\w+) reason="([^"]*)"', out)


def main():
    ours, litestream = h.binaries()
    s = h.Scratch("takeover")
    try:
        db, replica = s.path("app.db"), s.path("replica")
        cfg = s.config("replicator.yml", db, replica)
        w = s.writer(db, "writes.log", rate=300)
        time.sleep(0.5)
        restorers = [("litestream", litestream)] + ([("homeserver-replicator", ours)] if h.has_restore(ours) else [])
        phases = [("litestream", litestream), ("homeserver-replicator", ours), ("litestream", litestream),
                  ("homeserver-replicator", ours)]
        for i, (name, tool) in enumerate(phases):
            log_name = "phase-%d-%s.log" % (i, name)
            rep = s.start([tool, "replicate", "-config", cfg], log_name)
            time.sleep(4)
            last = i == len(phases) - 1
            if last:
                s.stop(w)
                time.sleep(0.2)
            t_stop = time.time()
            rc = s.stop(rep)
            text = open(s.path(log_name)).read()
            if rc != 0 and name == "litestream" and "context canceled" in text:
                # litestream 0.3.13's own shutdown bug: its final checkpoint runs with an already
                # cancelled context. Its final sync had completed; the restores below check that.
                h.log("note: litestream exited %d on its known 'context canceled' close error" % rc)
            elif rc != 0:
                h.fail("%s replicate exited %d:\n%s" % (name, rc, open(s.path(log_name)).read()[-2000:]))
            new_gens = generation_of(s, log_name)
            h.log("phase %d: %s replicated; new generations: %s" % (i, name, new_gens or "none (continued)"))
            # Graceful stop: everything committed before the stop signal is in the replica.
            must = h.committed(s.path("writes.log"), before=t_stop)
            for rname, rtool in restorers:
                out = s.path("phase-%d-by-%s.db" % (i, rname))
                got = h.restore(rtool, replica, out, rname)
                if not must <= got:
                    h.fail("after %s's phase %d, %s restore lacks %d committed rows" % (name, i, rname, len(must - got)))
                h.log("  %s restored %d rows (>= %d committed before the stop), integrity ok" % (rname, len(got), len(must)))
        ok, source = h.db_rows(db)
        for rname, rtool in restorers:
            got = h.restore(rtool, replica, s.path("final-%s.db" % rname), rname)
            if got != source:
                h.fail("final %s restore: %d rows, source %d" % (rname, len(got), len(source)))
        h.log("final: both tools restore all %d rows" % len(source))
        h.log("PASS")
    finally:
        s.cleanup()


if __name__ == "__main__":
    main()
