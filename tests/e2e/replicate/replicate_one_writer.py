#!/usr/bin/env python3
"""One writer per replica (issue 12 item 6), with real processes on a file replica and on Swift s3api.

Several homeserver-replicator processes replicate the same database (each with a meta directory of
its own, as two pods of a rollout would have) to the same replica path, lease-ttl 4s, a writer
committing all along:
  1. A holds the lease; B waits: WARN at once, ERROR after 2 x TTL, and writes nothing.
  2. A stops (SIGTERM): it releases the lease and B takes over within about TTL/4 + settle.
  3. B is frozen (SIGSTOP: a pod on a partitioned node); C waits, then takes over once B's lease
     expires. B resumed (SIGCONT) finds it lost the lease (ERROR) and stops writing.
  4. C is killed (kill -9) and restarted on its meta directory: the lease of the gone process is
     taken over at once, not after a TTL.
Throughout, the write periods of the processes (from their JSON logs, ms precision) never overlap
and the generations' time ranges in `generations` are disjoint. With the lease object present, our
`generations` and `snapshots` list as before and litestream 0.3.13 and our restore return every row.

HS_ONE_WRITER_BACKENDS=file,s3 (default both; s3 is skipped when Swift is not installed)."""
import calendar
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.environ.get("HS_SOURCE_DIR", "."), "tests", "support"))
import harness as h  # noqa: E402

TTL = 4.0
WRITES = ("write snapshot", "write wal segment")


def events(path):
    """(unix time, level, msg, record) of every JSON log line of a process."""
    out = []
    if not os.path.exists(path):
        return out
    for line in open(path, errors="replace"):
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            r = json.loads(line)
        except ValueError:
            continue
        t = r.get("time", "")
        try:
            ts = calendar.timegm(time.strptime(t[:19], "%Y-%m-%dT%H:%M:%S"))
            frac = t[19:].rstrip("Z")
            if frac.startswith("."):
                ts += float("0" + frac.split("+")[0].split("-")[0])
        except ValueError:
            continue
        out.append((ts, r.get("level", ""), r.get("msg", ""), r))
    return out


def wait_for(path, msg, timeout, level=None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        for ts, lv, m, _ in events(path):
            if m == msg and (level is None or lv == level):
                return ts
        time.sleep(0.2)
    h.fail("%s: no %r within %.0fs:\n%s" % (os.path.basename(path), msg, timeout, open(path).read()[-3000:]))


def count(path, msg, after=0.0):
    return sum(1 for ts, _, m, _ in events(path) if m == msg and ts >= after)


def write_times(path):
    return [ts for ts, _, m, _ in events(path) if m in WRITES]


class Setup:
    def __init__(self, s, backend, s3):
        self.s, self.backend, self.s3 = s, backend, s3
        self.db = s.path("app.db")
        self.replica = s.path("replica")

    def config(self, name):
        meta = self.s.path("meta-" + name)
        head = "logging:\n  type: json\n"
        if self.backend == "s3":
            head += "access-key-id: %s\nsecret-access-key: %s\n" % (self.s3.access_key_id, self.s3.secret_access_key)
            rep = ("      - name: s3\n        type: s3\n        bucket: %s\n        path: app\n        endpoint: %s\n"
                   "        region: us-east-1\n        force-path-style: true\n" % (self.s3.bucket, self.s3.endpoint))
        else:
            rep = "      - type: file\n        path: %s\n" % self.replica
        rep += "        sync-interval: 1s\n        lease-ttl: %gs\n" % TTL
        p = self.s.path("%s.yml" % name)
        with open(p, "w") as f:
            f.write(head + "dbs:\n  - path: %s\n    meta-path: %s\n    replicas:\n%s" % (self.db, meta, rep))
        return p

    def start(self, ours, name):
        return self.s.start([ours, "replicate", "-config", self.config(name)], "%s.log" % name)

    def log(self, name):
        return self.s.path("%s.log" % name)


def generations(ours, cfg, db):
    r = subprocess.run([ours, "generations", "-config", cfg, db], capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        h.fail("generations failed with the lease object present: %s%s" % (r.stdout, r.stderr))
    rows = []
    for line in r.stdout.splitlines()[1:]:
        f = line.split()
        if len(f) == 5:
            rows.append((f[1], f[3], f[4]))  # generation, start, end
    return rows


def run(backend, ours, litestream, s3):
    h.log("=== backend %s ===" % backend)
    s = h.Scratch("one-writer-" + backend)
    try:
        st = Setup(s, backend, s3)
        w = s.writer(st.db, "writes.log", rate=40)
        time.sleep(0.5)

        # 1. A holds the lease, B waits and writes nothing.
        a = st.start(ours, "a")
        wait_for(st.log("a"), "replica lease acquired", 20)
        wait_for(st.log("a"), "wal segment written", 20)
        b = st.start(ours, "b")
        t_warn = wait_for(st.log("b"), "replica lease held by another replicator, waiting", 20, "WARN")
        h.log("B waits (WARN) as A holds the lease")
        wait_for(st.log("b"), "replica lease still held by another replicator: two replicators are set up for this replica",
                 2 * TTL + 10, "ERROR")
        t_err = [ts for ts, lv, m, _ in events(st.log("b")) if lv == "ERROR"][0]
        if t_err - t_warn < 2 * TTL - 1:
            h.fail("B's ERROR came %.1fs after its WARN, want about 2 x TTL" % (t_err - t_warn))
        h.log("B's ERROR %.1fs after its WARN" % (t_err - t_warn))
        if write_times(st.log("b")):
            h.fail("B wrote to the replica while A held the lease:\n" + open(st.log("b")).read()[-2000:])
        cfg_a = st.config("a")
        if len(generations(ours, cfg_a, st.db)) != 1:
            h.fail("two generations while A holds the lease: %s" % generations(ours, cfg_a, st.db))

        # 2. A stops and releases; B takes over quickly.
        t_stop = time.time()
        s.stop(a)
        if count(st.log("a"), "replica lease released") != 1:
            h.fail("A did not release its lease on SIGTERM:\n" + open(st.log("a")).read()[-2000:])
        t_b = wait_for(st.log("b"), "replica lease acquired", 20)
        wait_for(st.log("b"), "wal segment written", 20)
        h.log("B took over %.1fs after A was signalled (released lease)" % (t_b - t_stop))
        if t_b - t_stop > 2 * TTL:  # TTL/4 poll + 1 s settle + a sync interval, on a loaded machine
            h.fail("B waited %.1fs for a released lease (TTL %gs)" % (t_b - t_stop, TTL))

        # 3. B frozen: C waits, then takes the expired lease; B resumed stops writing.
        time.sleep(1.5)
        os.kill(b.pid, signal.SIGSTOP)
        t_freeze = time.time()
        c = st.start(ours, "c")
        wait_for(st.log("c"), "replica lease held by another replicator, waiting", 20, "WARN")
        t_c = wait_for(st.log("c"), "replica lease acquired", 3 * TTL + 10)
        h.log("C took over %.1fs after B froze (expired lease, TTL %gs)" % (t_c - t_freeze, TTL))
        if t_c - t_freeze < TTL / 2:
            h.fail("C took B's lease %.1fs after B froze: before it could have expired" % (t_c - t_freeze))
        wait_for(st.log("c"), "wal segment written", 20)
        t_resume = time.time()
        os.kill(b.pid, signal.SIGCONT)
        wait_for(st.log("b"), "replica lease lost to another replicator, no longer writing to the replica", 20, "ERROR")
        time.sleep(3)
        late = [t for t in write_times(st.log("b")) if t >= t_resume - 0.5]
        # A write already past its lease check when B froze may complete on resume (the documented
        # window); nothing after that.
        if len(late) > 1:
            h.fail("B wrote %d times after it was resumed with C holding the lease" % len(late))
        s.stop(b)  # a waiter: its final sync cannot write, exit status not checked

        # 4. C killed, restarted on the same meta directory: no TTL wait.
        time.sleep(1)
        s.stop(c, sig=signal.SIGKILL)
        t_kill = time.time()
        os.rename(st.log("c"), st.log("c-killed"))
        c2 = st.start(ours, "c")
        t_c2 = wait_for(st.log("c"), "replica lease acquired", 20)
        taken = [r for _, _, m, r in events(st.log("c")) if m == "replica lease taken over"]
        if not taken or taken[0].get("reason") != "owner process gone":
            h.fail("restarted C did not take the dead process's lease as gone: %s" % taken)
        h.log("restarted C took over %.1fs after kill -9 (owner process gone)" % (t_c2 - t_kill))
        if t_c2 - t_kill > 2 * TTL:  # the reason above tells it from an expiry; this only bounds it
            h.fail("restart after kill -9 waited %.1fs (TTL %gs)" % (t_c2 - t_kill, TTL))
        wait_for(st.log("c"), "wal segment written", 20)
        time.sleep(1.5)

        # Never two writers at once: the write periods of the processes do not overlap.
        periods = []
        for name in ("a", "b", "c-killed", "c"):
            ts = write_times(st.log(name))
            if name == "b":
                ts = [t for t in ts if t < t_freeze]
            if ts:
                periods.append((min(ts), max(ts), name))
        periods.sort()
        for (s1, e1, n1), (s2, e2, n2) in zip(periods, periods[1:]):
            if s2 < e1:
                h.fail("%s wrote from %.3f while %s wrote until %.3f" % (n2, s2, n1, e1))
        h.log("write periods in order, disjoint: %s" % ", ".join(
            "%s %.1fs" % (n, e - b0) for b0, e, n in periods))

        # The lease object is there; our listings and both tools' restores ignore it.
        if backend == "file":
            if not os.path.exists(os.path.join(st.replica, "replica-lease.json")):
                h.fail("no lease object in the file replica while C runs")
        gens = generations(ours, cfg_a, st.db)
        spans = sorted((start, end, g) for g, start, end in gens)
        for (s1, e1, g1), (s2, e2, g2) in zip(spans, spans[1:]):
            if s2 < e1:
                h.fail("generations %s and %s overlap in time: %s" % (g1, g2, spans))
        h.log("%d generations, time ranges disjoint" % len(gens))
        snaps = subprocess.run([ours, "snapshots", "-config", cfg_a, st.db], capture_output=True, text=True)
        if snaps.returncode != 0 or len(snaps.stdout.splitlines()) < 2:
            h.fail("snapshots with the lease object present: %s%s" % (snaps.stdout, snaps.stderr))

        s.stop(w)
        time.sleep(1.5)  # C uploads the writer's last transactions (lease still held)
        ok, source = h.db_rows(st.db)
        for name, tool in [("litestream", litestream), ("homeserver-replicator", ours)]:
            out = s.path("restored-%s.db" % name)
            r = subprocess.run([tool, "restore", "-config", cfg_a, "-o", out, st.db], capture_output=True, text=True,
                               timeout=300)
            if r.returncode != 0:
                h.fail("%s restore with the lease object present failed: %s%s" % (name, r.stdout, r.stderr))
            rok, got = h.db_rows(out)
            if rok != "ok" or got != source:
                h.fail("%s restore: integrity %r, %d rows, source %d" % (name, rok, len(got), len(source)))
            h.log("%s restored all %d rows with the lease object present" % (name, len(got)))
        s.stop(c2)
        if count(st.log("c"), "replica lease released") != 1:
            h.fail("restarted C did not release its lease")
    finally:
        s.cleanup()


def main():
    ours, litestream = h.binaries()
    backends = os.environ.get("HS_ONE_WRITER_BACKENDS", "file,s3").split(",")
    ran = 0
    for backend in backends:
        if backend == "file":
            run("file", ours, litestream, None)
            ran += 1
        elif backend == "s3":
            try:
                from s3server import S3Server, Skip  # noqa: E402
            except ImportError as e:
                h.log("s3 skipped: tests/support/s3server.py not importable (%s)" % e)
                continue
            s3 = S3Server()
            try:
                try:
                    s3.start()
                except Skip as e:
                    h.log("s3 skipped: %s" % e)
                    continue
                run("s3", ours, litestream, s3)
                ran += 1
            finally:
                s3.stop()
    if not ran:
        h.log("SKIPPED: no backend ran")
        sys.exit(h.SKIP)
    h.log("PASS")


if __name__ == "__main__":
    main()
