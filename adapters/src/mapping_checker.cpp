#include "cxgw/adapters/mapping_checker.hpp"

#include <algorithm>
#include <set>

#include "cxgw/adapters/stream_query.hpp"

namespace cxgw::adapters {
namespace {

class StreamChecker {
 public:
  StreamChecker(std::string stream, const std::vector<QueryColumn>& columns,
                std::vector<MappingFinding>& findings)
      : stream_(std::move(stream)), columns_(columns), findings_(findings) {}

  const QueryColumn* column(const std::string& name) const {
    for (const auto& c : columns_) {
      if (c.name == name) return &c;
    }
    return nullptr;
  }

  void requireColumn(const std::string& name, const std::string& key, int line) {
    if (column(name) != nullptr) return;
    std::string available;
    for (const auto& c : columns_) available += (available.empty() ? "" : ", ") + c.name;
    add(key, line,
        "column '" + name + "' is not returned by the query (it returns: " + available + ")");
  }

  void checkExpression(const ValueExpression& expression) {
    for (const std::string& name : expression.columns()) {
      requireColumn(name, expression.path, expression.line);
    }
    if (expression.source != ValueExpression::Source::kColumn || expression.transforms.empty()) {
      return;
    }
    const QueryColumn* input = column(expression.name);
    if (input == nullptr) return;
    const Transform& first = expression.transforms.front();
    const ValueKind kind = input->kind;
    const auto accepts = [kind](std::initializer_list<ValueKind> kinds) {
      return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
    };
    bool ok = true;
    switch (first.kind) {
      case Transform::Kind::kDate:
      case Transform::Kind::kDateTime:
        ok = accepts(
            {ValueKind::kDate, ValueKind::kTimestamp, ValueKind::kTimestampTz, ValueKind::kText});
        break;
      case Transform::Kind::kJsonPath:
        ok = accepts({ValueKind::kJson, ValueKind::kText});
        break;
      case Transform::Kind::kNumber:
      case Transform::Kind::kInteger:
        ok = accepts({ValueKind::kInteger, ValueKind::kNumber, ValueKind::kText});
        break;
      case Transform::Kind::kBoolean:
        ok = accepts({ValueKind::kBoolean, ValueKind::kInteger, ValueKind::kText});
        break;
      case Transform::Kind::kCountryAlpha3:
      case Transform::Kind::kUnit:
        ok = accepts({ValueKind::kText});
        break;
      default:
        break;
    }
    if (!ok) {
      add(expression.path, expression.line,
          "column '" + expression.name + "' is of type " + input->type_name +
              ", which the first transform cannot read");
    }
  }

  void add(const std::string& key, int line, std::string message) {
    findings_.push_back({stream_, key, line, std::move(message)});
  }

 private:
  std::string stream_;
  const std::vector<QueryColumn>& columns_;
  std::vector<MappingFinding>& findings_;
};

void collect(const PayloadTemplate& node, const std::string& path, std::set<std::string>& paths,
             std::vector<const PayloadTemplate*>& values,
             std::vector<const PayloadTemplate*>& each) {
  switch (node.kind) {
    case PayloadTemplate::Kind::kValue:
      values.push_back(&node);
      break;
    case PayloadTemplate::Kind::kObject:
      for (const auto& [name, member] : node.members) {
        paths.insert(path + "/" + name);
        collect(member, path + "/" + name, paths, values, each);
      }
      break;
    case PayloadTemplate::Kind::kEachRow:
      each.push_back(&node);
      collect(node.elements.front(), path + "/*", paths, values, each);
      break;
    case PayloadTemplate::Kind::kArray:
      for (const auto& element : node.elements) {
        // An each-row element splices its items into this array: it adds the "/*" itself.
        const bool splices = element.kind == PayloadTemplate::Kind::kEachRow;
        collect(element, splices ? path : path + "/*", paths, values, each);
      }
      break;
  }
}

}  // namespace

Result<MappingCheckReport> checkMapping(const Mapping& mapping, SourceConnector& source,
                                        const schemas::SchemaRegistry& schemas) {
  MappingCheckReport report;
  for (size_t i = 0; i < mapping.twins.size(); ++i) {
    const TwinMapping& twin = mapping.twins[i];
    const std::string stream = "twin:" + twin.twin_class;
    const std::string base = "twins[" + std::to_string(i) + "]";
    auto columns = source.describe(bindChangedSince(twin.query, "NULL"));
    if (!columns)
      return Error{columns.error().code, stream + ": " + columns.error().message, base + ".query",
                   mapping.file.string(), twin.line};
    report.columns.emplace_back(stream, columns.value());
    StreamChecker checker(stream, report.columns.back().second, report.findings);
    for (const auto& key : twin.key_columns) checker.requireColumn(key, base + ".key", twin.line);
    if (twin.incremental) {
      for (const auto& c : twin.incremental->columns)
        checker.requireColumn(c, base + ".incremental", twin.line);
    }
    if (twin.withdraw_when)
      checker.requireColumn(twin.withdraw_when->column, base + ".withdraw_when", twin.line);
    checker.checkExpression(twin.id_short);
    for (const auto& [name, expression] : twin.specific_asset_ids)
      checker.checkExpression(expression);
    if (twin.visible_to) checker.checkExpression(*twin.visible_to);
    if (twin.deletions) {
      const std::string deleted = "deleted:" + twin.twin_class;
      auto deletion_columns = source.describe(bindChangedSince(twin.deletions->query, "NULL"));
      if (!deletion_columns)
        return Error{deletion_columns.error().code,
                     deleted + ": " + deletion_columns.error().message, base + ".deletions.query",
                     mapping.file.string(), twin.deletions->line};
      report.columns.emplace_back(deleted, deletion_columns.value());
      StreamChecker deletions(deleted, report.columns.back().second, report.findings);
      for (const auto& key : twin.key_columns) {
        deletions.requireColumn(key, base + ".deletions.query", twin.deletions->line);
      }
      for (const auto& c : twin.deletions->watermark.columns) {
        deletions.requireColumn(c, base + ".deletions.watermark", twin.deletions->line);
      }
    }
  }
  for (size_t i = 0; i < mapping.aspects.size(); ++i) {
    const AspectMapping& aspect = mapping.aspects[i];
    const std::string base = "aspects[" + std::to_string(i) + "]";
    auto columns = source.describe(bindChangedSince(aspect.query, "NULL"));
    if (!columns)
      return Error{columns.error().code, aspect.name + ": " + columns.error().message,
                   base + ".query", mapping.file.string(), aspect.line};
    report.columns.emplace_back(aspect.name, columns.value());
    StreamChecker checker(aspect.name, report.columns.back().second, report.findings);
    for (const auto& key : aspect.key_columns)
      checker.requireColumn(key, base + ".key", aspect.line);
    if (aspect.incremental) {
      for (const auto& c : aspect.incremental->columns)
        checker.requireColumn(c, base + ".incremental", aspect.line);
    }
    std::set<std::string> mapped;
    std::vector<const PayloadTemplate*> values;
    std::vector<const PayloadTemplate*> each;
    collect(aspect.payload, "", mapped, values, each);
    for (const PayloadTemplate* value : values) checker.checkExpression(value->value);
    for (const PayloadTemplate* node : each) {
      if (!node->when_present.empty())
        checker.requireColumn(node->when_present, node->path, node->line);
    }
    if (!schemas.contains(aspect.urn)) {
      checker.add(base + ".urn", aspect.line,
                  "the schema registry has no schema for " + aspect.urn.toString() +
                      " (add a directory with schemas.directories)");
      continue;
    }
    for (const std::string& required : schemas.requiredPaths(aspect.urn)) {
      if (mapped.count(required) == 0) {
        checker.add(base + ".payload", aspect.payload.line,
                    "the aspect requires " + required + ", which nothing maps");
      }
    }
  }
  return report;
}

}  // namespace cxgw::adapters
