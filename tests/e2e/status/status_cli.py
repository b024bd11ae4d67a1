#!/usr/bin/env python3
"""`status` (issue 12, item 3) against a running and a stopped replicator, a file replica and a
Swift s3api replica (started here, loopback), both with validation-interval.

Running: text and -json show for each replica its position, last sync (and age), lag, the last
validation ("ok"), and the database's generation and shadow-WAL bytes; -remote adds each replica's
generations and stored bytes from its listing. Stopped: status says the replicator is not reachable,
exits 0 and still prints what the meta directory says. A bad flag names the flag.
"""
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "s3"))
from s3e2e import REPLICATOR, Proc, fail, log, s3_config, skip, start_s3, tempdir  # noqa: E402


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def status(cfg, *args, ok=True):
    r = subprocess.run([REPLICATOR, "status", "-config", cfg, *args], capture_output=True, text=True, timeout=60)
    if ok and r.returncode != 0:
        fail("status %s exited %d: %s%s" % (" ".join(args), r.returncode, r.stdout, r.stderr))
    return r


def main():
    if not os.access(REPLICATOR, os.X_OK):
        skip("%s not built" % REPLICATOR)
    d = tempdir()
    s3 = start_s3("statusbucket")
    try:
        db = os.path.join(d, "app.db")
        con = sqlite3.connect(db, isolation_level=None)
        con.execute("PRAGMA journal_mode=wal")
        con.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)")
        for i in range(20):
            con.execute("INSERT INTO t(v) VALUES(randomblob(2000))")
        port = free_port()
        cfg = os.path.join(d, "r.yml")
        text = s3_config(s3, db, "status", extra="        name: swift\n        validation-interval: 2s\n")
        text += ("      - type: file\n        name: local\n        path: %s\n        sync-interval: 1s\n"
                 "        validation-interval: 2s\n" % os.path.join(d, "replica"))
        with open(cfg, "w") as f:
            f.write("addr: 127.0.0.1:%d\n" % port + text)
        rep = Proc([REPLICATOR, "replicate", "-config", cfg], os.path.join(d, "replicate.log"))

        # Until both replicas have synced and validated once.
        end, doc = time.time() + 60, None
        while time.time() < end:
            r = status(cfg, "-json", ok=False)
            if r.returncode == 0:
                doc = json.loads(r.stdout)
                reps = doc["dbs"][0]["replicas"]
                if doc["replicator"]["reachable"] and all(
                        x["last_sync"] and (x["validation"] or {}).get("status") == "ok" for x in reps):
                    break
            time.sleep(0.5)
        else:
            fail("replicas never synced and validated: %s\n%s" % (json.dumps(doc, indent=1), rep.text()[-3000:]))
        log("status -json: %s" % json.dumps(doc)[:600])
        dbj = doc["dbs"][0]
        if dbj["path"] != db or not dbj["generation"] or dbj["shadow_wal_bytes"] <= 0:
            fail("database facts wrong: %s" % dbj)
        if doc["replicator"]["pid"] != rep.p.pid:
            fail("pid %s is not the replicator's" % doc["replicator"]["pid"])
        for x in dbj["replicas"]:
            if not x["position"] or not x["position"].startswith(dbj["generation"] + "/"):
                fail("replica %s position %r not in generation %s" % (x["name"], x["position"], dbj["generation"]))
            if x["lag_seconds"] > 5 or x["last_sync_age_seconds"] is None or x["last_sync_age_seconds"] > 30:
                fail("replica %s lag/age implausible: %s" % (x["name"], x))
            if x["last_error"] is not None:
                fail("replica %s has an error: %s" % (x["name"], x["last_error"]))
        names = sorted(x["name"] for x in dbj["replicas"])
        if names != ["local", "swift"]:
            fail("replicas %s" % names)

        out = status(cfg).stdout
        log("status:\n" + out)
        for want in ["replicator: running", "local", "swift", dbj["generation"], " ok "]:
            if want not in out:
                fail("status text lacks %r:\n%s" % (want, out))
        header = [l for l in out.splitlines() if l.startswith("db ") and "replica" in l]
        if not header or not all(c in header[0] for c in ["position", "last-sync", "age", "lag", "validation"]):
            fail("replica table header: %s" % header)

        rj = json.loads(status(cfg, "-json", "-remote").stdout)
        for x in rj["dbs"][0]["replicas"]:
            m = x["remote"]
            if m.get("error") or dbj["generation"] not in m["generations"] or m["size_bytes"] <= 0:
                fail("-remote for %s: %s" % (x["name"], m))
            log("-remote %s: %d generation(s), %d bytes, %d snapshots, %d segments" %
                (x["name"], len(m["generations"]), m["size_bytes"], m["snapshots"], m["wal_segments"]))
        rt = status(cfg, "-remote").stdout
        if "replica-bytes" not in rt:
            fail("-remote text lacks replica-bytes:\n" + rt)

        # Stopped replicator: local facts only, said clearly, exit 0.
        rc = rep.stop()
        if rc != 0:
            fail("replicate exited %d" % rc)
        r = status(cfg)
        log("stopped:\n" + r.stdout)
        if "not reachable" not in r.stdout or dbj["generation"] not in r.stdout:
            fail("stopped replicator: %s" % r.stdout)
        sj = json.loads(status(cfg, "-json").stdout)
        if sj["replicator"]["reachable"] or not sj["replicator"].get("error") or sj["dbs"][0]["generation"] != dbj["generation"]:
            fail("stopped -json: %s" % sj)

        # Errors name the flag or the argument.
        r = status(cfg, "-nope", ok=False)
        if r.returncode == 0 or "-nope" not in r.stdout + r.stderr:
            fail("bad flag: %d %s" % (r.returncode, r.stdout + r.stderr))
        r = status(cfg, "/no/such.db", ok=False)
        if r.returncode == 0 or "database not found in config: /no/such.db" not in r.stdout + r.stderr:
            fail("unknown db: %d %s" % (r.returncode, r.stdout + r.stderr))
        log("PASS")
    finally:
        Proc.stop_all()
        s3.stop()
        subprocess.run(["rm", "-rf", d])


if __name__ == "__main__":
    main()
