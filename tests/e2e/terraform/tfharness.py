"""Runs the real terraform CLI against the real provider binary in a private work dir.

Each Workspace gets its own directory, CLI config file and TF_DATA_DIR, so tests never share state with
each other or with the user's ~/.terraformrc. Two ways to install the provider, as users would:
  - "dev": a dev_overrides entry pointing at the build's bin dir (no `terraform init`);
  - "mirror": a filesystem_mirror laid out like a registry, then `terraform init` (writes the lock file).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

TERRAFORM = os.environ.get("HS_TERRAFORM", "/usr/local/bin/terraform")
SOURCE = "registry.terraform.io/homeserver/homeserver"
BINARY = "terraform-provider-homeserver"

REQUIRED_PROVIDERS = """terraform {
  required_providers {
    homeserver = {
      source = "homeserver/homeserver"
    }
  }
}
"""


def skip(why):
    print(f"SKIPPED: {why}", flush=True)
    sys.exit(77)


class TestFailure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise TestFailure(message)


def build_dir():
    d = os.environ.get("HS_BUILD_DIR")
    if not d:
        raise TestFailure("HS_BUILD_DIR is not set (run through ctest)")
    return d


def provider_binary():
    path = os.path.join(build_dir(), "bin", BINARY)
    # Our own binary missing is a broken build, not a missing real part: fail, never skip.
    check(os.access(path, os.X_OK), f"provider binary {path} is missing; build target {BINARY}")
    return path


def require_terraform():
    if not os.access(TERRAFORM, os.X_OK):
        skip(f"terraform not found at {TERRAFORM} (tests need the real terraform CLI)")


class Result:
    def __init__(self, args, proc):
        self.args = args
        self.code = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def text(self):
        return self.out + self.err

    def describe(self):
        return (f"terraform {' '.join(self.args)} exited {self.code}\n--- stdout\n{self.out}\n"
                f"--- stderr\n{self.err}")


class Workspace:
    def __init__(self, name, mode="dev", version=None):
        self.root = tempfile.mkdtemp(prefix=f"hs-tf-{name}-")
        self.dir = os.path.join(self.root, "config")
        os.makedirs(self.dir)
        self.mode = mode
        self.env = dict(os.environ)
        self.env.update({
            "TF_CLI_CONFIG_FILE": os.path.join(self.root, "terraformrc"),
            "TF_DATA_DIR": os.path.join(self.root, "tfdata"),
            "CHECKPOINT_DISABLE": "1",
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
        })
        # No plugin cache, no user config leaking in.
        self.env.pop("TF_PLUGIN_CACHE_DIR", None)
        if mode == "dev":
            self._write_cli_config(f"""provider_installation {{
  dev_overrides {{
    "{SOURCE}" = "{os.path.dirname(provider_binary())}"
  }}
  direct {{}}
}}
""")
        elif mode == "mirror":
            check(version, "mirror mode needs the provider version")
            mirror = os.path.join(self.root, "mirror")
            target = os.path.join(mirror, SOURCE, version, "linux_amd64")
            os.makedirs(target)
            shutil.copy2(provider_binary(), os.path.join(target, f"{BINARY}_v{version}"))
            self._write_cli_config(f"""provider_installation {{
  filesystem_mirror {{
    path    = "{mirror}"
    include = ["registry.terraform.io/homeserver/*"]
  }}
}}
""")
        else:
            raise ValueError(mode)

    def _write_cli_config(self, text):
        with open(self.env["TF_CLI_CONFIG_FILE"], "w") as f:
            f.write(text)

    def write(self, text, filename="main.tf"):
        with open(os.path.join(self.dir, filename), "w") as f:
            f.write(text)

    def copy_from(self, directory):
        for entry in os.listdir(directory):
            src = os.path.join(directory, entry)
            if os.path.isfile(src):
                shutil.copy2(src, os.path.join(self.dir, entry))

    def run(self, *args, ok=True, timeout=300):
        proc = subprocess.run([TERRAFORM, *args], cwd=self.dir, env=self.env, capture_output=True,
                              text=True, timeout=timeout)
        result = Result(args, proc)
        if ok and result.code != 0:
            raise TestFailure(result.describe())
        return result

    def init(self):
        return self.run("init", "-no-color", "-input=false")

    def apply(self, *extra):
        return self.run("apply", "-auto-approve", "-no-color", "-input=false", *extra)

    def plan(self, *extra, ok=True):
        return self.run("plan", "-no-color", "-input=false", *extra, ok=ok)

    def plan_exit_code(self):
        r = self.run("plan", "-no-color", "-input=false", "-detailed-exitcode", ok=False)
        if r.code == 1:
            raise TestFailure(r.describe())
        return r

    def destroy(self):
        return self.run("destroy", "-auto-approve", "-no-color", "-input=false")

    def outputs(self):
        return {k: v["value"] for k, v in json.loads(self.run("output", "-json").out).items()}

    def state(self):
        return json.loads(self.run("show", "-json").out)

    def state_list(self):
        return [l for l in self.run("state", "list").out.splitlines() if l.strip()]

    def cleanup(self):
        shutil.rmtree(self.root, ignore_errors=True)


def expect_error(result, summary, line_text=None, detail=None, filename="main.tf"):
    """Asserts terraform failed with `Error: <summary>` pointing at the config line holding line_text."""
    text = result.text()
    check(result.code != 0, f"expected failure with '{summary}' but it succeeded:\n{result.describe()}")
    blocks = re.split(r"\n(?=(?:│ )?Error: )", text)
    matching = [b for b in blocks if re.search(r"Error: " + re.escape(summary) + r"\s*\n", b)]
    check(matching, f"no 'Error: {summary}' in output:\n{result.describe()}")
    if line_text is None and detail is None:
        return
    for block in matching:
        line_ok = line_text is None or re.search(
            r"on " + re.escape(filename) + r" line \d+.*\n.*\d+:.*" + re.escape(line_text), block)
        detail_ok = detail is None or detail in re.sub(r"\n(│ )?", " ", block)
        if line_ok and detail_ok:
            return
    raise TestFailure(f"'Error: {summary}' does not point at a line with {line_text!r} "
                      f"(detail {detail!r}):\n{result.describe()}")


def run_cases(cases, selected):
    """Runs the named cases, each in its own workspace(s); prints PASS/FAIL per case."""
    require_terraform()
    failed = []
    for name in selected:
        print(f"=== {name}", flush=True)
        try:
            cases[name]()
            print(f"PASS {name}", flush=True)
        except TestFailure as e:
            print(f"FAIL {name}: {e}", flush=True)
            failed.append(name)
    if failed:
        print(f"FAILED: {', '.join(failed)}")
        sys.exit(1)
