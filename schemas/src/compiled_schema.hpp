#pragma once
// One schema file, parsed, checked and compiled once. Immutable afterwards, so validate() may
// run on any number of threads at once.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cxgw/core/result.hpp"
#include "cxgw/schemas/schema_registry.hpp"

namespace cxgw::schemas {

class CompiledSchema {
 public:
  // `source` is what SchemaRegistry::source() reports; `file` names the schema in errors.
  static Result<std::shared_ptr<const CompiledSchema>> compile(std::string_view schema_text,
                                                               std::string source,
                                                               std::string file);
  ~CompiledSchema();
  CompiledSchema(const CompiledSchema&) = delete;
  CompiledSchema& operator=(const CompiledSchema&) = delete;

  const std::string& source() const { return source_; }
  const std::vector<std::string>& requiredPaths() const { return required_paths_; }
  std::optional<ValidationIssue> validate(std::string_view json_payload) const;

 private:
  struct Compiled;

  CompiledSchema(std::string source, std::unique_ptr<Compiled> compiled);

  const std::string source_;
  const std::unique_ptr<const Compiled> compiled_;
  const std::vector<std::string> required_paths_;
};

}  // namespace cxgw::schemas
