#pragma once
// Validation of Dataspace Protocol messages against the official DSP 2025-1 JSON Schemas by an
// independent validator: tests/conformance/validator/validate-dsp.mjs (Node.js, ajv 2019-09),
// run once per batch because starting Node.js is slow. Meant for every test that wants to prove
// that what the gateway emits is what the specification allows:
//
//   auto validator = DspSchemaValidator::fromEnvironment();
//   if (!validator) {
//     std::cout << "SKIPPED: " << validator.error().message << "\n";
//     GTEST_SKIP() << validator.error().message;
//   }
//   auto verdicts = validator.value().validate({{"offer", "contract-offer-message-schema.json",
//                                                body}});
//   ASSERT_TRUE(verdicts.ok()) << verdicts.error().describe();
//   EXPECT_TRUE(verdicts.value()[0].valid) << verdicts.value()[0].errors;
//
// The schemas are read from $CX_REFERENCE_DIR/dsp/2025-1 (never copied into the repository); the
// npm packages are installed by deploy/scripts/test.sh (npm ci in the validator folder).
// Not thread-safe: each call starts its own process in its own temporary directory, but records
// that run's diagnostics in the object.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cxgw/core/result.hpp"

namespace cxgw::testing {

// tests/conformance/validator in the source tree: validate-dsp.mjs, expand-jsonld.mjs and their
// package.json / node_modules.
std::filesystem::path conformanceValidatorFolder();

// The `node` executable found in PATH; nullopt when there is none.
std::optional<std::filesystem::path> findNodeExecutable();

struct DspSchemaCheck {
  std::string name;    // reported back in the verdict; line breaks are replaced by spaces
  std::string schema;  // the schema's $id, "<area>/<file>" or a file name unique in the folder,
                       // e.g. "contract-request-message-schema.json"
  std::string document_json;  // the message as JSON text
};

struct DspSchemaVerdict {
  std::string name;
  bool valid = false;
  std::string errors;  // when not valid: ajv's errors ("<instance path> <message> (<schema
                       // path>)", "; "-separated), an unknown schema, or invalid JSON text
};

struct DspSchemaFile {
  std::string file;  // relative to the schema folder, e.g. "negotiation/contract-schema.json"
  std::string id;    // its $id
};

class DspSchemaValidator {
 public:
  // For $CX_REFERENCE_DIR/dsp/2025-1. Fails with code kUnavailable, and the reason to print as
  // "SKIPPED: <reason>" in the message, when CX_REFERENCE_DIR is unset, the folder is absent,
  // node is not in PATH, or the npm packages are not installed.
  static Result<DspSchemaValidator> fromEnvironment();

  DspSchemaValidator(std::filesystem::path schema_folder, std::filesystem::path node,
                     std::filesystem::path validator_folder = conformanceValidatorFolder());

  // One verdict per check, in the order of `checks`, from one run of the validator. A document
  // that is not valid JSON gets an invalid verdict without being sent. Fails (no verdicts) when
  // the validator cannot run, reports a setup error (exit status 2: unreadable schema folder, a
  // schema ajv cannot compile) or answers something that does not match the batch.
  Result<std::vector<DspSchemaVerdict>> validate(const std::vector<DspSchemaCheck>& checks) const;

  // The schemas the validator registered (its --list mode), with their $ids.
  Result<std::vector<DspSchemaFile>> listSchemas() const;

  // What the validator wrote besides verdicts in the last run (stderr: summary, schema repairs).
  const std::string& lastDiagnostics() const { return diagnostics_; }

  const std::filesystem::path& schemaFolder() const { return schema_folder_; }

 private:
  std::filesystem::path schema_folder_;
  std::filesystem::path node_;
  std::filesystem::path validator_folder_;
  mutable std::string diagnostics_;
};

}  // namespace cxgw::testing
