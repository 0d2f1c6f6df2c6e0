// Validates JSON payload files against one JSON Schema (draft-04) with ajv, a validator
// independent of cxgw's own. Usage: node validate.mjs SCHEMA.json PAYLOAD.json...
// Prints one line per invalid payload and exits 1 if any is invalid, 2 on bad usage.
import { readFileSync } from "node:fs";
import Ajv from "ajv-draft-04";
import addFormats from "ajv-formats";

const [schemaFile, ...payloadFiles] = process.argv.slice(2);
if (!schemaFile || payloadFiles.length === 0) {
  console.error("usage: node validate.mjs SCHEMA.json PAYLOAD.json...");
  process.exit(2);
}
const ajv = new Ajv({ strict: false, allErrors: false });
addFormats(ajv);
const validate = ajv.compile(JSON.parse(readFileSync(schemaFile, "utf8")));
let invalid = 0;
for (const file of payloadFiles) {
  const payload = JSON.parse(readFileSync(file, "utf8"));
  if (!validate(payload)) {
    invalid += 1;
    const e = validate.errors[0];
    console.log(`${file}: ${e.instancePath || "/"} ${e.message}`);
  }
}
console.log(`${payloadFiles.length - invalid} valid, ${invalid} invalid`);
process.exit(invalid === 0 ? 0 : 1);
