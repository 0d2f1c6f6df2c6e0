// Validates Dataspace Protocol messages against the official DSP 2025-1 JSON Schemas
// (draft 2019-09) with ajv, a validator independent of cxgw. Made for one process start per
// batch: a C++ test hands it every document at once (tests/support/dsp_schema_validator.hpp).
//
//   node validate-dsp.mjs [--schemas DIR] [BATCH.json | -]
//   node validate-dsp.mjs [--schemas DIR] --list
//
// DIR is the folder of the DSP 2025-1 schemas (default: $CX_REFERENCE_DIR/dsp/2025-1). Every
// *-schema.json below it (example/ and context/ excepted) is registered under its "$id"
// (https://w3id.org/dspace/2025/1/<area>/<file>), so their cross-references resolve locally;
// nothing is fetched.
//
// BATCH (a file, or stdin when absent or "-") is a JSON array of
//   {"name": "...", "schema": "<$id, <area>/<file> or <file>>", "document": <any JSON>}
// One line per item, in input order:
//   OK <name>
//   FAIL <name>: <ajv errors, "; "-separated>
// An unknown schema is a FAIL of that item. A summary goes to stderr.
// Exit status: 0 when every item is OK, 1 when any FAILs, 2 on bad usage, an unreadable batch
// or schema folder, or a schema ajv cannot compile.
//
// --list prints one line per schema: "<path relative to DIR> <$id>", and exits 0.
//
// One repair is made on loading, and reported on stderr: the official transfer-error,
// transfer-suspension-message and transfer-termination-message schemas refer to
// "transfer-schema.json#definitions/AbstractTransferCodeMessage". A fragment without the leading
// "/" is a plain-name anchor in draft 2019-09, and none exists, so ajv cannot resolve it; the
// intent is the JSON pointer "#/definitions/...". A fragment containing "/" can never be an
// anchor name, so such a fragment is rewritten to a JSON pointer and nothing else is touched.
import { readFileSync, readdirSync } from "node:fs";
import { join, relative, sep } from "node:path";
import Ajv2019 from "ajv/dist/2019.js";
import addFormats from "ajv-formats";

const USAGE =
  "usage: node validate-dsp.mjs [--schemas DIR] [BATCH.json | -]\n" +
  "       node validate-dsp.mjs [--schemas DIR] --list";

function die(message) {
  console.error(`validate-dsp: ${message}`);
  process.exit(2);
}

function parseArguments(argv) {
  const options = { schemas: null, list: false, batch: null };
  for (let i = 0; i < argv.length; ++i) {
    const argument = argv[i];
    if (argument === "--schemas") {
      if (i + 1 >= argv.length) die(`--schemas needs a folder\n${USAGE}`);
      options.schemas = argv[++i];
    } else if (argument === "--list") {
      options.list = true;
    } else if (argument === "--help" || argument === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else if (argument.startsWith("--")) {
      die(`unknown option ${argument}\n${USAGE}`);
    } else if (options.batch === null) {
      options.batch = argument;
    } else {
      die(`more than one batch file\n${USAGE}`);
    }
  }
  if (options.schemas === null) {
    const reference = process.env.CX_REFERENCE_DIR;
    if (!reference) die(`neither --schemas nor CX_REFERENCE_DIR is set\n${USAGE}`);
    options.schemas = join(reference, "dsp", "2025-1");
  }
  return options;
}

function schemaFiles(folder) {
  const found = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "example" && entry.name !== "context") walk(path);
      } else if (entry.isFile() && entry.name.endsWith("-schema.json")) {
        found.push(path);
      }
    }
  };
  walk(folder);
  return found.sort();
}

function repairPointerFragments(node, file) {
  if (Array.isArray(node)) {
    node.forEach((item) => repairPointerFragments(item, file));
    return;
  }
  if (node === null || typeof node !== "object") return;
  for (const [key, value] of Object.entries(node)) {
    if (key === "$ref" && typeof value === "string") {
      const hash = value.indexOf("#");
      const fragment = hash < 0 ? "" : value.slice(hash + 1);
      if (fragment !== "" && !fragment.startsWith("/") && fragment.includes("/")) {
        node.$ref = `${value.slice(0, hash)}#/${fragment}`;
        console.error(`validate-dsp: ${file}: $ref "${value}" read as "${node.$ref}"`);
      }
    } else {
      repairPointerFragments(value, file);
    }
  }
}

function loadSchemas(folder) {
  let files;
  try {
    files = schemaFiles(folder);
  } catch (error) {
    die(`cannot read schema folder ${folder}: ${error.message}`);
  }
  if (files.length === 0) die(`no *-schema.json in ${folder}`);
  return files.map((file) => {
    let schema;
    try {
      schema = JSON.parse(readFileSync(file, "utf8"));
    } catch (error) {
      die(`${file}: ${error.message}`);
    }
    if (typeof schema.$id !== "string") die(`${file} has no $id`);
    const name = relative(folder, file).split(sep).join("/");
    repairPointerFragments(schema, name);
    return { file: name, id: schema.$id, schema };
  });
}

function describeErrors(errors) {
  return (errors ?? [])
    .map((e) => {
      const where = e.instancePath || "/";
      const params =
        e.keyword === "additionalProperties"
          ? ` '${e.params.additionalProperty}'`
          : e.keyword === "const"
            ? ` ${JSON.stringify(e.params.allowedValue)}`
            : e.keyword === "enum"
              ? ` ${JSON.stringify(e.params.allowedValues)}`
              : "";
      return `${where} ${e.message}${params} (${e.schemaPath})`;
    })
    .join("; ");
}

// Accepts the $id, "<area>/<file>" or a file name that is unique in the folder.
function resolveSchemaId(schemas, wanted) {
  if (typeof wanted !== "string" || wanted === "") return { error: "no schema given" };
  const matches = schemas.filter(
    (s) => s.id === wanted || s.file === wanted || s.file.split("/").pop() === wanted,
  );
  if (matches.length === 1) return { id: matches[0].id };
  if (matches.length === 0) return { error: `unknown schema '${wanted}'` };
  return { error: `ambiguous schema '${wanted}': ${matches.map((s) => s.file).join(", ")}` };
}

function oneLine(text) {
  return String(text).replace(/[\r\n]+/g, " ");
}

const options = parseArguments(process.argv.slice(2));
const schemas = loadSchemas(options.schemas);
if (options.list) {
  for (const s of schemas) console.log(`${s.file} ${s.id}`);
  process.exit(0);
}

const ajv = new Ajv2019({ strict: false, allErrors: true });
addFormats(ajv);
for (const s of schemas) {
  try {
    ajv.addSchema(s.schema);
  } catch (error) {
    die(`${s.file}: ${error.message}`);
  }
}
const compiled = new Map();
function validatorFor(id) {
  if (!compiled.has(id)) {
    try {
      compiled.set(id, ajv.getSchema(id));
    } catch (error) {
      die(`cannot compile ${id}: ${error.message}`);
    }
  }
  return compiled.get(id);
}

let batchText;
try {
  const source = options.batch === null || options.batch === "-" ? 0 : options.batch;
  batchText = readFileSync(source, "utf8");
} catch (error) {
  die(`cannot read the batch: ${error.message}`);
}
let batch;
try {
  batch = JSON.parse(batchText);
} catch (error) {
  die(`the batch is not JSON: ${error.message}`);
}
if (!Array.isArray(batch)) die("the batch must be a JSON array of {name, schema, document}");

let failed = 0;
batch.forEach((item, index) => {
  const name = oneLine(item?.name ?? `#${index}`);
  const fail = (reason) => {
    failed += 1;
    console.log(`FAIL ${name}: ${oneLine(reason)}`);
  };
  if (item === null || typeof item !== "object" || !("document" in item)) {
    fail("item has no document");
    return;
  }
  const resolved = resolveSchemaId(schemas, item.schema);
  if (resolved.error) {
    fail(resolved.error);
    return;
  }
  const validate = validatorFor(resolved.id);
  if (validate(item.document)) {
    console.log(`OK ${name}`);
  } else {
    fail(describeErrors(validate.errors));
  }
});
console.error(`validate-dsp: ${batch.length - failed} OK, ${failed} FAIL`);
process.exit(failed === 0 ? 0 : 1);
