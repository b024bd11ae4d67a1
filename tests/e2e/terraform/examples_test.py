#!/usr/bin/env python3
"""Every example under examples/ that uses only homeserver (and terraform's built-in) providers is applied as a
user would: copied to a temp dir, applied, planned again (must be empty) and destroyed."""

import glob
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tfharness import Workspace, check, run_cases, skip  # noqa: E402


def runnable_examples(source_dir):
    """Directories holding .tf files whose providers are all ours; others (kubernetes, kubectl) need a cluster."""
    found = {}
    for tf in sorted(glob.glob(os.path.join(source_dir, "examples", "**", "*.tf"), recursive=True)):
        found.setdefault(os.path.dirname(tf), []).append(tf)
    runnable = []
    for directory, files in sorted(found.items()):
        text = "".join(open(f).read() for f in files)
        sources = set(re.findall(r'source\s*=\s*"([^"]+)"', text))
        # Module sources ("./...") are fine; provider sources must be ours.
        foreign = {s for s in sources if not s.startswith(".") and s != "homeserver/homeserver"}
        if foreign:
            print(f"NOTE: {os.path.relpath(directory, source_dir)} needs {sorted(foreign)}: not applied here", flush=True)
        elif not re.search(r'^(resource|data) "', text, flags=re.M):
            # examples/provider (registry layout) holds only the provider block: nothing to apply.
            print(f"NOTE: {os.path.relpath(directory, source_dir)} has no resource or data source: not applied", flush=True)
        else:
            runnable.append(directory)
    return runnable


def make_case(directory):
    def case():
        ws = Workspace("example")
        try:
            ws.copy_from(directory)
            ws.apply()
            check(ws.state_list(), f"{directory}: nothing in state after apply")
            r = ws.plan_exit_code()
            check(r.code == 0, f"{directory}: plan after apply not empty:\n{r.out}")
            ws.destroy()
        finally:
            ws.cleanup()
    return case


if __name__ == "__main__":
    source_dir = os.environ.get("HS_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))))
    examples = runnable_examples(source_dir)
    if not examples:
        skip(f"no runnable examples under {source_dir}/examples")
    cases = {os.path.relpath(d, source_dir): make_case(d) for d in examples}
    run_cases(cases, list(cases))
