#!/usr/bin/env python3
"""The replicator config the renderer puts into the ConfigMap loads unchanged in both consumers.

For every spec in tests/unit/render/specs/, render-cli renders the config; it is then loaded, with the
environment the pod would have (the rendered Secret's variables plus the credentials Secret's), by
  * the real litestream v0.3.13 (`litestream databases -config F`): the format stays drop-in, and
  * homeserver-replicator (`databases -config F`): the replicator we ship accepts what we render;
both must list the database path with its replica names, exactly as the spec says.
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile


def skip(why):
    print(f"SKIPPED: {why}")
    sys.exit(77)


def main():
    source, build = os.environ.get("HS_SOURCE_DIR"), os.environ.get("HS_BUILD_DIR")
    if not source or not build:
        print("FAIL: HS_SOURCE_DIR and HS_BUILD_DIR must be set (run through ctest)")
        sys.exit(1)
    cli = os.path.join(build, "tests/render-cli")
    replicator = os.path.join(build, "bin/homeserver-replicator")
    for path, what in ((cli, "render-cli"), (replicator, "homeserver-replicator")):
        if not os.access(path, os.X_OK):
            skip(f"{path} is not built (cmake --build <dir> --target {what})")
    if not shutil.which("npm"):
        skip("npm is missing: cannot fetch litestream (scripts/install-deps.sh test)")
    r = subprocess.run([os.path.join(source, "tests/support/fetch-litestream.sh"), build],
                       capture_output=True, text=True)
    if r.returncode != 0:
        skip(f"cannot fetch litestream v0.3.13: {r.stderr.strip()[-300:]}")
    litestream = r.stdout.strip()

    specs_dir = os.path.join(source, "tests/unit/render/specs")
    failures = 0
    with tempfile.TemporaryDirectory(prefix="render-config-") as tmp:
        for name in sorted(f[:-5] for f in os.listdir(specs_dir) if f.endswith(".json")):
            with open(os.path.join(specs_dir, name + ".json")) as f:
                spec = json.load(f)
            out = subprocess.run([cli, os.path.join(specs_dir, name + ".json")], capture_output=True, text=True)
            if out.returncode != 0:
                print(f"FAIL {name}: render-cli: {out.stderr.strip()}")
                failures += 1
                continue
            rendered = json.loads(out.stdout)
            config = os.path.join(tmp, name + ".yml")
            with open(config, "w") as f:
                f.write(rendered["replicator_config"])
            env = pod_env(spec, rendered)
            replicas = [r.get("name") or r["type"] for r in spec["replica"]]
            expected = [spec["database_path"], ",".join(replicas)]
            for tool, binary in (("litestream", litestream), ("homeserver-replicator", replicator)):
                r = subprocess.run([binary, "databases", "-config", config], capture_output=True, text=True,
                                   env=env, timeout=60)
                rows = [line.split() for line in r.stdout.splitlines()[1:] if line.strip()]
                if r.returncode != 0 or rows != [expected]:
                    failures += 1
                    print(f"FAIL {name}: {tool} databases: exit {r.returncode}, rows {rows}, want [{expected}]\n"
                          f"{r.stdout}{r.stderr}")
                else:
                    print(f"ok {name}: {tool} loads the config ({expected[0]}: {expected[1]})")
    if failures:
        sys.exit(1)
    print("PASS")


def age_identity():
    """A fresh AGE-SECRET-KEY-1... line from the real age-keygen (Debian's age)."""
    if not shutil.which("age-keygen"):
        print("FAIL: age-keygen is missing (scripts/install-deps.sh test installs age)")
        sys.exit(1)
    out = subprocess.run(["age-keygen"], capture_output=True, text=True, check=True).stdout
    return next(line for line in out.splitlines() if line.startswith("AGE-SECRET-KEY-1"))


def pod_env(spec, rendered):
    """The replicator container's environment: the rendered Secret plus the user's credentials Secret."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/root")}
    for key, obj in rendered["manifests"].items():
        if key.startswith("Secret/"):
            for k, v in obj["data"].items():
                env[k] = base64.b64decode(v).decode()
    # Variables from keys of the user's Secrets (a replica's own credentials_secret, alerts_secret): a
    # plausible value each; of a replica's LITESTREAM_* / AWS_* pair only the first, as a Secret holds one.
    deployment = next(o for k, o in rendered["manifests"].items() if k.startswith("Deployment/"))
    sidecars = [c for c in deployment["spec"]["template"]["spec"]["initContainers"] + \
                deployment["spec"]["template"]["spec"]["containers"] if c["name"] == "replicator"]
    for e in sidecars[0].get("env", []):
        ref = e.get("valueFrom", {}).get("secretKeyRef")
        if ref and e["name"].endswith("_AGE_IDENTITY"):  # replica.age: parsed on load, so a real one
            env[e["name"]] = age_identity()
        elif ref and not (ref.get("optional") and ref["key"].startswith("AWS_")):
            env[e["name"]] = (f"https://secret.example/{ref['key']}" if e["name"].endswith("_URL")
                              else f"from-secret-{ref['key']}")
    if spec.get("credentials_secret"):
        env["LITESTREAM_ACCESS_KEY_ID"] = "test-key"
        env["LITESTREAM_SECRET_ACCESS_KEY"] = "test-secret"
        for r in spec["replica"]:
            for field in ("access_key_id_env", "secret_access_key_env"):
                if r.get(field):
                    env[r[field]] = "per-replica-" + field
    return env


if __name__ == "__main__":
    main()
