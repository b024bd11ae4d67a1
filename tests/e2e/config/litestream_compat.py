"""Config compatibility with the real litestream v0.3.13: a config using every litestream key we
support plus our extensions (healthcheck-url, max-age, alerts) goes through hs_config's
parse -> render, and the rendered YAML must load in litestream (`litestream databases`) with the
same databases and replicas as in ours (`homeserver-replicator databases`). Also: the file as
written by hand loads in both, and env expansion gives the same result in both.
"""
import os
import subprocess
import sys
import tempfile
import shutil

SRC = os.environ.get("HS_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "../../..")))
BUILD = os.environ.get("HS_BUILD_DIR", os.path.join(SRC, "build"))


def skip(why):
    print(f"SKIPPED: {why}")
    sys.exit(77)


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)
    print(f"ok: {msg}")


def run(cmd, stdin=None, env=None):
    e = dict(os.environ)
    e.update(env or {})
    r = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=60, env=e)
    return r.returncode, r.stdout, r.stderr


def table(out):
    """`databases` output as a set of (path, replicas) rows, header skipped."""
    rows = [l.split() for l in out.splitlines() if l.strip()]
    return sorted(tuple(r) for r in rows[1:])


def main():
    tool = os.path.join(BUILD, "tests", "config_roundtrip_tool")
    ours = os.path.join(BUILD, "bin", "homeserver-replicator")
    for p in (tool, ours):
        if not os.access(p, os.X_OK):
            fail(f"{p} is not built")
    r = subprocess.run([os.path.join(SRC, "tests/support/fetch-litestream.sh"), BUILD], capture_output=True, text=True)
    if r.returncode != 0:
        skip(f"litestream v0.3.13 not available: {r.stderr.strip()[-300:]}")
    litestream = r.stdout.strip()

    d = tempfile.mkdtemp(prefix="hs-config-compat-")
    try:
        config = f"""
addr: ":9099"
exec: "sleep 1"
access-key-id: ${{HS_T_KEY}}
secret-access-key: ${{HS_T_SECRET}}
logging:
  level: warn
  type: json
  stderr: true
healthcheck-url: https://hc-ping.com/${{HS_T_UUID}}
max-age: 26h
alerts:
  throttle: {{rate: 2, interval: 30m, window: 4}}
  sinks:
    - {{type: slack, url: "${{HS_T_SLACK}}"}}
    - {{type: gotify, url: "https://gotify.lan", token-file: /run/secrets/gotify, priority: 7}}
    - {{type: ntfy, name: phone, url: "https://ntfy.sh", topic: backups, priority: 4}}
    - {{type: webhook, url-file: /run/secrets/hook}}
dbs:
  - path: {d}/app.db
    meta-path: {d}/meta
    monitor-interval: 2s
    checkpoint-interval: 1m30s
    min-checkpoint-page-count: 500
    max-checkpoint-page-count: 0
    replicas:
      - name: nas
        type: s3
        bucket: backups
        path: app
        endpoint: http://127.0.0.1:9
        region: eu-west-1
        force-path-style: true
        skip-verify: false
        access-key-id: AK
        secret-access-key: SK
        sync-interval: 1.5s
        snapshot-interval: 24h
        retention: 72h
        retention-check-interval: 30m
        validation-interval: 12h
      - name: usb
        path: {d}/usb-replica
      - url: s3://bkt.localhost:9/prefix
  - path: {d}/other.db
    replicas:
      - url: file://{d}/other-replica
"""
        cfg_in = os.path.join(d, "in.yml")
        open(cfg_in, "w").write(config)
        rc, rendered, err = run([tool], stdin=config)
        check(rc == 0, f"hs_config parses and renders the full config ({err.strip()})")
        check("healthcheck-url" in rendered and "alerts:" in rendered and "${HS_T_SLACK}" in rendered,
              "the rendered YAML keeps our extensions and the ${VAR} references")
        cfg_out = os.path.join(d, "rendered.yml")
        open(cfg_out, "w").write(rendered)

        env = {"HS_T_KEY": "k", "HS_T_SECRET": "s", "HS_T_UUID": "u", "HS_T_SLACK": "https://hooks.slack.com/x"}
        results = {}
        for name, path in (("input", cfg_in), ("rendered", cfg_out)):
            rc, out, err = run([litestream, "databases", "-config", path], env=env)
            check(rc == 0, f"litestream v0.3.13 loads the {name} config (extensions ignored) {err.strip()[-200:]}")
            results[("litestream", name)] = table(out)
            rc, out2, err2 = run([ours, "databases", "-config", path], env=env)
            check(rc == 0, f"homeserver-replicator loads the {name} config {err2.strip()[-200:]}")
            results[("ours", name)] = table(out2)
        expected = sorted([(f"{d}/app.db", "nas,usb,s3"), (f"{d}/other.db", "file")])
        for key, rows in results.items():
            check(rows == expected, f"{key}: databases and replica names {rows}")

        # A bad age key is rejected naming the key (and never echoing it: identities are secrets).
        bad = config.replace("validation-interval: 12h", "validation-interval: 12h\n        age: {recipients: [x]}")
        rc, _, err = run([tool], stdin=bad)
        check(rc == 1 and "dbs[0].replicas[0].age.recipients[0]: not an age X25519 recipient" in err,
              "bad age keys are rejected naming the key")
        print("PASS")
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
