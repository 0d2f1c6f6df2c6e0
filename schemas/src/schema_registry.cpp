#include "cxgw/schemas/schema_registry.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <system_error>

#include "builtin_schema_files.hpp"
#include "compiled_schema.hpp"

namespace cxgw::schemas {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kBuiltInSource = "built-in";
constexpr std::string_view kOwnLayoutSuffix = ".schema.json";
constexpr std::string_view kOfficialLayoutSuffix = "-schema.json";
constexpr std::string_view kOfficialLayoutFolder = "gen";

struct SchemaFile {
  AspectUrn urn;
  fs::path path;
};

Result<AspectUrn> urnFromPath(std::string_view model_namespace, std::string_view version,
                              std::string_view name, const std::string& file) {
  auto urn = parseAspectUrn("urn:samm:" + std::string(model_namespace) + ":" +
                            std::string(version) + "#" + std::string(name));
  if (!urn) {
    Error error = urn.error();
    error.message = "the path does not spell an aspect URN: " + error.message;
    error.file = file;
    return error;
  }
  return urn;
}

Error ioError(const fs::path& path, const std::string& what, const std::error_code& code) {
  return Error{ErrorCode::kIoError, what + ": " + code.message(), "", path.string(), 0};
}

Result<std::vector<fs::path>> sortedEntries(const fs::path& directory) {
  std::error_code code;
  std::vector<fs::path> entries;
  for (fs::directory_iterator it(directory, code), end; !code && it != end; it.increment(code)) {
    entries.push_back(it->path());
  }
  if (code) return ioError(directory, "cannot list the schema directory", code);
  std::sort(entries.begin(), entries.end());
  return entries;
}

bool isDirectory(const fs::path& path) {
  std::error_code ignored;
  return fs::is_directory(path, ignored);
}

std::optional<std::string> stripSuffix(const fs::path& file, std::string_view suffix) {
  const std::string name = file.filename().string();
  std::error_code ignored;
  if (name.size() <= suffix.size() || !name.ends_with(suffix) ||
      !fs::is_regular_file(file, ignored)) {
    return std::nullopt;
  }
  return name.substr(0, name.size() - suffix.size());
}

// Both layouts below one version folder: <Name>.schema.json and gen/<Name>-schema.json.
Status collectVersionFolder(const fs::path& version_folder, std::vector<SchemaFile>& found) {
  const std::string model_namespace = version_folder.parent_path().filename().string();
  const std::string version = version_folder.filename().string();
  // Folders no URN can name (.git, documentation/images) hold no models of a checkout.
  if (!parseAspectUrn("urn:samm:" + model_namespace + ":" + version + "#Placeholder")) return {};
  std::vector<std::pair<fs::path, std::string>> candidates;
  auto own = sortedEntries(version_folder);
  if (!own) return own.error();
  for (const auto& file : own.value()) {
    if (auto name = stripSuffix(file, kOwnLayoutSuffix)) candidates.emplace_back(file, *name);
  }
  if (const fs::path gen = version_folder / kOfficialLayoutFolder; isDirectory(gen)) {
    auto official = sortedEntries(gen);
    if (!official) return official.error();
    for (const auto& file : official.value()) {
      if (auto name = stripSuffix(file, kOfficialLayoutSuffix)) {
        candidates.emplace_back(file, *name);
      }
    }
  }
  const size_t first_new = found.size();
  for (const auto& [file, name] : candidates) {
    auto urn = urnFromPath(model_namespace, version, name, file.string());
    if (!urn) return urn.error();
    const auto twin =
        std::find_if(found.begin() + static_cast<std::ptrdiff_t>(first_new), found.end(),
                     [&](const SchemaFile& other) { return other.urn == urn.value(); });
    if (twin != found.end()) {
      return Error{ErrorCode::kInvalidArgument,
                   urn.value().toString() + " is defined twice, also by " + twin->path.string(), "",
                   file.string(), 0};
    }
    found.push_back({std::move(urn).value(), file});
  }
  return {};
}

Result<std::vector<SchemaFile>> findSchemaFiles(const fs::path& directory) {
  if (!isDirectory(directory)) {
    return Error{ErrorCode::kNotFound, "schema directory does not exist or is not a directory", "",
                 directory.string(), 0};
  }
  std::vector<SchemaFile> found;
  auto namespaces = sortedEntries(directory);
  if (!namespaces) return namespaces.error();
  for (const auto& namespace_folder : namespaces.value()) {
    if (!isDirectory(namespace_folder)) continue;
    auto versions = sortedEntries(namespace_folder);
    if (!versions) return versions.error();
    for (const auto& version_folder : versions.value()) {
      if (!isDirectory(version_folder)) continue;
      if (auto status = collectVersionFolder(version_folder, found); !status) {
        return status.error();
      }
    }
  }
  return found;
}

Result<std::string> readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error{ErrorCode::kIoError,
                 std::string("cannot open schema file: ") + std::strerror(errno), "", path.string(),
                 0};
  }
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) {
    return Error{ErrorCode::kIoError, "cannot read schema file", "", path.string(), 0};
  }
  return text;
}

using SchemaMap = std::map<std::string, std::shared_ptr<const CompiledSchema>, std::less<>>;

Result<SchemaMap> compileBuiltIns() {
  SchemaMap schemas;
  for (const auto& file : builtInSchemaFiles()) {
    const std::string origin = "schemas/aspects/" + std::string(file.relative_path);
    const fs::path relative(file.relative_path);
    const std::string filename = relative.filename().string();
    auto urn = urnFromPath(
        relative.parent_path().parent_path().string(), relative.parent_path().filename().string(),
        std::string_view(filename).substr(0, filename.size() - kOwnLayoutSuffix.size()), origin);
    if (!urn) return urn.error();
    auto compiled = CompiledSchema::compile(file.text, std::string(kBuiltInSource), origin);
    if (!compiled) return compiled.error();
    schemas[urn.value().toString()] = std::move(compiled).value();
  }
  return schemas;
}

std::vector<std::string_view> versionParts(std::string_view version) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t dot = version.find('.'); dot != std::string_view::npos;
       start = dot + 1, dot = version.find('.', start)) {
    parts.push_back(version.substr(start, dot - start));
  }
  parts.push_back(version.substr(start));
  return parts;
}

// Version parts are digit strings (parseAspectUrn checks it) compared as numbers, so that
// 10.0.0 sorts after 9.0.0.
bool versionLess(std::string_view left, std::string_view right) {
  const auto left_parts = versionParts(left);
  const auto right_parts = versionParts(right);
  return std::lexicographical_compare(left_parts.begin(), left_parts.end(), right_parts.begin(),
                                      right_parts.end(),
                                      [](std::string_view a, std::string_view b) {
                                        return a.size() != b.size() ? a.size() < b.size() : a < b;
                                      });
}

}  // namespace

SchemaRegistry::SchemaRegistry(std::shared_ptr<const SchemaMap> schemas)
    : schemas_(std::move(schemas)) {}

Result<SchemaRegistry> SchemaRegistry::load(
    const std::vector<std::filesystem::path>& extra_directories) {
  // Built-ins are compiled once per process and shared by every registry.
  static const Result<SchemaMap> built_ins = compileBuiltIns();
  if (!built_ins) return built_ins.error();
  auto schemas = std::make_shared<SchemaMap>(built_ins.value());
  for (const auto& directory : extra_directories) {
    auto files = findSchemaFiles(directory);
    if (!files) return files.error();
    for (const auto& file : files.value()) {
      auto text = readFile(file.path);
      if (!text) return text.error();
      auto compiled = CompiledSchema::compile(text.value(), file.path.string(), file.path.string());
      if (!compiled) return compiled.error();
      (*schemas)[file.urn.toString()] = std::move(compiled).value();
    }
  }
  return SchemaRegistry(std::move(schemas));
}

const CompiledSchema* SchemaRegistry::find(const AspectUrn& urn) const {
  const auto found = schemas_->find(urn.toString());
  return found == schemas_->end() ? nullptr : found->second.get();
}

bool SchemaRegistry::contains(const AspectUrn& urn) const {
  return find(urn) != nullptr;
}

std::vector<AspectUrn> SchemaRegistry::urns() const {
  std::vector<AspectUrn> urns;
  urns.reserve(schemas_->size());
  for (const auto& [text, schema] : *schemas_) urns.push_back(parseAspectUrn(text).value());
  std::sort(urns.begin(), urns.end(), [](const AspectUrn& left, const AspectUrn& right) {
    if (left.model_namespace != right.model_namespace) {
      return left.model_namespace < right.model_namespace;
    }
    if (left.version != right.version) return versionLess(left.version, right.version);
    return left.name < right.name;
  });
  return urns;
}

std::string SchemaRegistry::source(const AspectUrn& urn) const {
  const CompiledSchema* schema = find(urn);
  return schema != nullptr ? schema->source() : std::string();
}

std::optional<ValidationIssue> SchemaRegistry::validate(const AspectUrn& urn,
                                                        std::string_view json_payload) const {
  const CompiledSchema* schema = find(urn);
  if (schema == nullptr) {
    return ValidationIssue{"", "no schema for aspect model " + urn.toString()};
  }
  return schema->validate(json_payload);
}

std::vector<std::string> SchemaRegistry::requiredPaths(const AspectUrn& urn) const {
  const CompiledSchema* schema = find(urn);
  return schema != nullptr ? schema->requiredPaths() : std::vector<std::string>();
}

}  // namespace cxgw::schemas
