"""Alerts and metrics end to end with a real `replicate` process:
  - a replica that fails on every sync (its directory is under a regular file) gives a stream of
    ERROR lines; with throttle rate 1 / interval 1h / window 3 every sink gets exactly 3 alerts,
    however many errors there are (also after the final-sync errors at shutdown);
  - sink shapes: webhook (URL from ${ENV}), Slack (url-file), ntfy (topic, token), Gotify (token-file);
  - no secret (URL path, tokens) ever appears in the log;
  - every JSON log line parses, and the lines the Fluent Bit rule ^(WARN|ERROR)$ on `level` selects
    are exactly the WARN/ERROR events;
  - /metrics is parsed: sync errors climb while broken; after the replica is repaired, bytes and
    frames replicated move, the last-sync time is set and the recovery is logged; /healthz answers.
"""
import json
import os
import re
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "verify"))
from obs_support import (FLUENT_BIT_LEVEL_RULE, Receiver, Replicator, Workdir, check, fail, free_port, make_db,
                         write_rows)

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$')


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        ctype = r.headers.get("Content-Type", "")
        text = r.read().decode()
    if not ctype.startswith("text/plain"):
        fail(f"/metrics content type {ctype!r}")
    out = {}
    for line in text.splitlines():
        if line.startswith("#") or not line:
            continue
        m = SAMPLE.match(line)
        if not m:
            fail(f"not Prometheus text format: {line!r}")
        out[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return out


def metric(m, metric_name, **labels):
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    key = f"{metric_name}{{{want}}}" if labels else metric_name
    if key not in m:
        fail(f"metric {key} missing; have {sorted(k for k in m if k.startswith(metric_name))}")
    return m[key]


def main():
    w = Workdir("alerts")
    rx = Receiver()
    rep = None
    try:
        db = w.file("app.db")
        make_db(db, 20)
        blocker = w.file("blocked")
        with open(blocker, "w") as f:
            f.write("a regular file where the replica directory should be\n")
        replica = os.path.join(blocker, "replica")
        with open(w.file("slack-url"), "w") as f:
            f.write(rx.url("/slack/T000/B000/SLACKSECRET") + "\n")
        with open(w.file("gotify-token"), "w") as f:
            f.write("GOTIFYSECRET\n")
        port = free_port()
        cfg = w.file("replicator.yml")
        with open(cfg, "w") as f:
            f.write(f"""logging: {{type: json}}
addr: "127.0.0.1:{port}"
alerts:
  throttle: {{rate: 1, interval: 1h, window: 3}}
  sinks:
    - {{type: webhook, url: "${{HS_TEST_WEBHOOK_URL}}"}}
    - {{type: slack, url-file: {w.file('slack-url')}}}
    - {{type: ntfy, url: "{rx.url('/ntfy')}", topic: backups, token: NTFYSECRET}}
    - {{type: gotify, url: "{rx.url('/gotify')}", token-file: {w.file('gotify-token')}}}
dbs:
  - path: {db}
    replicas:
      - path: {replica}
        sync-interval: 50ms
""")
        rep = Replicator(cfg, w.file("replicate.log"),
                         env={"HS_TEST_WEBHOOK_URL": rx.url("/hook/WEBHOOKSECRET")})
        check(rep.wait_log("alerts enabled", 20), "alerter started")
        deadline = time.time() + 60
        while time.time() < deadline:
            write_rows(db, 5)
            errors = [l for l in rep.lines() if '"level":"ERROR"' in l]
            if len(errors) >= 100:
                break
            time.sleep(0.2)
        check(len(errors) >= 100, f"the broken replica produced many ERROR lines ({len(errors)})")
        m1 = scrape(port)
        e1 = metric(m1, "hs_replica_sync_errors_total", db=db, name="file")
        time.sleep(1.0)
        m2 = scrape(port)
        e2 = metric(m2, "hs_replica_sync_errors_total", db=db, name="file")
        check(e2 > e1 > 0, f"/metrics: replica sync errors climb while broken ({e1} -> {e2})")
        check(metric(m2, "hs_replica_last_sync_timestamp_seconds", db=db, name="file") == 0,
              "/metrics: no successful sync yet")
        check(metric(m2, "process_resident_memory_bytes") > 1e6, "/metrics: process RSS")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
            check(r.status == 200, "/healthz answers")

        for prefix in ("/hook/", "/slack/", "/ntfy/", "/gotify/"):
            got = rx.wait_for(prefix, 3, timeout=15)
            check(len(got) == 3, f"{prefix}: exactly 3 alerts (rate 1 x window 3) for {len(errors)}+ errors")

        hook = [json.loads(r["body"]) for r in rx.got("/hook/")]
        check(all(h["level"] == "ERROR" and h["source"] == "homeserver-replicator" for h in hook),
              "webhook alerts carry level and source")
        check(any(h["fields"].get("db") == db for h in hook), "webhook alerts carry the event's fields")
        slack = [json.loads(r["body"]) for r in rx.got("/slack/")]
        check(all("homeserver-replicator ERROR" in s["text"] for s in slack), "slack alerts are {text: ...}")
        ntfy = rx.got("/ntfy/")
        check(all(r["path"] == "/ntfy/backups" and r["headers"].get("authorization") == "Bearer NTFYSECRET"
                  and r["headers"].get("priority") == "4" for r in ntfy), "ntfy: topic path, token, priority")
        gotify = rx.got("/gotify/")
        check(all(r["path"] == "/gotify/message" and r["headers"].get("x-gotify-key") == "GOTIFYSECRET"
                  for r in gotify), "gotify: /message with the app token")

        # Repair the replica: replication recovers, and that is visible in the log and metrics.
        os.remove(blocker)
        os.mkdir(blocker)
        mark = len(rep.lines())
        deadline = time.time() + 30
        recovered = False
        while time.time() < deadline and not recovered:
            write_rows(db, 5)
            time.sleep(0.3)
            recovered = any("wal segment written" in l or "snapshot written" in l for l in rep.lines()[mark:])
        check(recovered, "recovery logged (replica written after the errors)")
        time.sleep(1.0)
        m3 = scrape(port)
        check(metric(m3, "litestream_replica_wal_bytes", db=db, name="file") > 0, "/metrics: replicated bytes move")
        check(metric(m3, "hs_replica_frames_total", db=db, name="file") > 0, "/metrics: replicated frames move")
        check(metric(m3, "hs_replica_last_sync_timestamp_seconds", db=db, name="file") > time.time() - 60,
              "/metrics: last successful sync time set")
        check(metric(m3, "litestream_sync_count", db=db) > metric(m1, "litestream_sync_count", db=db),
              "/metrics: db sync count moves")

        rc = rep.stop()
        check(rc == 0, f"replicate stopped cleanly after recovery (exit {rc})")
        time.sleep(0.5)
        for prefix in ("/hook/", "/slack/", "/ntfy/", "/gotify/"):
            check(len(rx.got(prefix)) == 3, f"{prefix}: still exactly 3 alerts after shutdown")

        lines = rep.json_lines()
        for l in lines:
            if "level" not in l or "msg" not in l or "time" not in l:
                fail(f"JSON log line without time/level/msg: {l}")
        selected = [l for l in lines if FLUENT_BIT_LEVEL_RULE.match(l["level"])]
        check(len(selected) >= 100 and all(l["level"] in ("WARN", "ERROR") for l in selected),
              f"Fluent Bit rule selects the {len(selected)} WARN/ERROR lines, nothing else")
        check(len([l for l in lines if l["level"] in ("INFO", "DEBUG")]) > 0, "INFO lines are not selected")
        text = "\n".join(rep.lines())
        for secret in ("WEBHOOKSECRET", "SLACKSECRET", "NTFYSECRET", "GOTIFYSECRET"):
            check(secret not in text, f"{secret} never appears in the log")
        print("PASS")
    finally:
        if rep:
            rep.stop()
        rx.close()
        w.cleanup()


if __name__ == "__main__":
    main()
