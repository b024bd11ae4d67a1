#!/usr/bin/env python3
"""Real terraform 1.11.4 drives tfplugin-echo through dev_overrides: apply every type kind,
re-plan shows no changes, update, replace, validation errors pointing at the config line, a
resource exception as an error, import, data source, destroy; once with AutoMTLS (terraform's
default) and once with TF_DISABLE_PLUGIN_TLS=1.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

failures = []

FULL = """
terraform {
  required_providers {
    echo = { source = "homeserver/echo" }
  }
}
provider "echo" {
  prefix = "p-"
}
resource "echo_thing" "t" {
  name        = "%(name)s"
  count_value = %(count)s
  enabled     = true
  tags        = %(tags)s
  ports       = [80, 443, 18446744073709551616]
  zones       = ["z1", "z2"]
  shape       = { a = "x" }
  triple      = ["s", 1.5, false]
  anything    = %(anything)s
  secret      = "hush"
  settings    = { mode = "fast" }
  rules       = [{ port = 1 }, { port = 2 }]
  envs        = { E = { value = "v" } }
  members     = [{ name = "m" }]
%(items)s
  single {
    note = "n"
  }
  flag {
    label = "f1"
  }
  named "web" {
    port = 8080
  }
  grouped {
    level = "high"
  }
}
data "echo_lookup" "l" {
  input = "abc"
}
output "upper" {
  value = data.echo_lookup.l.upper
}
"""

V1 = dict(name="one", count="0.1", tags='{ a = "1", b = "2" }', anything='{ k = [1, "two"] }',
          items='  item {\n    key   = "k1"\n    value = "v1"\n  }\n  item {\n    key = "k2"\n  }')
# Values unknown until apply: terraform_data's output feeds a string, a dynamic and a list element.
UNKNOWN = """
terraform {
  required_providers {
    echo = { source = "homeserver/echo" }
  }
}
resource "terraform_data" "src" {
  input = "late"
}
resource "echo_thing" "u" {
  name     = "u-${terraform_data.src.output}"
  anything = { v = terraform_data.src.output }
  zones    = [terraform_data.src.output, "fixed"]
  item {
    key = terraform_data.src.output
  }
}
"""

V2 = dict(V1, count="12345678901234567890123", tags='{ a = "changed" }', anything='"now a string"',
          items='  item {\n    key = "k2"\n  }')


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


class Workdir:
    def __init__(self, root, name, terraform, plugin_dir, tls):
        self.dir = os.path.join(root, name)
        os.makedirs(self.dir)
        self.tmp = os.path.join(root, name + "-tmp")
        os.makedirs(self.tmp)
        cli = os.path.join(root, name + ".tfrc")
        with open(cli, "w") as f:
            f.write('provider_installation {\n  dev_overrides {\n    "registry.terraform.io/homeserver/echo" = "%s"\n  }\n  direct {}\n}\n'
                    % plugin_dir)
        self.terraform = terraform
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TF_") and not k.startswith("PLUGIN_")}
        self.env.update(TF_CLI_CONFIG_FILE=cli, CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1", TMPDIR=self.tmp)
        if not tls:
            self.env["TF_DISABLE_PLUGIN_TLS"] = "1"

    def write(self, text):
        with open(os.path.join(self.dir, "main.tf"), "w") as f:
            f.write(text)

    def tf(self, *args, timeout=120):
        t0 = time.monotonic()
        r = subprocess.run([self.terraform, *args, "-no-color"] if args[0] not in ("show", "output") else [self.terraform, *args],
                           cwd=self.dir, env=self.env, capture_output=True, text=True, timeout=timeout)
        r.seconds = time.monotonic() - t0
        r.out = r.stdout + r.stderr
        return r

    def state_values(self):
        r = self.tf("show", "-json")
        data = json.loads(r.stdout)
        for res in data.get("values", {}).get("root_module", {}).get("resources", []):
            if res["address"] == "echo_thing.t":
                return res["values"]
        return None


def show_failure(r):
    print("---- terraform output ----\n" + r.out[-3000:] + "\n----")


def scenario(w, label):
    print(f"== {label}")
    w.write(FULL % V1)
    r = w.tf("apply", "-auto-approve", "-input=false")
    check(r.returncode == 0 and "Resources: 1 added" in r.out, f"{label}: apply creates the thing ({r.seconds:.2f} s)")
    if r.returncode != 0:
        show_failure(r)
        return
    v = w.state_values() or {}
    check(v.get("id") == "p-one", f"id computed at apply, provider prefix configured: {v.get('id')}")
    check(v.get("name_length") == 3, "computed number known at plan")
    check(v.get("ports") == [80, 443, 18446744073709551616], f"list of numbers, 2^64 exact: {v.get('ports')}")
    check(v.get("count_value") == 0.1, f"0.1 travels as a decimal: {v.get('count_value')}")
    check(sorted(v.get("zones") or []) == ["z1", "z2"], "set of strings")
    check(v.get("tags") == {"a": "1", "b": "2"}, "map of strings")
    check(v.get("shape") == {"a": "x", "b": None}, f"object with an optional attribute: {v.get('shape')}")
    check(v.get("triple") == ["s", 1.5, False], "tuple")
    check(v.get("anything") == {"k": [1, "two"]}, f"dynamic holding an object: {v.get('anything')}")
    check(v.get("secret_echo") == "hush", "sensitive computed value")
    check(v.get("settings") == {"mode": "fast", "level": None}, "single nested attribute")
    check(v.get("rules") == [{"port": 1}, {"port": 2}], "list nested attribute")
    check(v.get("envs") == {"E": {"value": "v"}}, "map nested attribute")
    check(v.get("members") == [{"name": "m"}], "set nested attribute")
    check(v.get("item") == [{"key": "k1", "value": "v1"}, {"key": "k2", "value": None}], "list blocks")
    check(v.get("single") == {"note": "n"}, "single block")
    check(v.get("flag") == [{"label": "f1"}], "set block")
    check(v.get("named") == {"web": {"port": 8080}}, "map block")
    check(v.get("grouped") == {"level": "high"}, "group block")
    out = w.tf("output", "-raw", "upper")
    check(out.stdout == "ABC", "data source read")
    state = json.load(open(os.path.join(w.dir, "terraform.tfstate")))
    privates = [i.get("private") for res in state["resources"] if res["type"] == "echo_thing" for i in res["instances"]]
    check(privates == ["YXBwbGllZA=="], "private data from apply kept in state ('applied')")

    r = w.tf("plan", "-detailed-exitcode", "-input=false")
    check(r.returncode == 0, f"re-plan: no changes, exit 0 (got {r.returncode}, {r.seconds:.2f} s)")
    if r.returncode != 0:
        show_failure(r)
    check(r.seconds < 5, "a plan takes well under the 3 x 2 s it would if Shutdown were not answered")

    w.write(FULL % V2)
    r = w.tf("apply", "-auto-approve", "-input=false")
    check(r.returncode == 0 and "1 changed" in r.out, f"{label}: update in place")
    if r.returncode != 0:
        show_failure(r)
    v = w.state_values() or {}
    check(v.get("id") == "p-one", "update keeps the computed id")
    check(v.get("anything") == "now a string", "dynamic changes type")
    check(v.get("count_value") == 12345678901234567890123, f"big integer exact: {v.get('count_value')}")
    check(v.get("item") == [{"key": "k2", "value": None}], "list block removed")
    r = w.tf("plan", "-detailed-exitcode", "-input=false")
    check(r.returncode == 0, f"re-plan after update: no changes (got {r.returncode})")
    if r.returncode != 0:
        show_failure(r)

    w.write(FULL % dict(V2, name="two"))
    r = w.tf("apply", "-auto-approve", "-input=false")
    check(r.returncode == 0 and "1 added, 0 changed, 1 destroyed" in r.out, f"{label}: name change replaces")
    check((w.state_values() or {}).get("id") == "p-two", "replacement has the new id")

    w.write(FULL % dict(V2, name="invalid"))
    r = w.tf("plan", "-input=false")
    check(r.returncode == 1 and "Invalid name" in r.out and "main.tf line 11" in r.out,
          "validation error points at the name line (main.tf line 11)")
    if "main.tf line 11" not in r.out:
        show_failure(r)
    w.write(FULL % dict(V2, items='  item {\n    key = "bad"\n  }'))
    r = w.tf("plan", "-input=false")
    check(r.returncode == 1 and "Invalid item key" in r.out and 'key = "bad"' in r.out, "error in a nested block points at its line")
    w.write((FULL % V2).replace('label = "f1"', 'label = "bad"'))
    r = w.tf("plan", "-input=false")
    check(r.returncode == 1 and "Invalid flag label" in r.out and "main.tf line" in r.out,
          "error inside a set block is reported (path cut at the set)")
    if "Invalid flag label" not in r.out:
        show_failure(r)
    w.write(FULL % dict(V2, name="throw"))
    r = w.tf("plan", "-input=false")
    check(r.returncode == 1 and "thrown on purpose" in r.out and "crash" not in r.out.lower(),
          "an exception in resource code is an error diagnostic, not a crash")

    w.write(FULL % dict(V2, name="two"))
    r = w.tf("destroy", "-auto-approve", "-input=false")
    check(r.returncode == 0 and "Resources: 1 destroyed" in r.out, f"{label}: destroy (planned through plan_destroy)")
    check(w.state_values() is None, "state is empty after destroy")

    r = w.tf("import", "-input=false", "echo_thing.t", "p-imported")
    check(r.returncode == 0 and "Import successful" in r.out, f"{label}: import (then ReadResource keeps the private data)")
    if r.returncode != 0:
        show_failure(r)
    v = w.state_values() or {}
    check(v.get("name") == "imported" and v.get("item") == [], f"imported state has the name and empty blocks: {v.get('name')}")
    r = w.tf("destroy", "-auto-approve", "-input=false")
    check(r.returncode == 0, "destroy the imported thing")
    w.write(UNKNOWN)
    r = w.tf("apply", "-auto-approve", "-input=false")
    check(r.returncode == 0 and "Resources: 2 added" in r.out, f"{label}: values unknown at plan (ext 0 and refined unknowns) resolve at apply")
    if r.returncode != 0:
        show_failure(r)
    r = w.tf("show", "-json")
    res = [x for x in json.loads(r.stdout)["values"]["root_module"]["resources"] if x["address"] == "echo_thing.u"]
    v = res[0]["values"] if res else {}
    check(v.get("name") == "u-late" and v.get("name_length") == 6 and v.get("id") == "echo-u-late",
          f"unknown name resolved, computed values follow: {v.get('name')} {v.get('name_length')} {v.get('id')}")
    check(v.get("anything") == {"v": "late"} and sorted(v.get("zones") or []) == ["fixed", "late"], "unknown inside dynamic and set")
    r = w.tf("plan", "-detailed-exitcode", "-input=false")
    check(r.returncode == 0, f"re-plan after unknowns: no changes (got {r.returncode})")
    r = w.tf("destroy", "-auto-approve", "-input=false")
    check(r.returncode == 0 and "Resources: 2 destroyed" in r.out, "destroy with terraform_data")
    left = os.listdir(w.tmp)
    check(not left, f"no provider socket directories left in TMPDIR: {left}")


DEBUG_CONFIG = """
terraform {
  required_providers {
    echo = { source = "homeserver/echo" }
  }
}
data "echo_lookup" "l" {
  input = "debug"
}
output "upper" {
  value = data.echo_lookup.l.upper
}
"""


def reattach(root, terraform, binary):
    """-debug: terraform attaches to a provider the user started (started here the way a shell starts
    a background job: with SIGINT ignored, which Ctrl-C handling must undo)."""
    print("== -debug with TF_REATTACH_PROVIDERS")
    wd = os.path.join(root, "debug")
    os.makedirs(wd)
    with open(os.path.join(wd, "main.tf"), "w") as f:
        f.write(DEBUG_CONFIG)
    p = subprocess.Popen([binary, "-debug"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    try:
        value = None
        for _ in range(10):
            line = p.stdout.readline()
            if "TF_REATTACH_PROVIDERS='" in line:
                value = line.strip().split("=", 1)[1].strip("'")
                break
        check(value is not None, "-debug prints TF_REATTACH_PROVIDERS")
        if value is None:
            return
        env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
        env.update(TF_REATTACH_PROVIDERS=value, CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1")
        r = subprocess.run([terraform, "apply", "-auto-approve", "-no-color", "-input=false"], cwd=wd, env=env,
                           capture_output=True, text=True, timeout=120)
        check(r.returncode == 0 and 'upper = "DEBUG"' in r.stdout, "terraform uses the reattached provider")
        if r.returncode != 0:
            print(r.stdout[-2000:] + r.stderr[-2000:])
        check(p.poll() is None, "the debug provider outlives the terraform run")
        p.send_signal(signal.SIGINT)
        try:
            rc = p.wait(5)
        except subprocess.TimeoutExpired:
            rc = None
        check(rc == 0, f"Ctrl-C stops the debug provider even when started with SIGINT ignored (exit {rc})")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def main():
    terraform = shutil.which("terraform") or "/usr/local/bin/terraform"
    if not os.access(terraform, os.X_OK):
        print("SKIPPED: terraform is not installed (expected /usr/local/bin/terraform 1.11.4)")
        return 77
    build = os.environ.get("HS_BUILD_DIR", "build")
    binary = os.path.abspath(os.path.join(build, "bin", "tfplugin-echo"))
    if not os.access(binary, os.X_OK):
        print(f"FAIL: {binary} not built (cmake --build {build} --target tfplugin-echo)")
        return 1
    print(subprocess.run([terraform, "version"], capture_output=True, text=True).stdout.splitlines()[0])
    root = tempfile.mkdtemp(prefix="tfplugin-e2e-")
    try:
        plugin_dir = os.path.join(root, "plugins")
        os.makedirs(plugin_dir)
        os.symlink(binary, os.path.join(plugin_dir, "terraform-provider-echo"))
        scenario(Workdir(root, "mtls", terraform, plugin_dir, tls=True), "AutoMTLS")
        scenario(Workdir(root, "plain", terraform, plugin_dir, tls=False), "TF_DISABLE_PLUGIN_TLS=1")
        reattach(root, terraform, binary)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("all terraform checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
