#include "support/dsp_schema_validator.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <sstream>
#include <utility>

#include "cxgw/core/json_text.hpp"
#include "support/child_process.hpp"
#include "support/temp_directory.hpp"

namespace cxgw::testing {
namespace {

namespace fs = std::filesystem;

constexpr auto kRunTimeout = std::chrono::minutes(5);

Error makeError(ErrorCode code, std::string message) {
  Error error;
  error.code = code;
  error.message = std::move(message);
  return error;
}

std::string oneLine(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

struct Run {
  int exit_status = -1;
  std::vector<std::string> lines;
};

Result<Run> runNode(const fs::path& node, std::vector<std::string> arguments) {
  SpawnOptions options;
  options.argv = {node.string()};
  for (auto& argument : arguments) options.argv.push_back(std::move(argument));
  auto child = ChildProcess::spawn(options);
  if (!child) return child.error();
  const std::string output = child.value()->readAll(kRunTimeout);
  const auto status = child.value()->waitFor(std::chrono::seconds(30));
  if (!status) return makeError(ErrorCode::kInternal, "the validator did not end:\n" + output);
  Run run;
  run.exit_status = *status;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) run.lines.push_back(line);
  return run;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  return text;
}

}  // namespace

fs::path conformanceValidatorFolder() {
  return CXGW_CONFORMANCE_VALIDATOR_DIR;
}

std::optional<fs::path> findNodeExecutable() {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return std::nullopt;
  std::istringstream folders(path);
  for (std::string folder; std::getline(folders, folder, ':');) {
    if (folder.empty()) continue;
    const fs::path candidate = fs::path(folder) / "node";
    if (::access(candidate.c_str(), X_OK) == 0 && !fs::is_directory(candidate)) return candidate;
  }
  return std::nullopt;
}

Result<DspSchemaValidator> DspSchemaValidator::fromEnvironment() {
  const char* reference = std::getenv("CX_REFERENCE_DIR");
  if (reference == nullptr || *reference == '\0') {
    return makeError(ErrorCode::kUnavailable, "CX_REFERENCE_DIR is not set");
  }
  const fs::path schemas = fs::path(reference) / "dsp" / "2025-1";
  if (!fs::is_directory(schemas)) {
    return makeError(ErrorCode::kUnavailable, schemas.string() + " is not a directory");
  }
  const auto node = findNodeExecutable();
  if (!node) return makeError(ErrorCode::kUnavailable, "node (Node.js) is not in PATH");
  const fs::path validator = conformanceValidatorFolder();
  if (!fs::exists(validator / "validate-dsp.mjs") ||
      !fs::exists(validator / "node_modules" / "ajv" / "dist" / "2019.js") ||
      !fs::is_directory(validator / "node_modules" / "ajv-formats")) {
    return makeError(ErrorCode::kUnavailable,
                     "the DSP schema validator is not installed (deploy/scripts/test.sh runs npm "
                     "ci in " +
                         validator.string() + ")");
  }
  return DspSchemaValidator(schemas, *node, validator);
}

DspSchemaValidator::DspSchemaValidator(fs::path schema_folder, fs::path node,
                                       fs::path validator_folder)
    : schema_folder_(std::move(schema_folder)),
      node_(std::move(node)),
      validator_folder_(std::move(validator_folder)) {}

Result<std::vector<DspSchemaVerdict>> DspSchemaValidator::validate(
    const std::vector<DspSchemaCheck>& checks) const {
  diagnostics_.clear();
  std::vector<DspSchemaVerdict> verdicts(checks.size());
  std::vector<size_t> sent;  // indexes into `checks` of the items in the batch
  std::string batch = "[";
  for (size_t i = 0; i < checks.size(); ++i) {
    verdicts[i].name = oneLine(checks[i].name);
    rapidjson::Document document;
    document.Parse(checks[i].document_json.c_str(), checks[i].document_json.size());
    if (document.HasParseError()) {
      verdicts[i].errors = std::string("not valid JSON: ") +
                           rapidjson::GetParseError_En(document.GetParseError()) + " at offset " +
                           std::to_string(document.GetErrorOffset());
      continue;
    }
    if (!sent.empty()) batch += ",\n";
    batch += R"({"name":)" + json::quote(verdicts[i].name) + R"(,"schema":)" +
             json::quote(checks[i].schema) + R"(,"document":)" + checks[i].document_json + "}";
    sent.push_back(i);
  }
  batch += "]";
  if (sent.empty()) return verdicts;

  TempDirectory folder("cxgw-dsp-schemas");
  const fs::path batch_file = folder.write("batch.json", batch);
  auto run = runNode(node_, {(validator_folder_ / "validate-dsp.mjs").string(), "--schemas",
                             schema_folder_.string(), batch_file.string()});
  if (!run) return run.error();
  std::vector<std::string> verdict_lines;
  for (const auto& line : run.value().lines) {
    if (line.starts_with("OK ") || line.starts_with("FAIL ")) {
      verdict_lines.push_back(line);
    } else {
      diagnostics_ += line + "\n";
    }
  }
  const int status = run.value().exit_status;
  if ((status != 0 && status != 1) || verdict_lines.size() != sent.size()) {
    return makeError(ErrorCode::kInternal,
                     "validate-dsp.mjs exited with " + std::to_string(status) + " and " +
                         std::to_string(verdict_lines.size()) + " verdicts for " +
                         std::to_string(sent.size()) + " documents:\n" + joined(run.value().lines));
  }
  bool any_invalid = false;
  for (size_t k = 0; k < sent.size(); ++k) {
    DspSchemaVerdict& verdict = verdicts[sent[k]];
    const std::string& line = verdict_lines[k];
    const std::string ok = "OK " + verdict.name;
    const std::string fail = "FAIL " + verdict.name + ": ";
    if (line == ok) {
      verdict.valid = true;
    } else if (line.starts_with(fail)) {
      verdict.errors = line.substr(fail.size());
      any_invalid = true;
    } else {
      return makeError(ErrorCode::kInternal, "verdict for '" + verdict.name +
                                                 "' expected, validate-dsp.mjs said: " + line);
    }
  }
  if ((status == 0) == any_invalid) {
    return makeError(ErrorCode::kInternal,
                     "validate-dsp.mjs exit status " + std::to_string(status) +
                         " contradicts its verdicts:\n" + joined(run.value().lines));
  }
  return verdicts;
}

Result<std::vector<DspSchemaFile>> DspSchemaValidator::listSchemas() const {
  diagnostics_.clear();
  auto run = runNode(node_, {(validator_folder_ / "validate-dsp.mjs").string(), "--schemas",
                             schema_folder_.string(), "--list"});
  if (!run) return run.error();
  if (run.value().exit_status != 0) {
    return makeError(ErrorCode::kInternal, "validate-dsp.mjs --list exited with " +
                                               std::to_string(run.value().exit_status) + ":\n" +
                                               joined(run.value().lines));
  }
  std::vector<DspSchemaFile> files;
  for (const auto& line : run.value().lines) {
    const size_t space = line.find(' ');
    if (line.starts_with("validate-dsp: ") || space == std::string::npos) {
      diagnostics_ += line + "\n";
    } else {
      files.push_back({line.substr(0, space), line.substr(space + 1)});
    }
  }
  return files;
}

}  // namespace cxgw::testing
