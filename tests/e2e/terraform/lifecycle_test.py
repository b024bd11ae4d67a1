#!/usr/bin/env python3
"""homeserver_sqlite_app through the real terraform CLI: apply, outputs, idempotent plan, update in place,
replace on rename, import, data source, destroy. Usage: lifecycle_test.py [case ...]"""

import base64
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import configs  # noqa: E402
from tfharness import Workspace, check, expect_error, run_cases, TestFailure  # noqa: E402


def check_outputs(ws, name="blog", namespace="home", image="ghcr.io/example/blog:1.0"):
    out = ws.outputs()
    check(out["id"] == f"{namespace}/{name}", f"id is {out['id']!r}, want {namespace}/{name}")
    manifests = out["manifests"]
    want = {f"Deployment/{name}", f"ConfigMap/{name}-replicator", f"CronJob/{name}-verify",
            f"Secret/{name}-replicator-secrets"}
    check(set(manifests) == want, f"manifest keys {sorted(manifests)}, want {sorted(want)}")
    objects = {}
    for key, text in manifests.items():
        obj = json.loads(text)  # each value is one object as JSON
        check(f"{obj['kind']}/{obj['metadata']['name']}" == key, f"{key} holds {obj['kind']}/{obj['metadata']['name']}")
        check(obj["metadata"].get("namespace") == namespace, f"{key} is not in namespace {namespace}")
        objects[key] = obj
    deployment = objects[f"Deployment/{name}"]
    images = [c["image"] for c in deployment["spec"]["template"]["spec"]["containers"]]
    check(image in images, f"Deployment containers run {images}, want {image} among them")
    # The YAML stream holds the same objects as the JSON map, as terraform's yamldecode reads them.
    docs = out["yaml_documents"]
    by_key = {f"{d['kind']}/{d['metadata']['name']}": d for d in docs}
    check(set(by_key) == want, f"manifests_yaml holds {sorted(by_key)}, want {sorted(want)}")
    for key, obj in objects.items():
        check(normalise(by_key[key]) == normalise(obj), f"{key}: YAML and JSON differ:\n{by_key[key]}\n{obj}")
    # Secrets live in the Secret only: never in the ConfigMap, the replicator config or the Deployment.
    config = out["replicator_config"]
    for secret in (configs.SLACK_SECRET, configs.HEALTHCHECK_SECRET):
        check(secret not in config, f"replicator_config contains the secret {secret}:\n{config}")
        for key in (f"ConfigMap/{name}-replicator", f"Deployment/{name}", f"CronJob/{name}-verify"):
            check(secret not in manifests[key], f"{key} contains the secret {secret}")
    secret_values = [base64.b64decode(v).decode() for v in objects[f"Secret/{name}-replicator-secrets"]["data"].values()]
    check(any(configs.SLACK_SECRET in v for v in secret_values), "the Secret does not hold the Slack webhook URL")
    check("/data/blog.db" in config and "minio.nas.lan" in config, f"replicator_config lacks the db/replica:\n{config}")
    validate_with_k8s_schema(ws, manifests)
    return out


def normalise(value):
    """terraform's yamldecode turns every number into a float-ish JSON number; compare numbers by value."""
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return value


K8S_MODELS = {"k8s-1.33": "4.5.1", "k8s-1.34": "5.1.0"}  # as tests/e2e/k8s-schema/run.py pins them


def validate_with_k8s_schema(ws, manifests):
    """Checks the applied objects with the render engineer's validator (tests/e2e/k8s-schema/validate.js)
    against the Kubernetes 1.33 and 1.34 schemas (native sidecars need >= 1.29)."""
    here = os.path.join(os.environ.get("HS_SOURCE_DIR", ""), "tests", "e2e", "k8s-schema")
    tool = os.path.join(here, "validate.js")
    if not os.path.exists(tool) or not shutil.which("node") or not shutil.which("npm"):
        print("NOTE: k8s-schema validator, node or npm missing: manifests not checked against the Kubernetes "
              "schema", flush=True)
        return
    prefix = os.path.join(os.environ["HS_BUILD_DIR"], "third_party", "npm")
    missing = [f"{alias}@npm:kubernetes-models@{v}" for alias, v in K8S_MODELS.items()
               if not os.path.exists(os.path.join(prefix, "node_modules", alias, "package.json"))]
    if missing:
        r = subprocess.run(["npm", "install", "--prefix", prefix, "--save-exact", "--no-audit", "--no-fund",
                            "--loglevel=error", *missing], capture_output=True, text=True, timeout=600)
        check(r.returncode == 0, f"npm install {missing} failed:\n{r.stderr}")
    objects = [{"source": key, "object": json.loads(text)} for key, text in manifests.items()]
    path = os.path.join(ws.root, "objects.json")
    with open(path, "w") as f:
        json.dump(objects, f)
    proc = subprocess.run(["node", tool, prefix, path, *K8S_MODELS], capture_output=True, text=True)
    check(proc.returncode == 0, f"Kubernetes schema validation failed:\n{proc.stdout}\n{proc.stderr}")
    print(f"k8s schema: {proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else 'ok'}", flush=True)


def case_apply_update_replace_destroy():
    ws = Workspace("lifecycle")
    try:
        ws.write(configs.resource_config())
        plan = ws.plan()
        check("homeserver_sqlite_app.blog will be created" in plan.out, plan.describe())
        # Computed values are known at plan time: the plan shows the rendered config, not "(known after apply)".
        check("known after apply" not in plan.out, f"computed values unknown at plan:\n{plan.out}")
        ws.apply()
        check_outputs(ws)

        r = ws.plan_exit_code()
        check(r.code == 0, f"plan right after apply is not empty (exit {r.code}):\n{r.out}")

        ws.write(configs.resource_config(image="ghcr.io/example/blog:1.1"))
        r = ws.plan_exit_code()
        check(r.code == 2, f"image change planned nothing:\n{r.out}")
        check("will be updated in-place" in r.out, f"image change is not an in-place update:\n{r.out}")
        check('~ image' in r.out, f"plan does not show the image change:\n{r.out}")
        ws.apply()
        check_outputs(ws, image="ghcr.io/example/blog:1.1")
        check(ws.plan_exit_code().code == 0, "plan after update is not empty")

        ws.write(configs.resource_config(name="journal", image="ghcr.io/example/blog:1.1"))
        r = ws.plan()
        check("must be replaced" in r.out, f"rename is not a replacement:\n{r.out}")
        check("# forces replacement" in r.out, f"plan does not say which attribute forces it:\n{r.out}")
        ws.apply()
        check_outputs(ws, name="journal", image="ghcr.io/example/blog:1.1")

        ws.write(configs.resource_config(name="journal", namespace="apps", image="ghcr.io/example/blog:1.1"))
        r = ws.plan()
        check("must be replaced" in r.out, f"namespace change is not a replacement:\n{r.out}")

        ws.destroy()
        check(ws.state_list() == [], f"state not empty after destroy: {ws.state_list()}")
    finally:
        ws.cleanup()


def case_import():
    ws = Workspace("import")
    try:
        # Outputs would read the computed values import leaves null: import with the resource alone.
        ws.write(configs.resource_config(outputs=False))
        r = ws.run("import", "-no-color", "homeserver_sqlite_app.blog", "no-slash", ok=False)
        expect_error(r, "Invalid import ID", detail="namespace/name")
        ws.run("import", "-no-color", "homeserver_sqlite_app.blog", "home/blog")
        state = ws.state()
        resources = state["values"]["root_module"]["resources"]
        check(len(resources) == 1, f"state after import: {resources}")
        values = resources[0]["values"]
        check(values["id"] == "home/blog" and values["name"] == "blog" and values["namespace"] == "home",
              f"imported values: id={values['id']} name={values['name']} namespace={values['namespace']}")
        # The rest of the inputs come from the configuration on the next apply, in place (no replacement).
        r = ws.plan()
        check("will be updated in-place" in r.out and "must be replaced" not in r.out,
              f"plan after import:\n{r.out}")
        ws.write(configs.resource_config())
        ws.apply()
        check_outputs(ws)
        check(ws.plan_exit_code().code == 0, "plan after import + apply is not empty")
        ws.destroy()
    finally:
        ws.cleanup()


def case_data_source():
    ws = Workspace("data")
    try:
        ws.write(configs.data_source_config())
        ws.apply()
        out = ws.outputs()
        for attr in ("id", "manifests", "manifests_yaml", "replicator_config"):
            check(out["data"][attr] == out["resource"][attr], f"data source and resource differ in {attr}")
        check(out["data"]["id"] == "home/blog", f"data source id {out['data']['id']}")
        check(ws.plan_exit_code().code == 0, "plan after apply with data source is not empty")
        ws.destroy()
    finally:
        ws.cleanup()


def case_state_upgrade():
    """A state stored by an older schema version (with an attribute since retired) is upgraded in place:
    the next plan is empty. terraform keeps the state file in the config dir (no backend)."""
    ws = Workspace("upgrade")
    try:
        ws.write(configs.resource_config())
        ws.apply()
        path = os.path.join(ws.dir, "terraform.tfstate")
        with open(path) as f:
            state = json.load(f)
        instance = state["resources"][0]["instances"][0]
        check(instance["schema_version"] == 1, f"schema_version {instance['schema_version']}, want 1")
        instance["schema_version"] = 0
        instance["attributes"]["retired_attribute"] = "from an old provider"
        state["serial"] += 1
        with open(path, "w") as f:
            json.dump(state, f)
        r = ws.plan_exit_code()
        check(r.code == 0, f"plan after upgrading a version-0 state is not empty:\n{r.out}")
        ws.apply()
        with open(path) as f:
            upgraded = json.load(f)["resources"][0]["instances"][0]
        check(upgraded["schema_version"] == 1 and "retired_attribute" not in upgraded["attributes"],
              f"state not upgraded: {upgraded['schema_version']}, {sorted(upgraded['attributes'])}")
        ws.destroy()
    finally:
        ws.cleanup()


def case_unknown_at_plan():
    """Inputs known only after apply (another resource's output): the plan leaves the rendered values
    unknown (id stays known), apply renders them, the data source is read at apply, and the next plan is empty."""
    ws = Workspace("unknown")
    try:
        body = configs.app_body().replace('image         = "ghcr.io/example/blog:1.0"',
                                          'image         = terraform_data.image.output')
        ws.write(configs.REQUIRED_PROVIDERS + f"""
resource "terraform_data" "image" {{
  input = "ghcr.io/example/blog:3"
}}
resource "homeserver_sqlite_app" "blog" {{{body}}}
data "homeserver_sqlite_app" "blog" {{{body}}}
output "same" {{
  value = nonsensitive(data.homeserver_sqlite_app.blog.manifests_yaml == homeserver_sqlite_app.blog.manifests_yaml)
}}
""")
        r = ws.plan()
        check("known after apply" in r.out, f"manifests known although the image is not:\n{r.out}")
        check('id                 = "home/blog"' in r.out, f"id not known at plan:\n{r.out}")
        ws.apply()
        out = ws.outputs()
        check(out["same"] is True, "data source and resource rendered differently")
        state = {r["address"]: r for r in ws.state()["values"]["root_module"]["resources"]}
        deployment = json.loads(state["homeserver_sqlite_app.blog"]["values"]["manifests"]["Deployment/blog"])
        images = [c["image"] for c in deployment["spec"]["template"]["spec"]["containers"]]
        check("ghcr.io/example/blog:3" in images, f"images {images}")
        check(ws.plan_exit_code().code == 0, "plan after apply is not empty")
        ws.destroy()
    finally:
        ws.cleanup()


CASES = {
    "apply_update_replace_destroy": case_apply_update_replace_destroy,
    "import": case_import,
    "data_source": case_data_source,
    "state_upgrade": case_state_upgrade,
    "unknown_at_plan": case_unknown_at_plan,
}

if __name__ == "__main__":
    run_cases(CASES, sys.argv[1:] or list(CASES))
