#!/usr/bin/env python3
"""Runs the ReplicaClient contract suite (tests/unit/replica_client) with HS_REPLICA_CLIENT=s3 against a
fresh Swift+s3api server on 127.0.0.1; stops it afterwards. argv: the test binary, then its arguments."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ["HS_SOURCE_DIR"], "tests", "support"))
from s3server import S3Server, Skip  # noqa: E402

binary = sys.argv[1]
try:
    server = S3Server(bucket="contract").start()
except Skip as e:
    print("SKIPPED: %s" % e)
    sys.exit(77)
try:
    env = dict(os.environ, HS_REPLICA_CLIENT="s3", **server.env())
    sys.exit(subprocess.run([binary] + sys.argv[2:], env=env).returncode)
finally:
    server.stop()
