// Validates rendered custom resources against their CRD schemas, in one Node process.
//
// stdin:  [{"name": "<file or id>", "manifest": {...}}, ...]
// stdout: {"results": [{"name", "apiVersion", "kind", "status": "valid"|"invalid"|"unchecked", "errors": [...]}]}
//
// Two passes per object:
// 1. the model's validate(): the CRD's OpenAPI schema compiled by the kubernetes-models
//    packages (types, required fields, patterns, enums);
// 2. unknown fields: validate() allows them, `kubectl apply --validate=strict` does not. The
//    TypeScript compiler loads the packages' interfaces for every checked kind once, and each
//    object is walked against its interface: a key the interface does not declare, at any depth,
//    is an unknown field (maps such as labels declare a string index and take any key).
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const ts = require("typescript");
const here = path.dirname(fileURLToPath(import.meta.url));

// API group -> the package that models it. Any other group is reported as unchecked.
const PACKAGES = {
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
  "argoproj.io": "@kubernetes-models/argo-cd",
};

function modulePath(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const pkg = PACKAGES[group];
  return pkg ? `${pkg}/${group}/${version}/${kind}` : null;
}

async function loadModel(specifier, kind) {
  try {
    const module = await import(specifier);
    return module[kind] ?? null;
  } catch {
    return null;
  }
}

function schemaErrors(Model, manifest) {
  try {
    new Model(manifest).validate();
    return [];
  } catch (error) {
    // ajv's messages, comma-joined: "data/spec/x must be integer, data/spec must have ..."
    return String(error.message)
      .split(/, (?=data)/)
      .map((message) => message.replace(/^data/, ""));
  }
}

// The model interfaces of every checked kind, loaded once into one TypeScript program.
function modelTypes(checked) {
  const lines = checked.map(({ specifier, kind }, index) => `import type { I${kind} as T${index} } from ${JSON.stringify(specifier)};`);
  checked.forEach((_, index) => lines.push(`export declare const object${index}: T${index};`));
  const file = path.join(here, "__models__.ts");
  const options = {
    noEmit: true,
    strict: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const source = ts.createSourceFile(file, lines.join("\n"), ts.ScriptTarget.ES2022, true);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, ...rest) => (name === file ? source : getSourceFile(name, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === file || fileExists(name);
  const program = ts.createProgram([file], options, host);
  const problems = ts
    .getPreEmitDiagnostics(program)
    .map((diagnostic) => `cannot load the model types: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, " ")}`);
  const checker = program.getTypeChecker();
  const types = [];
  for (const statement of source.statements) {
    if (ts.isVariableStatement(statement)) {
      types.push(checker.getTypeAtLocation(statement.declarationList.declarations[0].name));
    }
  }
  return { checker, types, problems };
}

// Every key of `value` that `type` does not declare, at any depth, with its path: what
// `kubectl apply --validate=strict` would refuse and the API server would otherwise drop.
function unknownFields(checker, type, value, where, found) {
  const members = checker.getNonNullableType(type);
  const candidates = members.isUnion() ? members.types : [members];
  if (Array.isArray(value)) {
    const element = candidates.map((candidate) => checker.getIndexTypeOfType(candidate, ts.IndexKind.Number)).find(Boolean);
    if (element) value.forEach((item, index) => unknownFields(checker, element, item, `${where}/${index}`, found));
    return;
  }
  if (value === null || typeof value !== "object") return;
  const objects = candidates.filter((candidate) => candidate.flags & ts.TypeFlags.Object);
  if (!objects.length) return;
  for (const [key, item] of Object.entries(value)) {
    const property = objects.map((candidate) => candidate.getProperty(key)).find(Boolean);
    if (property) {
      unknownFields(checker, checker.getTypeOfSymbol(property), item, `${where}/${key}`, found);
      continue;
    }
    const map = objects.map((candidate) => checker.getIndexTypeOfType(candidate, ts.IndexKind.String)).find(Boolean);
    if (map) {
      unknownFields(checker, map, item, `${where}/${key}`, found);
    } else {
      found.push(`${where}/${key}: unknown field (not in ${checker.typeToString(objects[0])})`);
    }
  }
}

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const objects = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const results = [];
  const checked = [];
  for (const { name, manifest } of objects) {
    const { apiVersion, kind } = manifest;
    const result = { name, apiVersion, kind, status: "unchecked", errors: [] };
    results.push(result);
    const specifier = modulePath(apiVersion, kind);
    const Model = specifier && (await loadModel(specifier, kind));
    if (!Model) continue;
    result.errors = schemaErrors(Model, manifest);
    checked.push({ specifier, kind, manifest, result });
  }
  const { checker, types, problems } = checked.length ? modelTypes(checked) : { types: [], problems: [] };
  checked.forEach(({ manifest, result }, index) => {
    if (!problems.length) unknownFields(checker, types[index], manifest, "", result.errors);
    result.status = result.errors.length ? "invalid" : "valid";
  });
  process.stdout.write(JSON.stringify({ results, problems }));
  process.exitCode = problems.length ? 2 : 0;
}

await main();
