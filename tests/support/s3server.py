#!/usr/bin/env python3
"""A real S3 server for tests: OpenStack Swift with its s3api middleware, on 127.0.0.1 only.

Why Swift: it is a production object store packaged by Debian whose s3api enforces SigV4 and
answers ListObjects with a delimiter correctly (npm s3rver does not, and litestream relies on it).

Everything lives in one temp dir (configs, rings, the single storage device, logs, state.json);
only the processes started here are ever stopped, by the PIDs recorded in state.json.

CLI (bash tests):
  s3server.py start [--bucket NAME] [--parent DIR]   prints `export HS_S3_...=...` lines; exit 77 with
                                                     "SKIPPED: why" when Swift/memcached are missing
  s3server.py stop DIR                               stops what `start` started, removes DIR
  s3server.py stop-proxy DIR / start-proxy DIR       "S3 is down" without losing the stored objects
  s3server.py bucket DIR NAME                        creates another bucket
Python (python tests):
  from s3server import S3Server, Skip
  with S3Server() as s3: s3.endpoint, s3.bucket, s3.access_key_id, s3.secret_access_key, s3.env()
"""
import argparse
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ACCESS_KEY_ID = "test:tester"  # tempauth account:user; the colon is part of the S3 access key
SECRET_ACCESS_KEY = "testing"
REGION = "us-east-1"
DEFAULT_BUCKET = "homeserver-test"
SERVERS = ("account", "container", "object")
SWIFT_BIN = "/usr/bin"


class Skip(Exception):
    """A real part is missing on this machine: tests print SKIPPED and exit 77."""


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_open(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _xattr_dir(parent):
    """A temp dir on a filesystem with user xattrs (Swift's object server stores metadata there)."""
    candidates = [parent] if parent else [tempfile.gettempdir(), "/var/tmp", "/dev/shm"]
    for base in candidates:
        if not base or not os.path.isdir(base):
            continue
        d = tempfile.mkdtemp(prefix="hs-s3-", dir=base)
        probe = os.path.join(d, "xattr-probe")
        try:
            with open(probe, "w"):
                pass
            os.setxattr(probe, "user.hs", b"1")
            os.unlink(probe)
            return d
        except OSError:
            shutil.rmtree(d, ignore_errors=True)
    raise Skip("no directory with user xattrs found in %s (Swift needs them)" % candidates)


def _check_installed():
    missing = [b for b in ["swift-proxy-server", "swift-ring-builder", "memcached"] +
               ["swift-%s-server" % s for s in SERVERS] if not shutil.which(b)]
    if missing:
        raise Skip("%s not installed (run scripts/install-deps.sh test)" % ", ".join(missing))
    if not os.path.isfile("/etc/swift/swift.conf"):
        # Swift reads its hash prefix/suffix and policies only from this fixed path.
        raise Skip("/etc/swift/swift.conf missing (Debian's swift package installs it)")


def _server_conf(d, name, port):
    conf = f"""[DEFAULT]
bind_ip = 127.0.0.1
bind_port = {port}
workers = 0
user = root
swift_dir = {d}
devices = {d}/devices
mount_check = false
disable_fallocate = true
log_name = {name}
log_level = INFO

[pipeline:main]
pipeline = {name}-server

[app:{name}-server]
use = egg:swift#{name}
"""
    if name == "object":
        # Keep every upload on the request path: no async updaters or replicators run here.
        conf += "container_update_timeout = 5\n"
    return conf


def _proxy_conf(d, port, memcache_port):
    return f"""[DEFAULT]
bind_ip = 127.0.0.1
bind_port = {port}
workers = 0
user = root
swift_dir = {d}
log_name = proxy
log_level = INFO

[pipeline:main]
# bulk + slo: s3api needs SLO for multipart uploads (large snapshots are uploaded in parts).
pipeline = catch_errors healthcheck proxy-logging cache s3api tempauth bulk slo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true
node_timeout = 10
conn_timeout = 2

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:{memcache_port}

[filter:s3api]
use = egg:swift#s3api
location = {REGION}
# Host "<bucket>.localhost:<port>" selects virtual-hosted addressing; any other host is path-style.
storage_domain = localhost

[filter:bulk]
use = egg:swift#bulk

[filter:slo]
use = egg:swift#slo

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = {SECRET_ACCESS_KEY} .admin
"""


class S3Server:
    """One Swift+s3api instance. start() returns once the bucket exists; stop() undoes everything."""

    def __init__(self, bucket=DEFAULT_BUCKET, parent=None, state_dir=None):
        self.bucket = bucket
        self.parent = parent
        self.dir = state_dir
        self.ports = {}
        self.pids = {}
        if state_dir:
            with open(os.path.join(state_dir, "state.json")) as f:
                st = json.load(f)
            self.bucket, self.ports, self.pids = st["bucket"], st["ports"], st["pids"]

    # --- facts tests need -------------------------------------------------------------------
    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.ports["proxy"]

    access_key_id = ACCESS_KEY_ID
    secret_access_key = SECRET_ACCESS_KEY
    region = REGION

    def env(self):
        return {
            "HS_S3_DIR": self.dir, "HS_S3_ENDPOINT": self.endpoint, "HS_S3_BUCKET": self.bucket,
            "HS_S3_REGION": REGION, "HS_S3_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "HS_S3_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY, "HS_S3_PORT": str(self.ports["proxy"]),
        }

    # --- lifecycle ---------------------------------------------------------------------------
    def start(self, timeout=120):
        _check_installed()
        self.dir = _xattr_dir(self.parent)
        # One Swift starts at a time on this machine (tests run side by side): two starting together
        # on 2 loaded cores answered 503 past the deadline. Running side by side is fine.
        lock = open(os.path.join(tempfile.gettempdir(), "hs-s3server-start.lock"), "a")
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            self._configure()
            self._spawn("memcached", ["memcached", "-l", "127.0.0.1", "-p", str(self.ports["memcache"]),
                                      "-U", "0", "-u", "root", "-m", "16"])
            for name in SERVERS:
                self._spawn(name, [os.path.join(SWIFT_BIN, "swift-%s-server" % name),
                                   os.path.join(self.dir, "%s-server.conf" % name), "-v"])
            self._spawn_proxy()
            deadline = time.time() + timeout
            for name in ("memcache",) + SERVERS:
                self._wait_port(name, deadline)
            self._wait_healthy(deadline)
            self.create_bucket(self.bucket, deadline)
        except BaseException:
            self.stop()
            raise
        finally:
            lock.close()  # releases the flock
        return self

    def stop(self):
        for name in ("proxy",) + SERVERS[::-1] + ("memcached",):
            self._kill(name)
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def stop_proxy(self):
        """The S3 endpoint goes away (connection refused); stored objects stay."""
        self._kill("proxy")
        self._save()

    def start_proxy(self, timeout=30):
        """Brings the endpoint back on the same port."""
        deadline = time.time() + timeout
        while _port_open(self.ports["proxy"]) and time.time() < deadline:
            time.sleep(0.1)
        self._spawn_proxy()
        self._wait_healthy(deadline)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- Swift API (bucket = container) ------------------------------------------------------
    def _auth(self):
        req = urllib.request.Request(self.endpoint + "/auth/v1.0",
                                     headers={"X-Auth-User": ACCESS_KEY_ID, "X-Auth-Key": SECRET_ACCESS_KEY})
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.headers["X-Storage-Url"], r.headers["X-Auth-Token"]

    def create_bucket(self, name, deadline=None):
        deadline = deadline or time.time() + 30
        last = None
        while time.time() < deadline:
            try:
                url, token = self._auth()
                req = urllib.request.Request("%s/%s" % (url, name), method="PUT",
                                             headers={"X-Auth-Token": token})
                with urllib.request.urlopen(req, timeout=10) as r:
                    if r.status in (201, 202):
                        return
                    last = "HTTP %d" % r.status
            except (urllib.error.URLError, OSError) as e:
                last = e  # account/container servers may still be warming up
            time.sleep(0.3)
        raise RuntimeError("s3server: could not create bucket %r: %s (logs in %s)" % (name, last, self.dir))

    # --- internals ---------------------------------------------------------------------------
    def _configure(self):
        d = self.dir
        for name in ("memcache", "proxy") + SERVERS:
            self.ports[name] = _free_port()
        os.makedirs(os.path.join(d, "devices", "d1"))
        os.makedirs(os.path.join(d, "logs"))
        for name in SERVERS:
            with open(os.path.join(d, "%s-server.conf" % name), "w") as f:
                f.write(_server_conf(d, name, self.ports[name]))
        with open(os.path.join(d, "proxy-server.conf"), "w") as f:
            f.write(_proxy_conf(d, self.ports["proxy"], self.ports["memcache"]))
        # One partition power 6 ring per server type, one replica, the one device.
        for name in SERVERS:
            builder = os.path.join(d, "%s.builder" % name)
            for args in (["create", "6", "1", "1"],
                         ["add", "r1z1-127.0.0.1:%d/d1" % self.ports[name], "1"],
                         ["rebalance"]):
                r = subprocess.run([os.path.join(SWIFT_BIN, "swift-ring-builder"), builder] + args,
                                   cwd=d, capture_output=True, text=True)
                # rebalance exits 1 for warnings ("balance" notes); a real failure leaves no ring.
                if r.returncode not in (0, 1):
                    raise RuntimeError("swift-ring-builder %s %s failed: %s%s" %
                                       (name, args[0], r.stdout, r.stderr))
            if not os.path.isfile(os.path.join(d, "%s.ring.gz" % name)):
                raise RuntimeError("swift-ring-builder did not write %s.ring.gz" % name)
        self._save()

    def _spawn(self, name, argv):
        log = open(os.path.join(self.dir, "logs", "%s.log" % name), "ab")
        # A new session: Ctrl-C in the test's terminal goes to the test, which stops us by PID.
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             start_new_session=True, cwd=self.dir)
        log.close()
        self.pids[name] = p.pid
        self._save()

    def _spawn_proxy(self):
        self._spawn("proxy", [os.path.join(SWIFT_BIN, "swift-proxy-server"),
                              os.path.join(self.dir, "proxy-server.conf"), "-v"])

    def _kill(self, name):
        pid = self.pids.pop(name, None)
        if not pid:
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        for _ in range(50):
            if not _alive(pid):
                return
            time.sleep(0.1)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _alive(pid)

    def _wait_port(self, name, deadline):
        pname = "memcached" if name == "memcache" else name
        while not _port_open(self.ports[name]):
            if not _alive(self.pids[pname]):
                raise RuntimeError("s3server: %s exited at start; see %s/logs/%s.log" % (pname, self.dir, pname))
            if time.time() > deadline:
                raise RuntimeError("s3server: %s did not listen on %d" % (pname, self.ports[name]))
            time.sleep(0.1)

    def _wait_healthy(self, deadline):
        while True:
            if not _alive(self.pids["proxy"]):
                raise RuntimeError("s3server: proxy exited; see %s/logs/proxy.log" % self.dir)
            try:
                with urllib.request.urlopen(self.endpoint + "/healthcheck", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.time() > deadline:
                raise RuntimeError("s3server: proxy not healthy on %s" % self.endpoint)
            time.sleep(0.1)

    def _save(self):
        if not self.dir:
            return
        tmp = os.path.join(self.dir, "state.json.tmp")
        with open(tmp, "w") as f:
            json.dump({"bucket": self.bucket, "ports": self.ports, "pids": self.pids}, f)
        os.replace(tmp, os.path.join(self.dir, "state.json"))


def _alive(pid):
    """True while pid runs; reaps it if it is our child (so a zombie does not look alive)."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open("/proc/%d/stat" % pid) as f:
            zombie = f.read().split(") ", 1)[1][0] == "Z"
    except (OSError, IndexError):
        return False
    if zombie:
        try:
            os.waitpid(pid, os.WNOHANG)  # ours: reap it now rather than at interpreter exit
        except ChildProcessError:
            pass
    return not zombie


def main(argv):
    ap = argparse.ArgumentParser(description="Swift+s3api S3 server on 127.0.0.1 for tests")
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("start")
    s.add_argument("--bucket", default=DEFAULT_BUCKET)
    s.add_argument("--parent", help="directory for the temp dir (needs user xattrs)")
    for c in ("stop", "stop-proxy", "start-proxy"):
        sub.add_parser(c).add_argument("dir")
    b = sub.add_parser("bucket")
    b.add_argument("dir")
    b.add_argument("name")
    a = ap.parse_args(argv)
    try:
        if a.cmd == "start":
            srv = S3Server(a.bucket, a.parent).start()
            for k, v in srv.env().items():
                print("export %s=%s" % (k, _shell_quote(v)))
            return 0
        if not os.path.isfile(os.path.join(a.dir, "state.json")):
            print("s3server: %s has no state.json (not started by s3server.py start?)" % a.dir, file=sys.stderr)
            return 0 if a.cmd == "stop" else 1
        srv = S3Server(state_dir=a.dir)
        {"stop": srv.stop, "stop-proxy": srv.stop_proxy, "start-proxy": srv.start_proxy,
         "bucket": lambda: srv.create_bucket(a.name)}[a.cmd]()
        return 0
    except Skip as e:
        print("SKIPPED: %s" % e, file=sys.stderr)
        return 77


def _shell_quote(v):
    return "'" + str(v).replace("'", "'\\''") + "'"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
