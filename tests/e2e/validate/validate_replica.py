#!/usr/bin/env python3
"""validation-interval (issue 12, item 1) with real processes and a file replica.

1. Healthy: an app writes (with its own checkpoints and VACUUMs now and then) while `replicate`
   validates every INTERVAL: several "validation ok" lines, no "validation failed", no ERROR at
   all, litestream_replica_validation_total{status="ok"} counts them on /metrics.
2. Corrupt (the app still writing, without its maintenance): bytes are flipped in the middle of a WAL segment that lies before the validated
   position (the first segment of the snapshot's index). The next round, within one interval,
   logs ERROR "validation failed" and counts status="error"; replication goes on (new segments
   are still written) and `status -json` shows the failed validation and the error.
Prints the measured seconds from the corruption to the ERROR.
"""
import os
import re
import socket
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "replicate"))
import harness as h  # noqa: E402

INTERVAL = 3.0


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def lines(path, pattern):
    with open(path, errors="replace") as f:
        return [l for l in f if re.search(pattern, l)]


def metric(port, name, labels):
    body = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5).read().decode()
    for l in body.splitlines():
        if l.startswith(name + "{") and all(x in l for x in labels):
            return float(l.rsplit(" ", 1)[1])
    return None


def wait_for(pred, timeout, what):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.2)
    h.fail("timed out after %ds waiting for %s" % (timeout, what))


def main():
    ours, _ = h.binaries()
    s = h.Scratch("validate")
    try:
        db, replica = s.path("app.db"), s.path("replica")
        port = free_port()
        with open(s.path("r.yml"), "w") as f:
            f.write("addr: 127.0.0.1:%d\n" % port)
        cfg = s.config("r.yml.part", db, replica,
                       extra_db="    min-checkpoint-page-count: 64\n    max-checkpoint-page-count: 256\n",
                       extra_replica="        validation-interval: %ds\n" % INTERVAL)
        with open(s.path("r.yml"), "a") as f, open(cfg) as part:
            f.write(part.read())
        cfg = s.path("r.yml")
        import sqlite3
        con = sqlite3.connect(db, isolation_level=None)
        con.execute("PRAGMA journal_mode=wal")
        con.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)")
        con.close()
        rlog = s.path("replicate.log")
        rep = s.start([ours, "replicate", "-config", cfg], "replicate.log")
        w = s.writer(db, "w.log", rate=40, extra="maint")

        # 1. healthy, under writes
        time.sleep(INTERVAL * 6 + 2)
        ok = lines(rlog, r"validation ok")
        bad = lines(rlog, r"validation failed")
        errors = lines(rlog, r"level=ERROR|\"level\":\"ERROR\"")
        skipped = lines(rlog, r"validation skipped")
        h.log("healthy run: %d ok, %d skipped, %d failed, %d ERROR lines, %d rows written" %
              (len(ok), len(skipped), len(bad), len(errors), h.last_id(s.path("w.log"))))
        if bad or errors:
            h.fail("a healthy replica raised: %s" % "".join((bad + errors)[:5]))
        if len(ok) < 3:
            h.fail("expected at least 3 'validation ok' in %.0fs at %.0fs, got %d:\n%s" %
                   (INTERVAL * 6 + 2, INTERVAL, len(ok), open(rlog).read()[-3000:]))
        m_ok = metric(port, "litestream_replica_validation_total", ['status="ok"'])
        if not m_ok or m_ok < len(ok):
            h.fail("litestream_replica_validation_total{status=ok} is %r, want >= %d" % (m_ok, len(ok)))
        h.log("healthy: ok, /metrics counts %d validations ok" % m_ok)
        if not any("elapsed=" in l for l in ok):
            h.fail("'validation ok' lines carry no elapsed=: %s" % ok[0])
        h.log("a healthy round: " + ok[-1].strip())

        # 2. corrupt a WAL segment before the validated position (writes go on, without the app's
        # VACUUMs and TRUNCATE checkpoints, which may start a new generation that no longer reads it)
        s.stop(w)
        w = s.writer(db, "w2.log", start_id=h.last_id(s.path("w.log")) + 1, rate=40)
        time.sleep(2)
        gen = open(s.path(".app.db-litestream", "generation")).read().strip()
        gdir = os.path.join(replica, "generations", gen)
        snaps = sorted(os.listdir(os.path.join(gdir, "snapshots")))
        snap_index = snaps[-1].split(".")[0]
        segs = sorted(x for x in os.listdir(os.path.join(gdir, "wal")) if x.startswith(snap_index + "_"))
        if not segs:
            h.fail("no WAL segment of the snapshot's index %s: %s" % (snap_index, os.listdir(os.path.join(gdir, "wal"))))
        victim = os.path.join(gdir, "wal", segs[0])
        data = bytearray(open(victim, "rb").read())
        for k in range(8):
            data[len(data) // 2 + k] ^= 0xA5
        failed_before = len(lines(rlog, r"validation failed"))
        with open(victim, "r+b") as f:
            f.write(data)
        t0 = time.time()
        h.log("corrupted %s (%d bytes)" % (victim, len(data)))
        wait_for(lambda: len(lines(rlog, r"validation failed")) > failed_before, INTERVAL * 4 + 30,
                 "'validation failed' after the corruption")
        took = time.time() - t0
        line = lines(rlog, r"validation failed")[failed_before]
        h.log("ERROR %.1fs after the corruption (interval %.0fs): %s" % (took, INTERVAL, line.strip()))
        if "ERROR" not in line:
            h.fail("the failure is not logged at ERROR: " + line)
        # Within one interval plus the round's own time (restore of a small database; loaded machine).
        if took > INTERVAL + 10:
            h.fail("the corruption was found after %.1fs, more than one interval (%.0fs) plus 10s" % (took, INTERVAL))
        m_err = metric(port, "litestream_replica_validation_total", ['status="error"'])
        if not m_err or m_err < 1:
            h.fail("litestream_replica_validation_total{status=error} is %r" % m_err)

        # `status` shows the failed validation and the error, from the running replicator.
        import json
        import subprocess
        st = json.loads(subprocess.run([ours, "status", "-config", cfg, "-json"], capture_output=True, text=True,
                                       timeout=60, check=True).stdout)
        x = st["dbs"][0]["replicas"][0]
        if (x["validation"] or {}).get("status") != "failed" or "corrupt" not in (x["validation"].get("detail") or ""):
            fail_status = json.dumps(x)
            h.fail("status -json does not show the failed validation: " + fail_status)
        if not x["last_error"] or x["last_error"]["message"] != "validation failed":
            h.fail("status -json last_error: %s" % x["last_error"])
        h.log("status: validation %s at %s; last error %r" % (x["validation"]["status"], x["validation"]["at"],
                                                              x["last_error"]["message"]))

        # Replication goes on: segments keep being written after the failure.
        written = len(lines(rlog, r"wal segment written"))
        wait_for(lambda: len(lines(rlog, r"wal segment written")) > written + 2, 30, "replication after the failure")
        if rep.poll() is not None:
            h.fail("replicate exited after the validation failure")
        s.stop(w)
        rc = s.stop(rep)
        if rc != 0:
            h.fail("replicate exited %d: %s" % (rc, open(rlog).read()[-2000:]))
        leftovers = [x for x in os.listdir(s.path(".app.db-litestream")) if x.startswith("validate-")]
        if leftovers:
            h.fail("validation temp files left in the meta directory: %s" % leftovers)
        h.log("PASS")
    finally:
        s.cleanup()


if __name__ == "__main__":
    main()
