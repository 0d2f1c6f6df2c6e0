#pragma once
// The aspect models the gateway knows, keyed by URN, and validation of payloads against them.
//
// Schemas are JSON Schema draft-04 files. The project's own (schemas/aspects/) are compiled into
// the library; an operator adds directories at run time, in either layout:
//   <namespace>/<version>/<Name>.schema.json       cxgw's own
//   <namespace>/<version>/gen/<Name>-schema.json   eclipse-tractusx/sldt-semantic-models
// Each file is keyed by the URN its path spells: urn:samm:<namespace>:<version>#<Name>. Folders
// whose names cannot be a namespace and version (.git, documentation/images) are passed over.
//
// Supported: draft-04 keywords as RapidJSON 1.1 implements them, local "$ref": "#/..." pointers,
// ECMAScript regular expressions in "pattern". "format" is not checked. Beyond the schema, a
// string constrained by a pattern may be at most kMaxPatternCheckedLength characters long
// (std::regex recurses per character), and a payload nested at most kMaxPayloadNesting levels
// deep (RapidJSON's validator does work proportional to the depth for every value).
//
// Thread-safety: a SchemaRegistry is immutable once loaded; every member function may be called
// concurrently from any number of threads. Copies are cheap and share the compiled schemas.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cxgw/core/result.hpp"
#include "cxgw/schemas/aspect_urn.hpp"

namespace cxgw::schemas {

inline constexpr std::size_t kMaxPatternCheckedLength = 4096;
inline constexpr std::size_t kMaxPayloadNesting = 64;

// Why a payload is not valid: the first violation found.
struct ValidationIssue {
  // JSON Pointer into the payload: the offending value, or for a missing property where it
  // belongs ("/localIdentifiers/0/key"). "" for the payload as a whole.
  std::string field;
  // In words, e.g. "does not match pattern ^BPNS[a-zA-Z0-9]{12}$",
  // "required property 'key' is missing".
  std::string reason;

  friend bool operator==(const ValidationIssue&, const ValidationIssue&) = default;
};

class CompiledSchema;

class SchemaRegistry {
 public:
  // The built-in schemas, then those found in each of `extra_directories` in order; a later
  // schema replaces an earlier one with the same URN. Fails, naming the file (and the line of a
  // JSON syntax error), on a directory that does not exist, a file that cannot be read, is not
  // JSON or not a usable draft-04 schema (unresolvable "$ref", bad "pattern", other "$schema"),
  // or a URN present in both layouts of one directory.
  static Result<SchemaRegistry> load(const std::vector<std::filesystem::path>& extra_directories);

  bool contains(const AspectUrn& urn) const;
  // Sorted by namespace, then numerically by version, then by name.
  std::vector<AspectUrn> urns() const;
  // "built-in" or the path of the file the schema was loaded from; "" for an unknown URN.
  std::string source(const AspectUrn& urn) const;

  // nullopt when `json_payload` is valid for `urn`. An unknown URN, or a payload that is not a
  // single well-formed UTF-8 JSON value, is an issue with field "".
  std::optional<ValidationIssue> validate(const AspectUrn& urn,
                                          std::string_view json_payload) const;

  // Paths of the properties a valid payload always has, i.e. the required properties reachable
  // through required parents, "*" standing for every item of an array:
  // "/localIdentifiers", "/localIdentifiers/*/key", ... Sorted; empty for an unknown URN.
  std::vector<std::string> requiredPaths(const AspectUrn& urn) const;

 private:
  using SchemaMap = std::map<std::string, std::shared_ptr<const CompiledSchema>, std::less<>>;

  explicit SchemaRegistry(std::shared_ptr<const SchemaMap> schemas);
  const CompiledSchema* find(const AspectUrn& urn) const;

  std::shared_ptr<const SchemaMap> schemas_;
};

}  // namespace cxgw::schemas
