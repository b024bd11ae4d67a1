#!/usr/bin/env python3
"""Issue 14, the S3 rows of the fault matrix: S3 misbehaving for every request kind, during
replicate and during restore, through tests/e2e/s3/s3_proxy.py in front of a real Swift s3api.

  s3_faults.py replicate   a writer commits through sqlite3 (busy_timeout, small transactions) while
                           our replicator replicates at 1 s sync with retention 6s / check every 3s,
                           so PUT, LIST, GET (position recovery after a failed sync or a restart) and
                           DELETE (retention) all happen; for each kind x fault a round injects the
                           fault (a few times: absorbed by retries; or more times than the retry
                           budget: the sync fails with an ERROR and the next one recovers)
  s3_faults.py restore     restores the replica of a short replicate run with each kind x fault
                           (LIST and GET are all a restore sends): absorbed faults must still give
                           every row; persistent ones a clear error and no file, no temp file
  s3_faults.py outage      60 s with every request dropped (HS_OUTAGE_SECONDS) in the middle of writes

What must hold (every phase): every transaction committed before the final sync is in the restore
(ours and litestream 0.3.13's), PRAGMA integrity_check ok, no temp files in the restore directory,
the replicator still running (then exits 0 on SIGTERM), and clock skew reported as a clock problem.
Prints one table row per (fault, kind, phase) for docs/operations.md ("What we survive")."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "replicate"))
import harness as h  # noqa: E402
from s3_proxy import S3Proxy  # noqa: E402
from s3e2e import litestream, start_s3  # noqa: E402

FAULTS = ["503", "500", "drop", "stall", "truncate", "skew"]
STALL = float(os.environ.get("HS_STALL_SECONDS", "20"))
ATTEMPTS = 5  # the client's retry budget (storage/s3/s3_options.h)
FULL = os.environ.get("HS_FAULTS_FULL") == "1"


def cfg_text(s3, endpoint, db, path, extra="", db_extra=""):
    return (("dbs:\n  - path: %s\n" + db_extra + "    replicas:\n      - name: s3\n        type: s3\n        bucket: %s\n"
            "        path: %s\n        endpoint: %s\n        region: us-east-1\n        force-path-style: true\n"
            "        access-key-id: \"%s\"\n        secret-access-key: \"%s\"\n        sync-interval: 1s\n%s") %
            (db, s3.bucket, path, endpoint, s3.access_key_id, s3.secret_access_key, extra))


class Run:
    def __init__(self, name):
        self.s = h.Scratch("s3-faults-" + name)
        self.s3 = start_s3("faults-" + name)
        self.proxy = S3Proxy(self.s3.ports["proxy"]).start()
        self.db = self.s.path("app.db")
        self.rows = []  # (fault, kind, phase, rounds, injected, lost)
        self.rep = None

    def config(self, name, endpoint, extra="", db_extra=""):
        p = self.s.path(name)
        with open(p, "w") as f:
            f.write(cfg_text(self.s3, endpoint, self.db, "app", extra, db_extra))
        return p

    def start_replicator(self, cfg):
        self.rep = self.s.start([OURS, "replicate", "-config", cfg], "replicate.log")

    def restart_replicator(self, cfg):
        rc = self.s.stop(self.rep)
        if rc != 0:
            h.fail("replicate exited %d on SIGTERM:\n%s" % (rc, self.log()[-3000:]))
        self.start_replicator(cfg)

    def log(self):
        return open(self.s.path("replicate.log"), errors="replace").read()

    def alive(self):
        if self.rep.poll() is not None:
            h.fail("the replicator exited (%s) during a fault:\n%s" % (self.rep.returncode, self.log()[-3000:]))

    def wait_injected(self, rule, want, timeout):
        deadline = time.time() + timeout
        while rule_count(self.proxy, rule) < want and time.time() < deadline:
            time.sleep(0.2)
        return rule_count(self.proxy, rule)

    def restore_check(self, tool, name, want, cfg):
        out_dir = self.s.path("restore-%s-%d" % (name, time.time_ns()))
        os.mkdir(out_dir)
        out = os.path.join(out_dir, "app.db")
        r = subprocess.run([tool, "restore", "-config", cfg, "-o", out, self.db], capture_output=True, text=True,
                           timeout=600)
        if r.returncode != 0:
            h.fail("%s restore failed (%d): %s%s" % (name, r.returncode, r.stdout, r.stderr))
        # Before opening it: opening a WAL database creates its -wal and -shm.
        left = sorted(set(os.listdir(out_dir)) - {"app.db"})
        if left and name == "litestream":
            # litestream 0.3.13 leaves the -shm/-wal of its <out>.tmp behind: its bug, noted, not ours.
            h.log("litestream restore left %s (a known litestream 0.3.13 behaviour)" % left)
        elif left:
            h.fail("%s restore left files behind: %s" % (name, left))
        ok, ids = h.db_rows(out)
        if ok != "ok":
            h.fail("%s restore: integrity_check %r" % (name, ok))
        missing = want - ids
        if missing:
            h.fail("%s restore: %d committed rows missing (e.g. %s)" % (name, len(missing), sorted(missing)[:5]))
        return len(ids)

    def cleanup(self):
        self.proxy.stop()
        self.s.cleanup()
        self.s3.stop()


def rule_count(proxy, rule):
    with proxy.lock:
        return rule["injected"]


def add(proxy, kind, fault, times):
    rule = proxy.add_rule(kind=kind, fault=fault, times=times, seconds=STALL)
    # add_rule returns the stored dict: its "injected" is updated in place
    return rule


def finish(run, writer, direct_cfg, phase):
    """Stops the writer and the replicator (final sync) and restores with both tools."""
    run.s.stop(writer)
    time.sleep(1.5)
    run.alive()
    rc = run.s.stop(run.rep)
    if rc != 0:
        h.fail("replicate exited %d on SIGTERM after the faults:\n%s" % (rc, run.log()[-3000:]))
    want = h.committed(run.s.path("writes.log"))
    n_ours = run.restore_check(OURS, "ours", want, direct_cfg)
    n_ls = run.restore_check(LITESTREAM, "litestream", want, direct_cfg)
    h.log("%s: %d committed rows; restored ours %d, litestream %d, integrity ok, no temp files" %
          (phase, len(want), n_ours, n_ls))
    errors = [l for l in run.log().splitlines() if "level=ERROR" in l]
    return errors


def phase_replicate():
    run = Run("replicate")
    try:
        extra = "        retention: 6s\n        retention-check-interval: 3s\n"
        # Frequent checkpoints: retention deletes only below a new WAL index, so DELETEs come often.
        cfg = run.config("proxied.yml", run.proxy.endpoint, extra, "    min-checkpoint-page-count: 100\n")
        direct = run.config("direct.yml", run.s3.endpoint)
        writer = run.s.writer(run.db, "writes.log", rate=30)
        time.sleep(0.5)
        run.start_replicator(cfg)
        time.sleep(5)
        for kind in ["PUT", "LIST", "DELETE", "GET"]:
            for fault in FAULTS:
                # skew is not retried (a clock does not fix itself in seconds): once is an error.
                # CI's full lane runs every kind x fault, but the rows past the retry budget and the
                # 20 s stalls only for PUT (the upload path); HS_FAULTS_FULL=1 runs the whole matrix
                # (the table in docs/operations.md), ~3 min longer.
                if fault == "stall" and kind != "PUT" and not FULL:
                    continue
                over = [ATTEMPTS + 2] if FULL or kind == "PUT" else []
                for times in ([2] + over if fault not in ("stall", "skew") else [1]):
                    rule = add(run.proxy, kind, fault, times)
                    if kind == "GET":
                        run.restart_replicator(cfg)  # position recovery reads the last segment back
                    want = min(times, 1 if fault == "stall" else times)
                    got = run.wait_injected(rule, want, 60 + STALL)
                    if got == 0:
                        h.fail("replicate: no %s request came for the %s fault within %ds" % (kind, fault, 60 + STALL))
                    time.sleep(STALL + 2 if fault == "stall" else 2)
                    run.alive()
                    run.proxy.clear_rules()
                    run.rows.append((fault, kind, "replicate", 1, got, times))
                    h.log("replicate %-6s %-9s x%d: injected %d, replicator running" % (kind, fault, times, got))
        errors = finish(run, writer, direct, "replicate")
        skew = [l for l in errors if "RequestTimeTooSkewed" in l]
        if not skew or "clock skew" not in skew[0]:
            h.fail("clock skew not reported as such in an ERROR line: %s" % (skew[:1] or errors[:3]))
        h.log("clock skew reported: %s" % skew[0][:300])
        table(run.rows)
    finally:
        run.cleanup()


def phase_restore():
    run = Run("restore")
    try:
        cfg = run.config("direct.yml", run.s3.endpoint)
        proxied = run.config("proxied.yml", run.proxy.endpoint)
        writer = run.s.writer(run.db, "writes.log", rate=50)
        time.sleep(0.5)
        run.start_replicator(cfg)
        time.sleep(6)
        run.s.stop(writer)
        time.sleep(2)
        if run.s.stop(run.rep) != 0:
            h.fail("replicate did not exit 0:\n" + run.log()[-2000:])
        want = h.committed(run.s.path("writes.log"))
        h.log("replica ready: %d rows" % len(want))
        for kind in ["LIST", "GET"]:
            for fault in FAULTS:
                for times in [2, 1000]:
                    if fault in ("stall", "skew") and times == 2:
                        continue
                    rule = add(run.proxy, kind, fault, 1 if fault == "stall" else times)
                    out_dir = run.s.path("r-%s-%s-%d" % (kind, fault, times))
                    os.mkdir(out_dir)
                    out = os.path.join(out_dir, "app.db")
                    t0 = time.time()
                    r = subprocess.run([OURS, "restore", "-config", proxied, "-o", out, run.db], capture_output=True,
                                       text=True, timeout=900)
                    took = time.time() - t0
                    run.proxy.clear_rules()
                    got = rule_count(run.proxy, rule)
                    if got == 0:
                        h.fail("restore: no %s request met the %s fault" % (kind, fault))
                    left = sorted(os.listdir(out_dir))
                    persistent = times > ATTEMPTS and fault != "stall"
                    if persistent:
                        if r.returncode == 0:
                            h.fail("restore succeeded with %s %s on every request" % (kind, fault))
                        msg = (r.stdout + r.stderr).strip().splitlines()
                        err = [l for l in msg if "ERROR" in l or "error" in l] or msg
                        if left:
                            h.fail("failed restore (%s %s) left files: %s" % (kind, fault, left))
                        if fault == "skew" and "clock skew" not in (r.stdout + r.stderr):
                            h.fail("restore under clock skew: error does not say so: %s" % err[-1:])
                        h.log("restore %-4s %-9s always: exit %d in %.1fs, nothing left, %s" %
                              (kind, fault, r.returncode, took, err[-1][:200] if err else ""))
                        run.rows.append((fault + " (every request)", kind, "restore", 1, got, "clear error"))
                    else:
                        if r.returncode != 0:
                            h.fail("restore with %s %s x%d failed: %s%s" % (kind, fault, times, r.stdout, r.stderr))
                        ok, ids = h.db_rows(out)
                        if ok != "ok" or want - ids:
                            h.fail("restore with %s %s: integrity %r, %d rows missing" % (kind, fault, ok,
                                                                                       len(want - ids)))
                        if left != ["app.db"]:
                            h.fail("restore with %s %s left files: %s" % (kind, fault, left))
                        h.log("restore %-4s %-9s x%d: all %d rows in %.1fs" % (kind, fault, got, len(ids), took))
                        run.rows.append((fault, kind, "restore", 1, got, 0))
        # A download that goes silent mid-body for longer than the client's 60 s low-speed limit: the
        # client gives up on that attempt by itself (not when the proxy finally closes, at 90 s) and
        # resumes the rest with a Range request.
        rule = run.proxy.add_rule(kind="GET", fault="stall-body", times=1, seconds=90, match="snapshots/")
        out_dir = run.s.path("r-GET-silent-body")
        os.mkdir(out_dir)
        out = os.path.join(out_dir, "app.db")
        t0 = time.time()
        r = subprocess.run([OURS, "restore", "-config", proxied, "-o", out, run.db], capture_output=True, text=True,
                           timeout=900)
        took = time.time() - t0
        run.proxy.clear_rules()
        if rule_count(run.proxy, rule) != 1 or r.returncode != 0:
            h.fail("restore with a silent snapshot body: injected %d, exit %d: %s%s" %
                   (rule_count(run.proxy, rule), r.returncode, r.stdout, r.stderr))
        left = sorted(os.listdir(out_dir))
        ok, ids = h.db_rows(out)
        if ok != "ok" or want - ids or left != ["app.db"]:
            h.fail("restore with a silent snapshot body: integrity %r, %d rows missing, files %s" %
                   (ok, len(want - ids), left))
        if not 55 <= took < 85:
            h.fail("restore with a body silent for 90 s took %.1fs: want the 60 s low-speed limit to end the attempt"
                   % took)
        h.log("restore GET  body silent 90s: attempt abandoned by the low-speed limit, resumed, all rows in %.1fs" % took)
        run.rows.append(("body silent for 90 s mid-download", "GET", "restore", 1, 1, 0))
        table(run.rows)
    finally:
        run.cleanup()


def phase_outage():
    outage = float(os.environ.get("HS_OUTAGE_SECONDS", "60"))
    run = Run("outage")
    try:
        cfg = run.config("proxied.yml", run.proxy.endpoint)
        direct = run.config("direct.yml", run.s3.endpoint)
        writer = run.s.writer(run.db, "writes.log", rate=30)
        time.sleep(0.5)
        run.start_replicator(cfg)
        time.sleep(5)
        rule = run.proxy.add_rule(kind="*", fault="drop", duration=outage)
        h.log("S3 drops every connection for %.0fs" % outage)
        time.sleep(outage)
        run.alive()
        t_back = time.time()
        deadline = t_back + 60
        while time.time() < deadline:
            back = [e for e in run.proxy.log() if e[0] > t_back and e[1] == "PUT" and e[4] == 200]
            if back:
                break
            time.sleep(0.5)
        else:
            h.fail("no successful PUT within 60s after the outage:\n" + run.log()[-3000:])
        h.log("replication resumed %.1fs after S3 came back" % (back[0][0] - t_back))
        errors = finish(run, writer, direct, "outage")
        if not errors:
            h.fail("no ERROR logged during a %.0fs outage" % outage)
        run.rows.append(("%.0f s outage (all dropped)" % outage, "all", "replicate", 1, rule["injected"], 0))
        table(run.rows)
    finally:
        run.cleanup()


def table(rows):
    print("\n| fault | kind | phase | rounds | injected | rows lost |")
    print("|---|---|---|---|---|---|")
    merged = {}
    for fault, kind, phase, rounds, injected, lost in rows:
        lost = 0 if lost not in ("clear error",) else lost
        key = (fault, kind, phase)
        r = merged.setdefault(key, [0, 0, lost])
        r[0] += rounds
        r[1] += injected
    for (fault, kind, phase), (rounds, injected, lost) in merged.items():
        print("| %s | %s | %s | %d | %d | %s |" % (fault, kind, phase, rounds, injected, lost))
    print()
    h.log("PASS")


if __name__ == "__main__":
    OURS, LITESTREAM = h.binaries()
    LITESTREAM = litestream()
    phase = sys.argv[1] if len(sys.argv) > 1 else "replicate"
    {"replicate": phase_replicate, "restore": phase_restore, "outage": phase_outage}[phase]()
