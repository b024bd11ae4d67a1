#!/usr/bin/env python3
"""Invalid homeserver_sqlite_app configurations fail in `terraform validate` (and `plan`) with a diagnostic
whose summary names the problem and that points at the offending config line."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from configs import minimal_app  # noqa: E402
from tfharness import REQUIRED_PROVIDERS, Workspace, check, expect_error, run_cases  # noqa: E402

S3 = """
  replica {
    type   = "s3"
    bucket = "backups"
    path   = "notes"
  }"""

# name -> (config body, expected summary, text of the line the error must point at, detail fragment)
INVALID = {
    "bad_name": (minimal_app().replace('name          = "notes"', 'name          = "Notes_App"'),
                 "Invalid name", 'name          = "Notes_App"', "Notes_App"),
    "relative_database_path": (minimal_app().replace('"/data/notes.db"', '"data/notes.db"'),
                               "Invalid database path", 'database_path = "data/notes.db"', "database_path"),
    "bad_cron": (minimal_app(extra='  verify {\n    schedule = "61 * * * *"\n  }\n'),
                 "Invalid cron schedule", 'schedule = "61 * * * *"', "verify.schedule"),
    "bad_duration_days": (minimal_app(replicas="""
  replica {
    type      = "file"
    path      = "/mnt/usb/notes"
    retention = "7d"
  }"""), "Invalid duration", 'retention = "7d"', "7d"),
    "bad_url": (minimal_app(extra='  alerts {\n    webhook_url = "ftp://hooks.lan/x"\n  }\n'),
                "Invalid URL", 'webhook_url = "ftp://hooks.lan/x"', None),
    "duplicate_replicas": (minimal_app(replicas=S3 + S3), "Duplicate replica", None, None),
    "duplicate_replica_names": (minimal_app(replicas="""
  replica {
    name = "disk"
    type = "file"
    path = "/mnt/a/notes"
  }
  replica {
    name = "disk"
    type = "file"
    path = "/mnt/b/notes"
  }"""), "Duplicate replica name", 'name = "disk"', "disk"),
    "no_replica": (minimal_app(replicas=""), "Insufficient replica blocks", None, None),
}


def make_case(body, summary, line, detail):
    def case():
        ws = Workspace("invalid")
        try:
            ws.write(REQUIRED_PROVIDERS + body)
            expect_error(ws.run("validate", "-no-color", ok=False), summary, line, detail)
            expect_error(ws.plan(ok=False), summary, line, detail)
        finally:
            ws.cleanup()
    return case


def case_unknown_skipped_in_validate():
    """A variable is unknown in the validate walk: validate must pass, plan (with the value) must fail."""
    ws = Workspace("unknown")
    try:
        body = minimal_app().replace('"/data/notes.db"', 'var.db')
        ws.write(REQUIRED_PROVIDERS + 'variable "db" {\n  type = string\n  default = "relative.db"\n}\n' + body)
        r = ws.run("validate", "-no-color", ok=False)
        check(r.code == 0, f"validate failed on an unknown value:\n{r.describe()}")
        expect_error(ws.plan(ok=False), "Invalid database path", "database_path = var.db", "relative.db")
        r = ws.plan("-var", "db=/data/ok.db")
        check("will be created" in r.out, r.describe())
    finally:
        ws.cleanup()


def case_bad_provider_block():
    ws = Workspace("provider")
    try:
        ws.write(REQUIRED_PROVIDERS + 'provider "homeserver" {\n  image_registry = "not a registry"\n}\n' +
                 minimal_app())
        expect_error(ws.plan(ok=False), "Invalid image registry", 'image_registry = "not a registry"')
    finally:
        ws.cleanup()


CASES = {name: make_case(*spec) for name, spec in INVALID.items()}
CASES["unknown_skipped_in_validate"] = case_unknown_skipped_in_validate
CASES["bad_provider_block"] = case_bad_provider_block

if __name__ == "__main__":
    run_cases(CASES, sys.argv[1:] or list(CASES))
