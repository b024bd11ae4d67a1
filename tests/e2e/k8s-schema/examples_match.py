#!/usr/bin/env python3
"""The examples/ configurations render exactly what their specs in tests/unit/render/specs/ render, and
what terraform plans for them is valid Kubernetes.

For each example, `terraform plan` (real terraform, the provider from the build through dev_overrides,
no init) computes the resource's (or data source's) manifests at plan time; `terraform show -json`
gives them. They must equal render-cli's output for the example's spec JSON byte for byte
(manifests, manifests_yaml, replicator_config), which ties the golden files and the Kubernetes schema
checks (run.py) to the examples users copy. The planned objects are then validated with validate.js.

examples/kubernetes-manifest needs hashicorp/kubernetes, which no registry here can provide: its
homeserver resource is planned from a copy without the kubernetes blocks (namespace as a literal).
examples/provider's block is planned together with the registry resource example: its image_registry
must prefix the default replicator image and change nothing else.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

TERRAFORM = os.environ.get("HS_TERRAFORM", "/usr/local/bin/terraform")
# example directory -> spec in tests/unit/render/specs/
EXAMPLES = {
    "basic": "example-basic",
    "two-s3-replicas": "example-two-s3-replicas",
    "vaultwarden": "example-vaultwarden",
    "kubectl": "example-kubectl",
    "kubernetes-manifest": "example-kubernetes-manifest",
    "resources/homeserver_sqlite_app": "example-resource",
    "data-sources/homeserver_sqlite_app": "example-basic",
}


def skip(why):
    print(f"SKIPPED: {why}")
    sys.exit(77)


def main():
    source, build = os.environ.get("HS_SOURCE_DIR"), os.environ.get("HS_BUILD_DIR")
    if not source or not build:
        print("FAIL: HS_SOURCE_DIR and HS_BUILD_DIR must be set (run through ctest)")
        sys.exit(1)
    if not os.access(TERRAFORM, os.X_OK):
        skip(f"terraform not found at {TERRAFORM}")
    cli = os.path.join(build, "tests/render-cli")
    provider = os.path.join(build, "bin/terraform-provider-homeserver")
    for path in (cli, provider):
        if not os.access(path, os.X_OK):
            skip(f"{path} is not built")
    listed = {os.path.relpath(os.path.dirname(os.path.join(root, f)), os.path.join(source, "examples"))
              for root, _, files in os.walk(os.path.join(source, "examples")) for f in files if f.endswith(".tf")}
    unmapped = listed - set(EXAMPLES) - {"provider"}
    if unmapped:
        print(f"FAIL: examples without a spec mapping in {__file__}: {sorted(unmapped)}")
        sys.exit(1)

    failures = 0
    planned_objects = []
    with tempfile.TemporaryDirectory(prefix="examples-match-") as tmp:
        cli_config = os.path.join(tmp, "cli.tfrc")
        with open(cli_config, "w") as f:
            f.write('provider_installation {\n  dev_overrides {\n'
                    f'    "registry.terraform.io/homeserver/homeserver" = "{os.path.dirname(provider)}"\n'
                    '  }\n  direct {}\n}\n')
        env = dict(os.environ, TF_CLI_CONFIG_FILE=cli_config, CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1",
                   TF_INPUT="0")
        for example, spec_name in EXAMPLES.items():
            work = os.path.join(tmp, example.replace("/", "_"))
            shutil.copytree(os.path.join(source, "examples", example), work)
            if example == "kubernetes-manifest":
                strip_kubernetes(os.path.join(work, "main.tf"))
            env["TF_DATA_DIR"] = os.path.join(work, ".terraform")
            plan = subprocess.run([TERRAFORM, "plan", "-no-color", "-out", "plan.bin"], cwd=work, env=env,
                                  capture_output=True, text=True, timeout=300)
            if plan.returncode != 0:
                failures += 1
                print(f"FAIL {example}: terraform plan exited {plan.returncode}\n{plan.stdout}{plan.stderr}")
                continue
            show = subprocess.run([TERRAFORM, "show", "-json", "plan.bin"], cwd=work, env=env,
                                  capture_output=True, text=True, timeout=120)
            values = app_values(json.loads(show.stdout)) if show.returncode == 0 else None
            if not values:
                failures += 1
                print(f"FAIL {example}: no homeserver_sqlite_app values in the plan\n{show.stdout[:2000]}{show.stderr}")
                continue
            rendered = json.loads(subprocess.run([cli, os.path.join(source, "tests/unit/render/specs",
                                                                    spec_name + ".json")],
                                                 capture_output=True, text=True, check=True).stdout)
            planned = {k: json.loads(v) for k, v in (values.get("manifests") or {}).items()}
            problems = []
            if planned != rendered["manifests"]:
                problems.append(f"manifests differ: planned {sorted(planned)} vs spec {sorted(rendered['manifests'])}"
                                + first_difference(planned, rendered["manifests"]))
            for key in ("manifests_yaml", "replicator_config"):
                if values.get(key) != rendered[key]:
                    problems.append(f"{key} differs from {spec_name}'s")
            if problems:
                failures += 1
                print(f"FAIL {example} vs specs/{spec_name}.json: " + "; ".join(problems))
            else:
                print(f"ok {example}: terraform plans exactly what specs/{spec_name}.json renders "
                      f"({len(planned)} objects)")
            planned_objects += [{"source": f"examples/{example}", "object": o} for o in planned.values()]

        failures += check_provider_block(source, cli, tmp, env)

        prefix = os.path.join(build, "third_party/npm")
        aliases = [a for a in ("k8s-1.33", "k8s-1.34") if os.path.isdir(os.path.join(prefix, "node_modules", a))]
        if not aliases or not shutil.which("node"):
            print("NOTE: kubernetes-models not installed yet (run k8s_schema_test first): schema check of the "
                  "planned objects not run")
        elif planned_objects:
            path = os.path.join(tmp, "planned.json")
            with open(path, "w") as f:
                json.dump(planned_objects, f)
            r = subprocess.run(["node", os.path.join(source, "tests/e2e/k8s-schema/validate.js"), prefix, path,
                                *aliases], capture_output=True, text=True)
            print(r.stdout.strip())
            if r.returncode != 0:
                failures += 1
                print(f"FAIL: planned objects are not valid on {aliases}\n{r.stderr}")
    if failures:
        sys.exit(1)
    print("PASS")


def check_provider_block(source, cli, tmp, env):
    """examples/provider's block (image_registry) with the registry resource example: the default
    replicator image gets the registry prefix, and nothing else changes. Returns the failure count."""
    work = os.path.join(tmp, "provider")
    os.makedirs(work)
    shutil.copy(os.path.join(source, "examples/provider/provider.tf"), work)
    shutil.copy(os.path.join(source, "examples/resources/homeserver_sqlite_app/resource.tf"), work)
    env = dict(env, TF_DATA_DIR=os.path.join(work, ".terraform"))
    plan = subprocess.run([TERRAFORM, "plan", "-no-color", "-out", "plan.bin"], cwd=work, env=env,
                          capture_output=True, text=True, timeout=300)
    show = subprocess.run([TERRAFORM, "show", "-json", "plan.bin"], cwd=work, env=env,
                          capture_output=True, text=True, timeout=120) if plan.returncode == 0 else None
    values = app_values(json.loads(show.stdout)) if show and show.returncode == 0 else None
    if not values:
        print(f"FAIL provider: terraform plan of provider.tf + resource.tf failed\n{plan.stdout}{plan.stderr}")
        return 1
    spec_path = os.path.join(source, "tests/unit/render/specs/example-resource.json")
    default = json.loads(subprocess.run([cli, spec_path], capture_output=True, text=True, check=True).stdout)
    image = default["manifests"]["Deployment/blog"]["spec"]["template"]["spec"]["initContainers"][0]["image"]
    spec = json.load(open(spec_path))
    spec["replicator_image"] = "registry.lan:5000/" + image
    with open(os.path.join(work, "spec.json"), "w") as f:
        json.dump(spec, f)
    want = json.loads(subprocess.run([cli, os.path.join(work, "spec.json")], capture_output=True, text=True,
                                     check=True).stdout)
    planned = {k: json.loads(v) for k, v in values["manifests"].items()}
    if planned != want["manifests"]:
        print("FAIL provider: image_registry did not give exactly the prefixed default image"
              + first_difference(planned, want["manifests"]))
        return 1
    print(f"ok provider: image_registry = \"registry.lan:5000/\" makes the replicator image "
          f"registry.lan:5000/{image}")
    return 0


def app_values(plan):
    """values of the first homeserver_sqlite_app resource (planned) or data source (read during plan)."""
    for section in ("planned_values", "prior_state"):
        module = ((plan.get(section) or {}).get("values") if section == "prior_state" else plan.get(section)) or {}
        for res in (module.get("root_module") or {}).get("resources", []):
            if res.get("type") == "homeserver_sqlite_app" and res.get("values", {}).get("manifests"):
                return res["values"]
    return None


def strip_kubernetes(main_tf):
    """Keeps the terraform block (minus the kubernetes provider) and the homeserver resource."""
    text = open(main_tf).read()
    kept = []
    for m in re.finditer(r'^(\w+)((?: "[^"]*")*) \{\n.*?^\}\n', text, flags=re.S | re.M):
        block = m.group(0)
        if m.group(1) == "terraform":
            block = re.sub(r'\n    kubernetes = \{.*?\n    \}', "", block, flags=re.S)
            kept.append(block)
        elif m.group(2).startswith(' "homeserver_sqlite_app"'):
            kept.append(re.sub(r'kubernetes_namespace\.apps\.metadata\[0\]\.name', '"apps"', block))
    if len(kept) != 2:
        raise SystemExit(f"FAIL: cannot strip the kubernetes parts of {main_tf}")
    with open(main_tf, "w") as f:
        f.write("\n".join(kept))


def first_difference(a, b, where=""):
    if type(a) is not type(b):
        return f"; first difference at {where or '/'}: {json.dumps(a)[:200]} vs {json.dumps(b)[:200]}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if a.get(k) != b.get(k):
                return first_difference(a.get(k), b.get(k), f"{where}/{k}")
    if isinstance(a, list):
        if len(a) != len(b):
            return f"; first difference at {where}: {len(a)} vs {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return first_difference(x, y, f"{where}/{i}")
    return "" if a == b else f"; first difference at {where or '/'}: {json.dumps(a)[:200]} vs {json.dumps(b)[:200]}"


if __name__ == "__main__":
    main()
