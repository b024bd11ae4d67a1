#!/usr/bin/env python3
"""A writer hammers a WAL database while `homeserver-replicator replicate` runs (file replica, 1 s
sync); SIGTERM; then the real litestream 0.3.13 restores what we wrote (the compatibility test), and
so does our own restore: every committed row is there and integrity_check says ok."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import harness as h  # noqa: E402


def main():
    ours, litestream = h.binaries()
    s = h.Scratch("compat")
    try:
        db, replica = s.path("app.db"), s.path("replica")
        w = s.writer(db, "writes.log", rate=0)
        time.sleep(0.5)
        cfg = s.config("replicator.yml", db, replica)
        rep = s.start([ours, "replicate", "-config", cfg], "replicate.log")
        time.sleep(6)
        s.stop(w)
        time.sleep(0.3)
        rc = s.stop(rep)
        out = open(s.path("replicate.log")).read()
        if rc != 0:
            h.fail("replicate exited %d after SIGTERM:\n%s" % (rc, out[-3000:]))
        for needle in ["msg=litestream version=", "msg=\"initialized db\" path=" + db, "msg=\"replicating to\" name=file type=file sync-interval=1s path=" + replica,
                       "msg=\"sync: new generation\"", "reason=\"no generation exists\"", "msg=\"snapshot written\"",
                       "msg=\"wal segment written\"", "msg=\"signal received, litestream shutting down\"",
                       "msg=\"litestream shut down\""]:
            if needle not in out:
                h.fail("replicate log lacks %r:\n%s" % (needle, out[-3000:]))
        if re.search(r"level=(WARN|ERROR)", out):
            h.fail("unexpected WARN/ERROR lines:\n" + "\n".join(l for l in out.splitlines() if "level=WARN" in l or "level=ERROR" in l))

        committed = h.committed(s.path("writes.log"))
        ok, source = h.db_rows(db)
        if ok != "ok" or not committed <= source:
            h.fail("source database lost rows or is corrupt")
        h.log("committed rows: %d, source rows: %d" % (len(committed), len(source)))
        segments = sum(len(f) for _, _, f in os.walk(os.path.join(replica, "generations")))
        h.log("replica objects: %d" % segments)

        got = h.restore(litestream, replica, s.path("by-litestream.db"), "litestream")
        if got != source:
            h.fail("litestream restored %d rows, source has %d (missing %d)" % (len(got), len(source), len(source - got)))
        h.log("litestream 0.3.13 restored all %d rows, integrity ok" % len(got))
        if h.has_restore(ours):
            got = h.restore(ours, replica, s.path("by-ours.db"), "homeserver-replicator")
            if got != source:
                h.fail("our restore gave %d rows, source has %d" % (len(got), len(source)))
            h.log("homeserver-replicator restored all %d rows, integrity ok" % len(got))
        else:
            h.log("note: our restore command is not built yet; litestream restore checked only")
        h.log("PASS")
    finally:
        s.cleanup()


if __name__ == "__main__":
    main()
