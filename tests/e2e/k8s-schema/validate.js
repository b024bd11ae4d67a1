// Validates Kubernetes objects against the official OpenAPI schema of several Kubernetes versions,
// as packaged by npm `kubernetes-models` (installed under aliases such as k8s-1.33).
//
//   node validate.js <npm prefix> <objects.json> <alias>...
//
// objects.json: [{"source": "<label>", "object": {...}}, ...]. Two checks per object and version:
//  1. the package's validate(): types, required fields, enums, formats (quantity, int-or-string);
//  2. unknown fields: kubernetes-models' validators allow any extra property, but the API server
//     drops (or, with strict field validation, rejects) fields its version does not know, which
//     would silently lose e.g. a native sidecar's restartPolicy. So every key of the object is
//     checked against the version's type declarations (.d.ts), recursively.
// Prints one line per failure and exits 1 if any; prints a summary line either way.
"use strict";
const fs = require("fs");
const path = require("path");

const [prefixArg, objectsFile, ...aliases] = process.argv.slice(2);
const prefix = prefixArg && path.resolve(prefixArg);
if (!prefix || !objectsFile || aliases.length === 0) {
  console.error("usage: node validate.js <npm prefix> <objects.json> <alias>...");
  process.exit(2);
}
const objects = JSON.parse(fs.readFileSync(objectsFile, "utf8"));

// --- type declarations: interface name -> {prop: type text} ----------------------------------
function dtsFiles(dir, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && e.name !== "node_modules") dtsFiles(p, out);
    else if (e.name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

function parseInterfaces(text) {
  const found = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const head = /^export interface (\w+)(?: extends [^{]*)? \{$/.exec(lines[i]);
    if (!head) continue;
    const props = {};
    for (i++; i < lines.length && lines[i] !== "}"; i++) {
      const m = /^ {4}"([^"]+)"\??: (.*)$/.exec(lines[i]);
      if (!m) continue;
      let type = m[2];
      // Multi-line inline object types ("{ [key: string]: string; }") end at "    };".
      while (!type.endsWith(";") && i + 1 < lines.length) type += " " + lines[++i].trim();
      props[m[1]] = type.replace(/;$/, "").replace(/\s+/g, " ").trim();
    }
    found[head[1]] = props;
  }
  return found;
}

function loadTypes(dirs) {
  const types = {};
  for (const dir of dirs) {
    for (const file of dtsFiles(dir)) {
      const text = fs.readFileSync(file, "utf8");
      const local = parseInterfaces(text);
      for (const [name, props] of Object.entries(local)) if (!(name in types)) types[name] = props;
      // "export [type] { IContainer as IIoK8sApiCoreV1Container, ... }": the long names other files use.
      for (const m of text.matchAll(/export (?:type )?\{([^}]*)\}/g))
        for (const part of m[1].split(",")) {
          const a = /^\s*(\w+) as (\w+)\s*$/.exec(part);
          if (a && local[a[1]]) types[a[2]] = local[a[1]];
        }
    }
  }
  return types;
}

function unknownFields(value, type, types, where, problems) {
  type = type.trim();
  if (value === null || typeof value !== "object") return;
  let m;
  if ((m = /^Array<(.*)>$/.exec(type))) {
    if (Array.isArray(value)) value.forEach((v, i) => unknownFields(v, m[1], types, `${where}[${i}]`, problems));
    return;
  }
  if ((m = /^\{ \[key: string\]: (.*) \}$/.exec(type))) {
    for (const [k, v] of Object.entries(value)) unknownFields(v, m[1], types, `${where}.${k}`, problems);
    return;
  }
  const props = types[type];
  if (!props) {
    // An object where we have no type information: say so instead of skipping it silently.
    if (/^I\w+$/.test(type)) problems.push(`${where}: no type information for ${type}`);
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    if (!(k in props)) problems.push(`${where}.${k}: unknown field (not in ${type})`);
    else unknownFields(v, props[k], types, `${where}.${k}`, problems);
  }
}

// --- main -------------------------------------------------------------------------------------
let failures = 0;
let checked = 0;
for (const alias of aliases) {
  const pkgDir = path.join(prefix, "node_modules", alias);
  const version = require(path.join(pkgDir, "package.json")).version;
  const machineryDir = path.dirname(require.resolve("@kubernetes-models/apimachinery/package.json", { paths: [pkgDir] }));
  const types = loadTypes([pkgDir, machineryDir]);
  for (const { source, object } of objects) {
    const [group, ver] = object.apiVersion.includes("/") ? object.apiVersion.split("/") : [null, object.apiVersion];
    const modulePath = path.join(pkgDir, group ? `${group}/${ver}` : ver, `${object.kind}.js`);
    const label = `${alias} (kubernetes-models ${version}) ${source} ${object.kind}/${object.metadata && object.metadata.name}`;
    checked++;
    let Model;
    try {
      Model = require(modulePath)[object.kind];
    } catch (e) {
      console.log(`FAIL ${label}: ${object.apiVersion} ${object.kind} does not exist in this version`);
      failures++;
      continue;
    }
    const problems = [];
    try {
      new Model(object).validate();
    } catch (e) {
      const details = (e.errors || []).map((x) => `${x.instancePath || "/"} ${x.message}`).join("; ");
      problems.push(`schema: ${e.message}${details ? ": " + details : ""}`);
    }
    unknownFields(object, `I${object.kind}`, types, object.kind, problems);
    if (problems.length) {
      failures++;
      for (const p of problems) console.log(`FAIL ${label}: ${p}`);
    }
  }
}
console.log(`validate.js: ${checked} object checks, ${failures} failed`);
process.exit(failures ? 1 : 0);
