#!/usr/bin/env python3
"""Prints a deb822 .sources file with the deb-src twins of this machine's own apt entries.

   scripts/deb-src-sources.py <sources.list> <sources.list.d> <own output file>

Used by scripts/install-deps.sh release (the release builds curl and cpp-httplib from Debian's
source packages). No archive host is written anywhere: every enabled `deb` entry whose components
include main is mirrored as `deb-src` with the same URIs, suites, components, Signed-By and other
repository options, so a machine behind a mirror, proxy or snapshot gets its sources from the same
place as its binaries. Reads deb822 stanzas from *.sources and one-line `deb [opts] URI suite comps`
entries from sources.list and *.list; files apt does not read and *.disabled* files are skipped, and
so is the output file itself. Entries that already have deb-src (`Types: deb deb-src`) are not repeated.
"""
import glob
import os
import re
import sys

# Fields that select what to fetch for binaries only, or switch the entry itself: not carried over.
DROP = {"types", "enabled", "architectures", "architectures-add", "architectures-remove",
        "languages", "languages-add", "languages-remove", "targets", "targets-add", "targets-remove"}
ONE_LINE_DROP = {"arch", "lang", "target"}


def source_files(main, parts, own):
    files = [main] if os.path.isfile(main) else []
    for f in sorted(glob.glob(os.path.join(parts, "*"))):
        name = os.path.basename(f)
        if ".disabled" in name or os.path.realpath(f) == own:
            continue
        if re.search(r"\.(list|sources)$", name) and os.path.isfile(f):
            files.append(f)
    return files


def deb822(text):
    """Yields the stanzas of a .sources file as [(field, [value lines])] (continuations kept)."""
    for block in re.split(r"\n[ \t]*\n", text):
        fields = []
        for line in block.splitlines():
            if line.startswith("#"):
                continue
            if line[:1] in (" ", "\t"):
                if fields:
                    fields[-1][1].append(line.rstrip())
            elif ":" in line:
                key, value = line.split(":", 1)
                fields.append((key.strip(), [value.strip()]))
        if fields:
            yield fields


def from_deb822(fields):
    values = {k.lower(): " ".join(v).split() for k, v in fields}
    types = values.get("types", [])
    if "deb" not in types or "deb-src" in types or "main" not in values.get("components", []):
        return None
    if values.get("enabled", ["yes"])[0].lower() in ("no", "false", "0"):
        return None
    return [("Types", ["deb-src"])] + [(k, v) for k, v in fields if k.lower() not in DROP]


def from_one_line(line):
    line = line.split("#", 1)[0].strip()
    m = re.match(r"^deb\s+(?:\[([^\]]*)\]\s*)?(\S+)\s+(\S+)\s*(.*)$", line)
    if not m or "main" not in m.group(4).split():
        return None
    fields = [("Types", ["deb-src"]), ("URIs", [m.group(2)]), ("Suites", [m.group(3)]),
              ("Components", [" ".join(m.group(4).split())])]
    for opt in (m.group(1) or "").split():
        key, _, value = opt.partition("=")
        key = key.rstrip("+-")
        if key.lower() in ONE_LINE_DROP or not value:
            continue
        # One-line option names are the deb822 field names in lower case (apt ignores case).
        fields.append(("-".join(w.capitalize() for w in key.split("-")), [value]))
    return fields


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: deb-src-sources.py <sources.list> <sources.list.d> <own output file>")
    main_list, parts, own = sys.argv[1], sys.argv[2], os.path.realpath(sys.argv[3])
    files = source_files(main_list, parts, own)
    stanzas = []
    for f in files:
        with open(f, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        if f.endswith(".sources"):
            found = [from_deb822(s) for s in deb822(text)]
        else:
            found = [from_one_line(line) for line in text.splitlines()]
        for stanza in found:
            if stanza and stanza not in stanzas:
                stanzas.append(stanza)
    if not stanzas:
        sys.exit("deb-src-sources.py: no enabled 'deb' entry with component main in "
                 + (", ".join(files) or f"{main_list} or {parts}"))
    out = ["# Added by homeserver's scripts/install-deps.sh release: Debian source packages (curl,",
           "# cpp-httplib), mirrored from this machine's enabled deb entries; rewritten when they change."]
    for stanza in stanzas:
        out.append("")
        out += [f"{k}: " + "\n".join(v) for k, v in stanza]
    print("\n".join(out))


if __name__ == "__main__":
    main()
