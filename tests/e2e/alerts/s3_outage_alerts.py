"""S3 down for a while, with a real replicate process and the real S3 test server (Swift+s3api):
  - while the endpoint is gone, replication logs ERROR lines and the webhook gets exactly the
    alerts the throttle allows (rate 1 x window 2 = 2), however many errors there are;
  - when it comes back, replication resumes and that is logged, the replica catches up, and a
    restore of the replica has every row committed during the outage;
  - the S3 secret key never appears in the log.
"""
import os
import sqlite3
import sys
import time

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "verify"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "support"))
from obs_support import Receiver, Replicator, Workdir, binary, check, fail, make_db, run, skip, write_rows
from s3server import S3Server, Skip


def count_rows(path):
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return con.execute("SELECT count(*) FROM t").fetchone()[0]
    finally:
        con.close()


def main():
    s3 = S3Server()
    try:
        s3.start()
    except Skip as e:
        skip(str(e))
    w = Workdir("s3-outage")
    rx = Receiver()
    rep = None
    try:
        db = w.file("app.db")
        make_db(db, 20)
        cfg = w.file("replicator.yml")
        with open(cfg, "w") as f:
            f.write(f"""logging: {{type: json}}
alerts:
  throttle: {{rate: 1, interval: 1h, window: 2}}
  sinks:
    - {{type: webhook, url: "{rx.url('/hook/HOOKSECRET')}"}}
dbs:
  - path: {db}
    replicas:
      - type: s3
        bucket: {s3.bucket}
        path: outage/app.db
        endpoint: {s3.endpoint}
        region: us-east-1
        sync-interval: 200ms
""")
        env = {"LITESTREAM_ACCESS_KEY_ID": s3.access_key_id, "LITESTREAM_SECRET_ACCESS_KEY": s3.secret_access_key}
        rep = Replicator(cfg, w.file("replicate.log"), env=env)
        check(rep.wait_log("wal segment written", 60), "replicating to S3")
        check(rx.got("/hook/") == [], "no alerts while healthy")

        s3.stop_proxy()
        outage_start = time.time()
        deadline = time.time() + 90
        errors = []
        while time.time() < deadline:
            write_rows(db, 3)
            errors = [l for l in rep.json_lines() if l["level"] == "ERROR"]
            if len(errors) >= 4 and time.time() - outage_start > 5:
                break
            time.sleep(0.3)
        check(len(errors) >= 4, f"S3 down: ERROR lines logged ({len(errors)})")
        print("first error:", errors[0])
        alerts = rx.wait_for("/hook/", 2, timeout=15)
        time.sleep(1)
        check(len(rx.got("/hook/")) == 2, f"exactly 2 alerts (rate 1 x window 2) for {len(errors)} errors")

        mark = len(rep.lines())
        s3.start_proxy()
        deadline = time.time() + 90
        resumed = False
        while time.time() < deadline and not resumed:
            time.sleep(0.5)
            resumed = any("wal segment written" in l for l in rep.lines()[mark:])
        check(resumed, "recovery logged: WAL segments written again after the outage")
        write_rows(db, 3)
        time.sleep(2)
        rc = rep.stop()
        check(rc == 0, f"replicate stopped cleanly after the outage (exit {rc})")
        check(len(rx.got("/hook/")) == 2, "still exactly 2 alerts after recovery and shutdown")

        restored = w.file("restored.db")
        rc, out, err = run([binary(), "restore", "-o", restored,
                            f"s3://{s3.bucket}.localhost:{s3.ports['proxy']}/outage/app.db"], env=env)
        check(rc == 0, f"restore from S3 after the outage ({err.strip()[-300:]})")
        check(count_rows(restored) == count_rows(db), "every row written during the outage is in the replica")
        log = "\n".join(rep.lines())
        check(s3.secret_access_key not in log and "HOOKSECRET" not in log, "no secret in the log")
        print("PASS")
    finally:
        if rep:
            rep.stop()
        rx.close()
        w.cleanup()
        s3.stop()


if __name__ == "__main__":
    main()
