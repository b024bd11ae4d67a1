#!/usr/bin/env python3
"""Validates everything the renderer produces against the official Kubernetes schemas.

Renders every spec in tests/unit/render/specs/ (the examples' specs and feature mixes) in variants
(as written, with the sidecar mode flipped, and stripped of verify/alerts/alerts_secret/metrics) with render-cli,
then checks each object with validate.js against kubernetes-models for several Kubernetes versions:

  k8s-1.27  kubernetes-models 4.4.2  (has Container.resizePolicy, lacks 1.28's Container.restartPolicy)
  k8s-1.33  kubernetes-models 4.5.1  (has 1.33's Lifecycle.stopSignal, lacks 1.34's fields)
  k8s-1.34  kubernetes-models 5.1.0  (has 1.34's PodSpec.hostnameOverride, Container.restartPolicyRules)

native_sidecar = false must be valid on all of them; native_sidecar = true on 1.33 and 1.34, and
must be REJECTED by the 1.27 schema (no native sidecars before 1.28/1.29), which also proves the
unknown-field check works. A deliberately broken object must fail too (the validator can fail).
Packages go to $HS_BUILD_DIR/third_party/npm (npm aliases install the versions side by side).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

PACKAGES = {"k8s-1.27": "4.4.2", "k8s-1.33": "4.5.1", "k8s-1.34": "5.1.0"}
NATIVE_OK = ["k8s-1.33", "k8s-1.34"]
NATIVE_TOO_OLD = "k8s-1.27"


def skip(why):
    print(f"SKIPPED: {why}")
    sys.exit(77)


def fail(why):
    print(f"FAIL: {why}")
    sys.exit(1)


def main():
    source = os.environ.get("HS_SOURCE_DIR")
    build = os.environ.get("HS_BUILD_DIR")
    if not source or not build:
        fail("HS_SOURCE_DIR and HS_BUILD_DIR must be set (run through ctest)")
    here = os.path.join(source, "tests/e2e/k8s-schema")
    cli = os.path.join(build, "tests/render-cli")
    if not os.access(cli, os.X_OK):
        skip(f"{cli} is not built (cmake --build <dir> --target render-cli)")
    for tool in ("node", "npm"):
        if not shutil.which(tool):
            skip(f"{tool} is not installed (scripts/install-deps.sh test)")

    prefix = os.path.join(build, "third_party/npm")
    wanted = {alias: version for alias, version in PACKAGES.items()
              if not installed(prefix, alias, version)}
    if wanted:
        os.makedirs(prefix, exist_ok=True)
        args = [f"{alias}@npm:kubernetes-models@{version}" for alias, version in wanted.items()]
        r = subprocess.run(["npm", "install", "--prefix", prefix, "--save-exact", "--no-audit", "--no-fund",
                            "--loglevel=error", *args], capture_output=True, text=True, timeout=600)
        if r.returncode != 0:
            skip(f"npm install of kubernetes-models failed (registry unreachable?): {r.stderr.strip()[-500:]}")

    specs_dir = os.path.join(source, "tests/unit/render/specs")
    names = sorted(f[:-5] for f in os.listdir(specs_dir) if f.endswith(".json"))
    if not names:
        fail(f"no specs in {specs_dir}")

    with tempfile.TemporaryDirectory(prefix="k8s-schema-") as tmp:
        native, legacy = [], []
        for name in names:
            with open(os.path.join(specs_dir, name + ".json")) as f:
                spec = json.load(f)
            for variant, s in variants(spec):
                label = f"{name}[{variant}]"
                path = os.path.join(tmp, label + ".json")
                with open(path, "w") as f:
                    json.dump(s, f)
                r = subprocess.run([cli, path], capture_output=True, text=True)
                if r.returncode != 0:
                    fail(f"render-cli {label}: exit {r.returncode}: {r.stderr.strip()}")
                out = json.loads(r.stdout)
                objs = [{"source": label, "object": o} for o in out["manifests"].values()]
                (native if s.get("native_sidecar", True) else legacy).extend(objs)
        print(f"rendered {len(native)} objects with native sidecars, {len(legacy)} without")

        ok = validate(here, prefix, tmp, "legacy", legacy, list(PACKAGES))
        ok = validate(here, prefix, tmp, "native", native, NATIVE_OK) and ok
        # Native sidecars on a version without them must be caught (restartPolicy is unknown there).
        deployments = [o for o in native if o["object"]["kind"] == "Deployment"]
        code, output = run_validator(here, prefix, tmp, "native-old", deployments, [NATIVE_TOO_OLD])
        if code != 1 or output.count("restartPolicy: unknown field") != len(deployments):
            print(output)
            ok = False
            print(f"FAIL: {NATIVE_TOO_OLD} did not reject every native-sidecar Deployment")
        else:
            print(f"ok: {NATIVE_TOO_OLD} rejects native sidecars ({len(deployments)} Deployments)")
        # Negative control: a broken Deployment must fail on every version.
        legacy_deployments = [o for o in legacy if o["object"]["kind"] == "Deployment"]
        broken = json.loads(json.dumps(legacy_deployments[0]["object"]))
        pod = broken["spec"]["template"]["spec"]
        del pod["containers"][0]["name"]
        pod["containers"][0]["imagePullPolicie"] = "Always"
        code, output = run_validator(here, prefix, tmp, "broken", [{"source": "broken", "object": broken}],
                                     list(PACKAGES))
        if code != 1 or output.count("imagePullPolicie: unknown field") != len(PACKAGES) \
                or output.count("must have required property name") < len(PACKAGES):
            print(output)
            ok = False
            print("FAIL: the validator did not reject a broken Deployment on every version")
        else:
            print("ok: a broken Deployment is rejected on every version")
    if not ok:
        sys.exit(1)
    print("PASS")


def installed(prefix, alias, version):
    try:
        with open(os.path.join(prefix, "node_modules", alias, "package.json")) as f:
            return json.load(f).get("version") == version
    except OSError:
        return False


def variants(spec):
    yield "as-written", spec
    flipped = dict(spec, native_sidecar=not spec.get("native_sidecar", True))
    yield "native" if flipped["native_sidecar"] else "non-native", flipped
    bare = {k: v for k, v in spec.items() if k not in ("verify", "alerts", "alerts_secret", "metrics_port")}
    yield "bare", bare


def run_validator(here, prefix, tmp, label, objects, aliases):
    path = os.path.join(tmp, f"objects-{label}.json")
    with open(path, "w") as f:
        json.dump(objects, f)
    r = subprocess.run(["node", os.path.join(here, "validate.js"), prefix, path, *aliases],
                       capture_output=True, text=True, timeout=600)
    return r.returncode, r.stdout + r.stderr


def validate(here, prefix, tmp, label, objects, aliases):
    code, output = run_validator(here, prefix, tmp, label, objects, aliases)
    print(output.strip())
    if code != 0:
        print(f"FAIL: {label} objects are not valid on {', '.join(aliases)}")
        return False
    print(f"ok: {len(objects)} {label} objects valid on {', '.join(aliases)}")
    return True


if __name__ == "__main__":
    main()
