#!/usr/bin/env python3
"""make-tfplugin-seeds.py BUILD_DIR: (re)writes tests/fuzz/corpus/tfplugin_msgpack/ and tfplugin_json/ from
what the real terraform CLI sends, not from our encoder:
  - msgpack: the DynamicValues in `terraform plan -out` files (planned and prior values of each resource,
    msgpack of the resource type, as terraform also sends them to PlanResourceChange/ApplyResourceChange);
  - JSON: each resource instance's attributes in terraform.tfstate after `terraform apply` (the raw_state
    UpgradeResourceState receives).
Each seed is "<type JSON>\\n<payload>", the fuzz targets' input format; the type is the resource's implied
type computed from `terraform providers schema -json`. Providers: homeserver (the examples/ configs) and
tfplugin-echo (tests/e2e/tfplugin: every type kind and nesting mode), both from BUILD_DIR/bin, copied first.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TERRAFORM = os.environ.get("HS_TERRAFORM", "/usr/local/bin/terraform")
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e", "tfplugin"))


# --- implied types (terraform's configschema ImpliedType) --------------------------------------------
def has_dynamic(t):
    if t == "dynamic":
        return True
    if isinstance(t, list):
        return any(has_dynamic(x) for x in (t[1].values() if t[0] == "object" else t[1] if t[0] == "tuple" else [t[1]]))
    return False


def nested_attrs_type(nt):
    obj = ["object", {n: attr_type(a) for n, a in nt["attributes"].items()}]
    opt = sorted(n for n, a in nt["attributes"].items() if a.get("optional") or a.get("computed"))
    if opt:
        obj.append(opt)
    mode = nt.get("nesting_mode", "single")
    return obj if mode == "single" else [mode, obj]


def attr_type(a):
    return a["type"] if "type" in a else nested_attrs_type(a["nested_type"])


def block_type(b):
    return ["object", {**{n: attr_type(a) for n, a in b.get("attributes", {}).items()},
                       **{n: nested_block_type(nb) for n, nb in b.get("block_types", {}).items()}}]


def nested_block_type(nb):
    obj = block_type(nb["block"])
    mode = nb["nesting_mode"]
    if mode in ("single", "group"):
        return obj
    if mode in ("list", "map") and has_dynamic(obj):
        return "dynamic"
    return [mode, obj]


def strip_optional(t):
    if isinstance(t, list):
        if t[0] == "object":
            return ["object", {n: strip_optional(x) for n, x in t[1].items()}]
        if t[0] == "tuple":
            return ["tuple", [strip_optional(x) for x in t[1]]]
        return [t[0], strip_optional(t[1])]
    return t


# --- protobuf and msgpack walking --------------------------------------------------------------------
def varint(b, i):
    v = s = 0
    while True:
        if i >= len(b):
            raise ValueError("truncated varint")
        c = b[i]
        i += 1
        v |= (c & 0x7F) << s
        s += 7
        if not c & 0x80:
            return v, i


def proto_fields(b):
    """Every length-delimited field of a message, recursively (bytes that are not a message just end)."""
    out, i = [], 0
    try:
        while i < len(b):
            key, i = varint(b, i)
            wt = key & 7
            if wt == 0:
                _, i = varint(b, i)
            elif wt == 1:
                i += 8
            elif wt == 5:
                i += 4
            elif wt == 2:
                n, i = varint(b, i)
                if i + n > len(b):
                    return out
                v = b[i:i + n]
                i += n
                out.append(v)
                out.extend(proto_fields(v))
            else:
                return out
    except ValueError:
        pass
    return out


def mp(b, i):
    """Parses one msgpack value at b[i:]: (value, next index); maps get str keys."""
    c = b[i]
    i += 1
    def n_items(n, i, kind):
        items = []
        for _ in range(n):
            v, i = mp(b, i)
            items.append(v)
        if kind == "map":
            return {str(items[k]): items[k + 1] for k in range(0, len(items), 2)}, i
        return items, i
    if c <= 0x7F or c >= 0xE0:
        return c, i
    if 0x80 <= c <= 0x8F:
        return n_items(2 * (c & 15), i, "map")
    if 0x90 <= c <= 0x9F:
        return n_items(c & 15, i, "arr")
    if 0xA0 <= c <= 0xBF:
        n = c & 31
        return b[i:i + n].decode(), i + n
    sizes = {0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8, 0xD0: 1, 0xD1: 2, 0xD2: 4, 0xD3: 8, 0xCA: 4, 0xCB: 8}
    if c in (0xC0, 0xC2, 0xC3):
        return {0xC0: None, 0xC2: False, 0xC3: True}[c], i
    if c in sizes:
        return 0, i + sizes[c]
    if c in (0xD9, 0xDA, 0xDB, 0xC4, 0xC5, 0xC6):
        w = {0xD9: 1, 0xDA: 2, 0xDB: 4, 0xC4: 1, 0xC5: 2, 0xC6: 4}[c]
        n = int.from_bytes(b[i:i + w], "big")
        i += w
        return bytes(b[i:i + n]), i + n
    if c in (0xDC, 0xDD, 0xDE, 0xDF):
        w = 2 if c in (0xDC, 0xDE) else 4
        n = int.from_bytes(b[i:i + w], "big")
        i += w
        return n_items(2 * n if c >= 0xDE else n, i, "map" if c >= 0xDE else "arr")
    if c in (0xD4, 0xD5, 0xD6, 0xD7, 0xD8):
        return "<ext>", i + 1 + {0xD4: 1, 0xD5: 2, 0xD6: 4, 0xD7: 8, 0xD8: 16}[c]
    if c in (0xC7, 0xC8, 0xC9):
        w = {0xC7: 1, 0xC8: 2, 0xC9: 4}[c]
        n = int.from_bytes(b[i:i + w], "big")
        return "<ext>", i + w + 1 + n
    raise ValueError("msgpack byte %02x" % c)


def msgpack_map(b):
    try:
        v, end = mp(b, 0)
    except (ValueError, IndexError, UnicodeDecodeError):
        return None
    return v if end == len(b) and isinstance(v, dict) else None


# --- terraform runs ----------------------------------------------------------------------------------
def terraform(cwd, env, *args):
    p = subprocess.run([TERRAFORM, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        raise RuntimeError("terraform %s: %s%s" % (" ".join(args), p.stdout, p.stderr))
    return p.stdout


def run(provider_bin, source, configs, out_mp, out_json):
    tmp = tempfile.mkdtemp(prefix="hs-fuzz-seeds-")
    try:
        bindir = os.path.join(tmp, "bin")
        os.makedirs(bindir)
        shutil.copy2(provider_bin, os.path.join(bindir, "terraform-provider-" + source.split("/")[-1]))
        rc = os.path.join(tmp, "terraformrc")
        with open(rc, "w") as f:
            f.write('provider_installation {\n  dev_overrides {\n    "registry.terraform.io/%s" = "%s"\n  }\n'
                    '  direct {}\n}\n' % (source, bindir))
        env = dict(os.environ, TF_CLI_CONFIG_FILE=rc, TF_DATA_DIR=os.path.join(tmp, "data"),
                   CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1", TF_INPUT="0")
        env.pop("TF_PLUGIN_CACHE_DIR", None)
        count = 0
        for name, files in configs:
            try:
                count += seeds_of(name, files, tmp, env, out_mp, out_json)
            except RuntimeError as e:  # e.g. a config that needs providers from a registry
                print("make-tfplugin-seeds: skipping %s: %s" % (name, str(e)[:300]), file=sys.stderr)
        return count
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def seeds_of(name, files, tmp, env, out_mp, out_json):
            count = 0
            wd = os.path.join(tmp, name)
            os.makedirs(wd)
            for fname, text in files.items():
                with open(os.path.join(wd, fname), "w") as f:
                    f.write(text)
            schema = json.loads(terraform(wd, env, "providers", "schema", "-json"))
            ps = next(iter(schema["provider_schemas"].values()))
            types = {r: strip_optional(block_type(s["block"])) for r, s in ps.get("resource_schemas", {}).items()}
            for step in ("create", "update"):
                terraform(wd, env, "plan", "-out=plan.bin")
                with zipfile.ZipFile(os.path.join(wd, "plan.bin")) as z:
                    plan = z.read("tfplan")
                seen = set()
                for v in proto_fields(plan):
                    m = msgpack_map(v)
                    if m is None or v in seen:
                        continue
                    for rtype, t in types.items():
                        if set(m) == set(t[1]):
                            seen.add(v)
                            count += 1
                            with open(os.path.join(out_mp, "%s-%s-%s-%d.bin" % (name, step, rtype, len(seen))), "wb") as f:
                                f.write(json.dumps(t, separators=(",", ":")).encode() + b"\n" + v)
                terraform(wd, env, "apply", "-auto-approve", "plan.bin")
                state = json.load(open(os.path.join(wd, "terraform.tfstate")))
                for r in state["resources"]:
                    if r["mode"] != "managed" or r["type"] not in types:
                        continue
                    for k, inst in enumerate(r["instances"]):
                        with open(os.path.join(out_json, "%s-%s-%s-%d.json" % (name, step, r["name"], k)), "w") as f:
                            f.write(json.dumps(types[r["type"]], separators=(",", ":")) + "\n" +
                                    json.dumps(inst["attributes"], indent=1))
                # A second round changes the config so prior and planned states differ.
                for fname, text in files.items():
                    with open(os.path.join(wd, fname), "w") as f:
                        f.write(text.replace("1.4.2", "1.4.3").replace('"p-"', '"q-"').replace("443", "8443"))
            return count


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("HS_BUILD_DIR", "build"))
    out_mp = os.path.join(HERE, "corpus", "tfplugin_msgpack")
    out_json = os.path.join(HERE, "corpus", "tfplugin_json")
    for d in (out_mp, out_json):  # regenerated seeds replace the old ones; regress-* inputs stay
        os.makedirs(d, exist_ok=True)
        for f in os.listdir(d):
            if not f.startswith("regress-"):
                os.remove(os.path.join(d, f))
    examples = []
    for ex in ("basic", "two-s3-replicas", "kubectl", "kubernetes-manifest"):
        d = os.path.join(ROOT, "examples", ex)
        files = {f: open(os.path.join(d, f)).read() for f in os.listdir(d) if f.endswith(".tf")}
        examples.append((ex, files))
    n = run(os.path.join(build, "bin", "terraform-provider-homeserver"), "homeserver/homeserver", examples, out_mp, out_json)
    import terraform_echo_test as echo
    full = echo.FULL % {"name": "seed", "count": "3", "tags": '{ a = "b" }', "anything": '{ k = [1, "x"] }',
                        "items": '  item {\n    key = "k1"\n  }\n  item {\n    key = "k2"\n    value = "v"\n  }\n'}
    n += run(os.path.join(build, "bin", "tfplugin-echo"), "homeserver/echo", [("echo", {"main.tf": full})], out_mp, out_json)
    print("make-tfplugin-seeds: %d msgpack seeds, %d JSON seeds" % (n, len(os.listdir(out_json))), file=sys.stderr)


if __name__ == "__main__":
    main()
