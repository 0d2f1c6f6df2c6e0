// Expands JSON-LD documents with jsonld.js (digitalbazaar), a processor independent of cxgw's
// JsonLdExpander, for the cross-check in tests/conformance/jsonld_crosscheck_test.cpp. Nothing
// is fetched: remote contexts are served only from local files.
//
//   node expand-jsonld.mjs [--safe] CONTEXTS.json [BATCH.json | -]
//
// CONTEXTS.json is a JSON object {"<context URL>": "<local file path>", ...}. A context URL that
// is not in it fails the document that uses it, naming the URL.
// BATCH (a file, or stdin when absent or "-") is a JSON array of {"name": "...", "document": ...}.
// Prints one line of JSON per item, in input order:
//   {"name": "...", "expanded": [...]}   or   {"name": "...", "error": "..."}
// --safe turns on jsonld.js's safe mode, in which it fails instead of dropping a property or
// keeping a relative IRI (the same idea as cxgw's fail-closed rules).
// Exit status: 0 when every item expands, 1 when any fails, 2 on bad usage or unreadable input.
//
// jsonld.js (8.x and 9.x) caches the result of an @import per active context (open issue
// digitalbazaar/jsonld.js#537): the second type-scoped context importing the same URL gets the
// first one's merged context and loses its own terms. The DSP 2025-1 context imports its ODRL
// profile from four type-scoped contexts, so the loader resolves @import itself, as JSON-LD 1.1
// Context Processing step 5.6 says: the imported context's entries, overridden by the local ones.
// (Without this, jsonld.js expands the DSP 2025-1 offer and agreement messages to little more
// than their @type.) jsonld is pinned to 8.x in package.json because 9.x needs Node.js >= 18.17
// (undici 6) and Debian 12, which deploy/scripts/install-deps.sh installs from, has 18.13.
import { readFileSync } from "node:fs";
import jsonld from "jsonld";

const USAGE = "usage: node expand-jsonld.mjs [--safe] CONTEXTS.json [BATCH.json | -]";

function die(message) {
  console.error(`expand-jsonld: ${message}`);
  process.exit(2);
}

function readJson(source, what) {
  let text;
  try {
    text = readFileSync(source, "utf8");
  } catch (error) {
    die(`cannot read ${what}: ${error.message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    die(`${what} is not JSON: ${error.message}`);
  }
}

const positional = [];
let safe = false;
for (const argument of process.argv.slice(2)) {
  if (argument === "--safe") safe = true;
  else if (argument === "--help" || argument === "-h") {
    console.log(USAGE);
    process.exit(0);
  } else if (argument.startsWith("--")) die(`unknown option ${argument}\n${USAGE}`);
  else positional.push(argument);
}
if (positional.length < 1 || positional.length > 2) die(USAGE);

const contextFiles = readJson(positional[0], "the context map");
if (contextFiles === null || typeof contextFiles !== "object" || Array.isArray(contextFiles)) {
  die("the context map must be a JSON object of URL -> file");
}

const rawContexts = new Map();
function rawContext(url) {
  if (!Object.hasOwn(contextFiles, url)) {
    throw new Error(`remote context '${url}' is not served locally (nothing is fetched)`);
  }
  if (!rawContexts.has(url)) {
    rawContexts.set(url, JSON.parse(readFileSync(contextFiles[url], "utf8")));
  }
  return rawContexts.get(url);
}

// A copy of a context value (string, object, array or null) with every @import replaced by the
// imported entries, in the context itself and in the scoped contexts of its term definitions.
function inlineImports(context) {
  if (Array.isArray(context)) return context.map(inlineImports);
  if (context === null || typeof context !== "object") return context;
  let merged = context;
  if (Object.hasOwn(context, "@import")) {
    const url = context["@import"];
    if (typeof url !== "string") throw new Error("@import must be a string");
    const imported = rawContext(url)["@context"];
    if (imported === null || typeof imported !== "object" || Array.isArray(imported)) {
      throw new Error(`imported context '${url}' is not a single context object`);
    }
    if (Object.hasOwn(imported, "@import")) {
      throw new Error(`imported context '${url}' must not include @import`);
    }
    const { "@import": _, ...local } = context;
    merged = { ...imported, ...local };
  }
  const result = {};
  for (const [key, value] of Object.entries(merged)) {
    if (
      !key.startsWith("@") &&
      value !== null &&
      typeof value === "object" &&
      Object.hasOwn(value, "@context")
    ) {
      result[key] = { ...value, "@context": inlineImports(value["@context"]) };
    } else {
      result[key] = value;
    }
  }
  return result;
}

const served = new Map();
async function documentLoader(url) {
  if (!served.has(url)) {
    const document = rawContext(url);
    served.set(url, { ...document, "@context": inlineImports(document["@context"]) });
  }
  return { contextUrl: null, documentUrl: url, document: served.get(url) };
}

const batchSource = positional.length === 2 && positional[1] !== "-" ? positional[1] : 0;
const batch = readJson(batchSource, "the batch");
if (!Array.isArray(batch)) die("the batch must be a JSON array of {name, document}");

let failed = 0;
for (const [index, item] of batch.entries()) {
  const name = String(item?.name ?? `#${index}`);
  try {
    let document = item.document;
    if (document !== null && typeof document === "object" && !Array.isArray(document) &&
        Object.hasOwn(document, "@context")) {
      document = { ...document, "@context": inlineImports(document["@context"]) };
    }
    const expanded = await jsonld.expand(document, { documentLoader, safe });
    console.log(JSON.stringify({ name, expanded }));
  } catch (error) {
    failed += 1;
    const details = error.details?.event?.message ?? error.details?.cause?.message ?? "";
    const message = `${error.message}${details ? `: ${details}` : ""}`;
    console.log(JSON.stringify({ name, error: message }));
  }
}
process.exit(failed === 0 ? 0 : 1);
