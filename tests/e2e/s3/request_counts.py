"""S3 requests of a replicator, counted by tests/e2e/s3/s3_proxy.py: ours and litestream 0.3.13 in
the same run, each through its own proxy in front of the same Swift s3api, each replicating its own
database (sync-interval 1s, default retention settings).

Phases: start (first sync), writes (a transaction every `write_pause` seconds for `write_seconds`),
idle (no writes for `idle_seconds`, after `idle_settle` seconds in which the last change and the
checkpoint that follows it within checkpoint-interval are uploaded).
Used by the e2e test s3_idle_requests.py and the bench tests/bench/s3_requests.py."""
import os
import re
import sqlite3
import threading
import time
import urllib.request

from s3_proxy import KINDS, S3Proxy
from s3e2e import REPLICATOR, Proc, log, tempdir

import socket


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def config(s3, endpoint, db, replica_path, addr=None, extra_replica=""):
    top = "addr: 127.0.0.1:%d\n" % addr if addr else ""
    return f"""{top}dbs:
  - path: {db}
    replicas:
      - name: s3
        type: s3
        bucket: {s3.bucket}
        path: {replica_path}
        endpoint: {endpoint}
        region: {s3.region}
        force-path-style: true
        access-key-id: "{s3.access_key_id}"
        secret-access-key: "{s3.secret_access_key}"
        sync-interval: 1s
{extra_replica}"""


def metrics(port):
    """hs_replica_requests_total by kind, from our /metrics."""
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as r:
        text = r.read().decode()
    out = {k: 0 for k in KINDS}
    for m in re.finditer(r'^hs_replica_requests_total\{[^}]*kind="(\w+)"[^}]*\} (\S+)$', text, re.M):
        out[m.group(1)] = out.get(m.group(1), 0) + int(float(m.group(2)))
    return out


class Writer(threading.Thread):
    """One small transaction every `pause` seconds until stop()."""

    def __init__(self, path, pause):
        super().__init__(daemon=True)
        self.path, self.pause, self.halt, self.rows = path, pause, threading.Event(), 0
        con = sqlite3.connect(path, isolation_level=None, timeout=30)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v BLOB)")
        con.execute("INSERT INTO t(v) VALUES (randomblob(200))")
        con.close()
        self.rows = 1

    def run(self):
        con = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        con.execute("PRAGMA busy_timeout=30000")
        while not self.halt.is_set():
            con.execute("INSERT INTO t(v) VALUES (randomblob(200))")
            self.rows += 1
            time.sleep(self.pause)
        con.close()

    def stop(self):
        self.halt.set()
        self.join()


LEASE = "replica-lease.json"  # the one-writer lease object (core/replica_lease.h), counted apart


def lease_counts(proxy, t_from, t_to):
    """Requests for the lease object received in [t_from, t_to), by kind."""
    out = {k: 0 for k in KINDS}
    for t, kind, _method, target, _status in proxy.log():
        if t_from <= t < t_to and LEASE in target:
            out[kind] = out.get(kind, 0) + 1
    return out


def delta(after, before):
    return {k: after.get(k, 0) - before.get(k, 0) for k in KINDS}


class Side:
    """One tool: its proxy, its database, its process."""

    def __init__(self, name, binary, s3, work, metrics_port=None, extra_replica=""):
        self.name = name
        self.proxy = S3Proxy(s3.ports["proxy"]).start()
        self.db = os.path.join(work, name + ".db")
        self.cfg = os.path.join(work, name + ".yml")
        self.metrics_port = metrics_port
        with open(self.cfg, "w") as f:
            # A fresh replica path per run: one generation each, whatever ran before on this bucket.
            f.write(config(s3, self.proxy.endpoint, self.db, "%s-%d" % (name, time.time_ns()), metrics_port,
                           extra_replica))
        self.binary = binary
        self.logfile = os.path.join(work, name + ".log")
        self.proc = None

    def start(self):
        self.proc = Proc([self.binary, "replicate", "-config", self.cfg], self.logfile)

    def stop(self):
        if self.proc:
            self.proc.stop()
        self.proxy.stop()


def measure(s3, litestream_bin, write_seconds=60, idle_seconds=60, write_pause=0.1, settle=5, with_litestream=True,
            extra_replica="", idle_settle=70):
    """Returns {"ours": {...}, "litestream": {...}} with per-phase counts by kind and a check of
    our /metrics against our proxy's counts."""
    work = tempdir()
    sides = [Side("ours", REPLICATOR, s3, work, free_port(), extra_replica)]
    if with_litestream:
        sides.append(Side("litestream", litestream_bin, s3, work, None, extra_replica))
    writers = {s.name: Writer(s.db, write_pause) for s in sides}
    result = {}
    try:
        for s in sides:
            s.start()
        time.sleep(settle)  # first sync: snapshot and the first segment
        start = {s.name: s.proxy.counts() for s in sides}
        t0 = time.time()
        for w in writers.values():
            w.start()
        time.sleep(write_seconds)
        for w in writers.values():
            w.stop()
        t1 = time.time()
        # The last change goes up, and within checkpoint-interval (1m) both tools checkpoint once
        # more and upload that as a segment of the next index: a one-off after the last write, not idle.
        time.sleep(settle)
        after_writes = {s.name: s.proxy.counts() for s in sides}
        time.sleep(max(0, idle_settle - settle))
        before_idle = {s.name: s.proxy.counts() for s in sides}
        log("writes done (%.0fs); idle for %ds" % (t1 - t0, idle_seconds))
        t2 = time.time()
        time.sleep(idle_seconds)
        t3 = time.time()
        end = {s.name: s.proxy.counts() for s in sides}
        for s in sides:
            lease_w = lease_counts(s.proxy, t0, t1 + settle)
            result[s.name] = {
                "writes_lease": lease_w,
                "writes_data": delta(delta(after_writes[s.name], start[s.name]), lease_w),
                "first_sync": start[s.name],
                "writes": delta(after_writes[s.name], start[s.name]),
                "after_writes": delta(before_idle[s.name], after_writes[s.name]),
                "write_seconds": t1 - t0,
                "idle": delta(end[s.name], before_idle[s.name]),
                "idle_seconds": t3 - t2,
                "total": end[s.name],
                "rows": writers[s.name].rows,
            }
        ours = sides[0]
        result["ours"]["metrics"] = metrics(ours.metrics_port)
        result["ours"]["proxy_now"] = ours.proxy.counts()
        for s in sides:
            if not s.proc.alive():
                raise RuntimeError("%s exited early:\n%s" % (s.name, s.proc.text()[-3000:]))
        result["work"] = work
        result["t_idle"] = t2
        result["sides"] = sides
        return result
    finally:
        for s in sides:
            s.stop()


def per_minute(counts, seconds):
    return {k: v * 60.0 / seconds for k, v in counts.items()}
