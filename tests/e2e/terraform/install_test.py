#!/usr/bin/env python3
"""Installing the provider as users do: a filesystem mirror + `terraform init` (lock file), and the
provider block's replicator image settings. Usage: install_test.py --version X.Y.Z [case ...]"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from configs import minimal_app  # noqa: E402
from tfharness import REQUIRED_PROVIDERS, SOURCE, Workspace, check, run_cases  # noqa: E402

VERSION = None


def case_filesystem_mirror():
    ws = Workspace("mirror", mode="mirror", version=VERSION)
    try:
        ws.write(REQUIRED_PROVIDERS + minimal_app())
        r = ws.init()
        check(f"Installing homeserver/homeserver v{VERSION}" in r.out, f"init did not install from the mirror:\n{r.out}")
        lock_path = os.path.join(ws.dir, ".terraform.lock.hcl")
        check(os.path.exists(lock_path), "terraform init wrote no .terraform.lock.hcl")
        lock = open(lock_path).read()
        check(f'provider "{SOURCE}"' in lock and f'version = "{VERSION}"' in lock and '"h1:' in lock,
              f"lock file lacks the provider, version or hash:\n{lock}")
        ws.apply()
        check(ws.state_list() == ["homeserver_sqlite_app.notes"], f"state: {ws.state_list()}")
        check(ws.plan_exit_code().code == 0, "plan after apply (mirror install) is not empty")
        ws.destroy()
    finally:
        ws.cleanup()


def replicator_image_of(ws, app="notes"):
    values = ws.state()["values"]["root_module"]["resources"][0]["values"]
    deployment = json.loads(values["manifests"][f"Deployment/{app}"])
    spec = deployment["spec"]["template"]["spec"]
    containers = spec.get("initContainers", []) + spec["containers"]
    images = {c["name"]: c["image"] for c in containers}
    replicator = [img for name, img in images.items() if "replicator" in name or "restore" in name]
    check(replicator, f"no replicator container in {images}")
    return set(replicator)


def case_provider_block_images():
    ws = Workspace("images")
    try:
        ws.write(REQUIRED_PROVIDERS + 'provider "homeserver" {\n  image_registry = "registry.lan:5000/"\n}\n'
                 + minimal_app())
        ws.apply()
        want = {f"registry.lan:5000/homeserver-replicator:{VERSION}"}
        check(replicator_image_of(ws) == want, f"replicator images {replicator_image_of(ws)}, want {want}")

        ws.write(REQUIRED_PROVIDERS + 'provider "homeserver" {\n  replicator_image = "mirror.lan/hs/replicator:9"\n}\n'
                 + minimal_app())
        r = ws.plan_exit_code()
        check(r.code == 2 and "will be updated in-place" in r.out, f"provider image change not planned:\n{r.out}")
        ws.apply()
        check(replicator_image_of(ws) == {"mirror.lan/hs/replicator:9"}, f"got {replicator_image_of(ws)}")

        # An app's own replicator_image wins over the provider block.
        ws.write(REQUIRED_PROVIDERS + 'provider "homeserver" {\n  replicator_image = "mirror.lan/hs/replicator:9"\n}\n'
                 + minimal_app(extra='  replicator_image = "own.lan/replicator:1"\n'))
        ws.apply()
        check(replicator_image_of(ws) == {"own.lan/replicator:1"}, f"got {replicator_image_of(ws)}")
        ws.destroy()
    finally:
        ws.cleanup()


CASES = {"filesystem_mirror": case_filesystem_mirror, "provider_block_images": case_provider_block_images}

if __name__ == "__main__":
    args = sys.argv[1:]
    check(len(args) >= 2 and args[0] == "--version", "usage: install_test.py --version X.Y.Z [case ...]")
    VERSION = args[1]
    run_cases(CASES, args[2:] or list(CASES))
