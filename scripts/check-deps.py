#!/usr/bin/env python3
"""Checks that scripts/install-deps.sh installs every package a build resolved.

  scripts/check-deps.py [--install-deps FILE] [--level LEVEL] BUILD_DIR...

For each build directory (the amd64 build, the arm64 release sub-build <build>/release-arm64):
  - every file or directory path in its CMakeCache.txt (libraries, headers' package config
    directories, tools: find_package/find_library/pkg-config results, the compilers), and
  - every shared library `ldd` resolves for the native ELF files in <build>/bin and <build>/tests,
are mapped to their Debian package with `dpkg -S`. Each package must be one that `install-deps.sh
list LEVEL` names, or one that a named package depends on (transitively, in the installed
package database, architecture included: libyaml-cpp-dev (amd64) does not bring libyaml-cpp0.7:arm64).
A library, header or package config that no package owns fails too (from /usr/local or copied by
hand); a tool no package owns (a pyenv python3 first in PATH) is only noted: a fresh machine finds
Debian's.
Paths under the source tree and the build directories (e.g. the unpacked .debs of release-prep.sh)
are the build's own and skipped.

Exit 0: every package is installed by install-deps.sh. Exit 1: the missing ones, each with the file
and where the build found it.
"""
import argparse
import os
import re
import subprocess
import sys

SRC = os.path.realpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
# Cache entries that name places, not things the build uses.
SKIP_KEYS = {"CMAKE_INSTALL_PREFIX", "CMAKE_HOME_DIRECTORY", "CMAKE_CACHEFILE_DIR"}


def run(cmd, check=True):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if check and p.returncode != 0:
        sys.exit("check-deps: %s failed: %s" % (" ".join(cmd), p.stderr.strip()))
    return p


def own_path(path, build_dirs):
    rp = os.path.realpath(path)
    roots = [SRC] + [os.path.realpath(b) for b in build_dirs]
    return any(rp == r or rp.startswith(r + os.sep) for r in roots)


def cache_paths(build, build_dirs):
    """(path, where) for every existing absolute path in the build's CMakeCache.txt."""
    out = []
    with open(os.path.join(build, "CMakeCache.txt"), encoding="utf-8", errors="replace") as f:
        for line in f:
            m = re.match(r"^([^#/][^:=]*):([A-Z]+)=(.*)$", line.rstrip("\n"))
            if not m or m.group(1) in SKIP_KEYS:
                continue
            for tok in m.group(3).split(";"):
                tok = tok.strip()
                if tok.startswith("-l") or not tok.startswith("/") or not os.path.exists(tok):
                    continue
                if own_path(tok, build_dirs) or tok.startswith("/tmp/") or tok in ("/", "/usr"):
                    continue
                out.append((tok, "%s/CMakeCache.txt %s" % (build, m.group(1))))
    return out


def is_native_elf(path):
    try:
        with open(path, "rb") as f:
            head = f.read(20)
    except OSError:
        return False
    if head[:4] != b"\x7fELF":
        return False
    machine = int.from_bytes(head[18:20], "little")
    native = {"x86_64": 62, "aarch64": 183}.get(os.uname().machine)
    return machine == native


def ldd_paths(build):
    out = []
    for sub in ("bin", "tests"):
        d = os.path.join(build, sub)
        if not os.path.isdir(d):
            continue
        for root, _, files in os.walk(d):
            if "CMakeFiles" in root:
                continue
            for name in sorted(files):
                f = os.path.join(root, name)
                if not os.access(f, os.X_OK) or not is_native_elf(f):
                    continue
                p = run(["ldd", f], check=False)
                for line in p.stdout.splitlines():
                    m = re.search(r"=>\s+(/\S+)", line) or re.match(r"\s*(/\S+)\s+\(", line)
                    if m:
                        out.append((m.group(1), "ldd %s" % os.path.relpath(f, build)))
                    elif "not found" in line:
                        out.append((line.split()[0] + " (not found)", "ldd %s" % os.path.relpath(f, build)))
    return out


def installed_db():
    """{(name, arch): (depends alternatives, provides)} for every installed package, native arch."""
    native = run(["dpkg", "--print-architecture"]).stdout.strip()
    fmt = "${Package}\t${Architecture}\t${db:Status-Abbrev}\t${Depends}, ${Pre-Depends}\t${Provides}\t${Essential}\n"
    db, provides, essential = {}, {}, []
    for line in run(["dpkg-query", "-W", "-f", fmt]).stdout.splitlines():
        name, arch, status, deps, prov, ess = (line.split("\t") + [""] * 6)[:6]
        if not status.startswith("ii"):
            continue
        if ess == "yes":
            essential.append(name + ":" + arch)
        alts = []
        for clause in deps.split(","):
            clause = clause.strip()
            if clause:
                alts.append([re.split(r"[\s(]", a.strip())[0] for a in clause.split("|")])
        db[(name, arch)] = alts
        for pv in prov.split(","):
            pv = re.split(r"[\s(]", pv.strip())[0]
            if pv:
                provides.setdefault(pv.split(":")[0], []).append((name, arch))
    return db, provides, native, essential


def resolve(dep, arch, db, provides, native):
    """Installed packages satisfying `dep` for a package of `arch` (as dpkg would pick them)."""
    name, _, qual = dep.partition(":")
    cands = [(name, arch), (name, "all"), (name, native)]
    if qual and qual != "any":
        cands = [(name, qual)]
    found = [c for c in cands if c in db]
    if found:
        return found[:1]
    return [p for p in provides.get(name, []) if p[1] in (arch, "all", native)][:1]


def closure(named, db, provides, native):
    todo, seen, missing = [], set(), []
    for n in named:
        name, _, arch = n.partition(":")
        hits = resolve(name + (":" + arch if arch else ""), arch or native, db, provides, native)
        if not hits:
            missing.append(n)
        todo.extend(hits)
    while todo:
        pkg = todo.pop()
        if pkg in seen:
            continue
        seen.add(pkg)
        for alts in db.get(pkg, []):
            for a in alts:  # every installed alternative counts: apt may have picked any of them
                todo.extend(resolve(a, pkg[1], db, provides, native))
    return seen, missing


def owners(paths):
    """{path: [(name, arch)] or []} from dpkg -S, trying the /usr-merged twin and the real path."""
    def variants(p):
        # The path itself first (libfoo.so, the -dev package's symlink, is what the build needs),
        # then its /usr-merge twin, then what it points to (/usr/bin/c++ -> g++-12).
        vs = []
        for v in (p, os.path.realpath(p)):
            vs.append(v)
            if v.startswith(("/usr/lib/", "/usr/bin/", "/usr/sbin/")):
                vs.append(v[4:])
            elif v.startswith(("/lib/", "/lib64/", "/bin/", "/sbin/")):
                vs.append("/usr" + v)
        return list(dict.fromkeys(vs))

    queries = sorted({v for p in paths for v in variants(p)})
    found = {}
    for i in range(0, len(queries), 200):
        p = run(["dpkg", "-S"] + queries[i:i + 200], check=False)
        for line in p.stdout.splitlines():
            if line.startswith("diversion "):
                continue
            pkgs, _, path = line.rpartition(": ")
            found.setdefault(path, set()).update(x.strip() for x in pkgs.split(","))
    result = {}
    for p in paths:
        owner = set()
        for v in variants(p):
            owner = found.get(v, set())
            if owner:
                break
        # A directory many packages share (/usr/include) says nothing about who is needed.
        if os.path.isdir(p) and len(owner) != 1:
            result[p] = None
            continue
        result[p] = sorted(owner)
    return result


def is_library(path):
    """A library, header or package config the build links or includes (not a tool it runs)."""
    base = os.path.basename(path)
    return (re.match(r"lib.*\.(so(\.[0-9.]+)?|a)$", base) is not None or "/include/" in path + "/"
            or "/cmake/" in path or "/pkgconfig/" in path or os.path.isdir(path))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--install-deps", default=os.path.join(SRC, "scripts", "install-deps.sh"))
    ap.add_argument("--level", default="release")
    ap.add_argument("builds", nargs="+")
    args = ap.parse_args()

    named = run(["bash", args.install_deps, "list", args.level]).stdout.split()
    db, provides, native, essential = installed_db()
    # Essential packages (coreutils, ...) are on every Debian system; apt installs nothing for them.
    covered, not_installed = closure(named + essential, db, provides, native)

    found = []
    for b in args.builds:
        if not os.path.isfile(os.path.join(b, "CMakeCache.txt")):
            sys.exit("check-deps: %s has no CMakeCache.txt (configure it first)" % b)
        found += cache_paths(b, args.builds) + ldd_paths(b)
    by_path = {}
    for path, where in found:
        by_path.setdefault(path, []).append(where)
    owner = owners([p for p in by_path if not p.endswith("(not found)")])

    problems, warnings, packages = [], [], set()
    for path in sorted(by_path):
        where = by_path[path][0] + (" (+%d more)" % (len(by_path[path]) - 1) if len(by_path[path]) > 1 else "")
        if path.endswith("(not found)"):
            problems.append("%s: a library ldd cannot find (%s)" % (path, where))
            continue
        pk = owner.get(path)
        if pk is None:
            continue
        if not pk:
            if is_library(path):
                problems.append("%s: no Debian package owns it (%s)" % (path, where))
            else:  # e.g. a python3 from pyenv first in PATH: a fresh machine finds Debian's instead
                warnings.append("%s is from no Debian package (%s)" % (path, where))
            continue
        ok = False
        for p in pk:
            name, _, arch = p.partition(":")
            cands = [(name, arch)] if arch else [(name, native), (name, "all")]
            if any(c in covered for c in cands):
                ok = True
                packages.add(p if arch else name)
        if not ok:
            problems.append("%s: package %s is not installed by %s (name it, or a package that depends on it) "
                            "(%s)" % (path, " or ".join(pk), os.path.relpath(args.install_deps, SRC), where))
    for n in not_installed:
        problems.append("%s: named by install-deps.sh but not installed here" % n)
    print("check-deps: %d paths from %s resolve to %d packages" % (len(by_path), ", ".join(args.builds), len(packages)))
    for w in warnings:
        print("check-deps: note: " + w, file=sys.stderr)
    if problems:
        for p in problems:
            print("check-deps: MISSING " + p, file=sys.stderr)
        return 1
    print("check-deps: every package is installed by %s %s" % (os.path.relpath(args.install_deps, SRC), args.level))
    return 0


if __name__ == "__main__":
    sys.exit(main())
