"""verify end to end: a database replicated by our replicate command to a file replica, then
`verify` against a recording healthchecks.io stand-in on 127.0.0.1:
  - pass: exit 0, pings /start then /0 (same rid) with the log as the body;
  - corrupt replica object: exit 1, pings /1 with the error in the body, no temp files left;
  - max-age exceeded: exit 1 with a clear message;
  - healthcheck endpoint down: the ping failure is logged, the exit code is still verify's;
  - JSON log lines carry `level`, and the failure lines match the Fluent Bit rule ^(WARN|ERROR)$.
"""
import glob
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from obs_support import (FLUENT_BIT_LEVEL_RULE, Receiver, Replicator, Workdir, binary, check, fail, make_db,
                         run, write_rows)


def json_lines(text):
    out = []
    for line in text.splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            fail(f"verify log line is not JSON: {line!r}")
    return out


def main():
    b = binary()
    w = Workdir("verify")
    rx = Receiver()
    try:
        db = w.file("app.db")
        replica = w.file("replica")
        tmp = w.file("tmp")
        os.mkdir(tmp)
        make_db(db, 50)
        cfg = w.file("replicator.yml")
        with open(cfg, "w") as f:
            f.write(f"""logging: {{type: json}}
healthcheck-url: {rx.url('/ping/0f3a-uuid')}
max-age: 1h
alerts:
  sinks:
    - {{type: webhook, url: "{rx.url('/hook/verify')}"}}
dbs:
  - path: {db}
    replicas:
      - path: {replica}
        sync-interval: 100ms
""")
        rep = Replicator(cfg, w.file("replicate.log"))
        check(rep.wait_log("wal segment written", 30) or rep.wait_log("snapshot written", 5), "replicate wrote the replica")
        write_rows(db, 200)
        import time
        time.sleep(1.5)
        rc = rep.stop()
        check(rc == 0, f"replicate stopped cleanly (exit {rc})")

        env = {"TMPDIR": tmp}
        # 1. pass
        rc, out, err = run([b, "verify", "-config", cfg], env=env)
        print(out + err)
        check(rc == 0, "verify passes on a good replica")
        lines = json_lines(out)
        ok = [l for l in lines if l.get("msg") == "verify ok"]
        check(len(ok) == 1 and ok[0]["db"] == db, "one 'verify ok' line for the db")
        check(ok[0]["page_count"] > 1 and ok[0]["size"] == ok[0]["page_count"] * ok[0]["page_size"],
              "page count and size reported")
        check(isinstance(ok[0]["age"], int) and ok[0]["age"] >= 0, "age reported as integer ns (slog JSON)")
        check(":" in ok[0]["position"] and len(ok[0]["generation"]) == 16, "newest position reported")
        pings = rx.got("/ping/")
        check(rx.got("/hook/") == [], "a passing verify sends no alert")
        check([p["path"] for p in pings] == ["/ping/0f3a-uuid/start", "/ping/0f3a-uuid/0"],
              f"pinged /start then /0 ({[p['path'] for p in pings]})")
        check(pings[0]["query"].get("rid") and pings[0]["query"]["rid"] == pings[1]["query"]["rid"],
              "start and finish pings share a rid")
        check("verify ok" in pings[1]["body"], "the success ping carries the log")
        check(os.listdir(tmp) == [], "no temp files left after a pass")

        # 2. corrupt the newest WAL segment object: verify must fail and ping /1 with the error.
        segs = sorted(glob.glob(os.path.join(replica, "generations", "*", "wal", "*.wal.lz4")))
        if not segs:
            fail("no WAL segment objects in the replica to corrupt")
        victim = segs[-1]
        data = bytearray(open(victim, "rb").read())
        mid = len(data) // 2
        for i in range(mid, min(mid + 16, len(data))):
            data[i] ^= 0xFF
        open(victim, "wb").write(bytes(data))
        rx.requests.clear()
        rc, out, err = run([b, "verify", "-config", cfg], env=env)
        print(out + err)
        check(rc == 1, "verify fails on a corrupt replica object")
        lines = json_lines(out)
        bad = [l for l in lines if l.get("msg") == "verify failed"]
        check(len(bad) == 1 and bad[0].get("error"), f"a 'verify failed' line with the error: {bad}")
        check(all(FLUENT_BIT_LEVEL_RULE.match(l["level"]) for l in lines if l["msg"].startswith("verify failed")),
              "failure lines match the Fluent Bit level rule")
        check(not any(FLUENT_BIT_LEVEL_RULE.match(l["level"]) for l in lines if l["msg"] == "verify ok"),
              "no success line matches the rule")
        pings = rx.got("/ping/")
        check([p["path"] for p in pings] == ["/ping/0f3a-uuid/start", "/ping/0f3a-uuid/1"],
              f"pinged /start then /1 ({[p['path'] for p in pings]})")
        check(bad[0]["error"][:40] in pings[1]["body"], "the failure ping's body has the error")
        check(os.listdir(tmp) == [], "no temp files left after a failure")
        hooks = [json.loads(r["body"]) for r in rx.got("/hook/")]
        check(any(h["msg"] == "verify failed" and h["level"] == "ERROR" and "corrupt" in h["fields"].get("error", "")
                  for h in hooks), "the verify failure was also sent to the alert sink")

        # The restore command (the init container) alerts on the same corruption before exiting 1.
        before = len(rx.got("/hook/"))
        rc, out, err = run([b, "restore", "-config", cfg, "-o", w.file("restored.db"), db], env=env)
        check(rc == 1 and not os.path.exists(w.file("restored.db")), "restore of the corrupt replica fails, no output")
        hooks = [json.loads(r["body"]) for r in rx.got("/hook/")[before:]]
        check(any(h["msg"] == "failed to run" and "corrupt" in h["fields"].get("error", "") for h in hooks),
              f"restore's failure reached the alert sink ({[h['msg'] for h in hooks]})")

        # 3. A fresh replica (new generation), then max-age from the flag.
        import shutil
        shutil.rmtree(replica)
        shutil.rmtree(w.file(".app.db-litestream"), ignore_errors=True)
        rep = Replicator(cfg, w.file("replicate3.log"))
        check(rep.wait_log("wal segment written", 30) or rep.wait_log("snapshot written", 5), "fresh replica written")
        time.sleep(1)
        rep.stop()
        rc, out, err = run([b, "verify", "-config", cfg, db], env=env)
        check(rc == 0, "verify passes again on a fresh replica (DB argument form)")
        time.sleep(1.2)
        rx.requests.clear()
        rc, out, err = run([b, "verify", "-config", cfg, "-max-age", "1s"], env=env)
        print(out + err)
        check(rc == 1, "verify fails when the newest backup is older than -max-age")
        check("older than max-age" in out, "the message says the backup is too old")
        check(rx.got("/ping/")[-1]["path"].endswith("/1"), "max-age failure pinged /1")

        # 4. healthcheck endpoint down: ping failure logged, result unchanged.
        dead = "http://127.0.0.1:9/ping/dead"
        rc, out, err = run([b, "verify", "-config", cfg, "-healthcheck-url", dead], env=env, timeout=60)
        print(out + err)
        check(rc == 0, "verify result unchanged when the healthcheck endpoint is down")
        check("healthcheck ping failed" in out and "/ping/dead" not in out,
              "ping failure logged without the URL's secret path")

        # 5. bad input names the flag.
        rc, out, err = run([b, "verify", "-config", cfg, "-max-age", "7d"], env=env)
        check(rc == 1 and "-max-age" in out + err and "unknown unit" in out + err, "bad -max-age names the flag")
        rc, out, err = run([b, "verify", "-config", cfg, w.file("other.db")], env=env)
        check(rc == 1 and "database not found in config" in out + err, "unknown DB named")
        rx.requests.clear()
        rc, out, err = run([b, "verify", "-config", w.file("missing.yml"), "-healthcheck-url", rx.url("/ping/cfg")],
                           env=env)
        pings = rx.got("/ping/cfg")
        check(rc == 1 and [p["path"] for p in pings] == ["/ping/cfg/start", "/ping/cfg/1"],
              "a config that does not load still pings /1 when -healthcheck-url is given")
        check("config file not found" in pings[1]["body"], "with the config error in the body")
        print("PASS")
    finally:
        rx.close()
        w.cleanup()


if __name__ == "__main__":
    main()
