#include "cxgw/adapters/row_renderer.hpp"

#include <algorithm>
#include <optional>

#include "cxgw/adapters/twin_identity.hpp"
#include "cxgw/core/json_text.hpp"

namespace cxgw::adapters {
namespace {

void appendJsonValue(std::string& out, const SourceValue& value) {
  switch (value.kind) {
    case ValueKind::kInteger:
    case ValueKind::kNumber:
    case ValueKind::kBoolean:
    case ValueKind::kJson:
      out += value.text;
      break;
    default:
      json::appendString(out, value.text);
  }
}

// Renders a payload template straight into one output string. The JSON Pointer of the node
// being rendered is kept as a stack of parts and spelled out only for an issue.
class Renderer {
 public:
  Renderer(const ColumnIndex& columns, const RenderContext& context, std::string& out)
      : columns_(columns), context_(context), out_(&out) {}

  // Appends the JSON for `node`; false, with nothing appended, when it is absent or on an
  // issue (see issue()).
  bool render(const PayloadTemplate& node, const SourceRow& row,
              const std::vector<const SourceRow*>& group) {
    std::string& out = *out_;
    switch (node.kind) {
      case PayloadTemplate::Kind::kValue:
        return appendValue(node.value, row);
      case PayloadTemplate::Kind::kObject: {
        const size_t start = out.size();
        out.push_back('{');
        bool any = false;
        for (const auto& [name, member] : node.members) {
          const size_t before = out.size();
          if (any) out.push_back(',');
          json::appendString(out, name);
          out.push_back(':');
          path_.push_back({&name, 0});
          const bool present = render(member, row, group);
          path_.pop_back();
          if (issue_) return false;
          if (!present) {
            out.resize(before);
            continue;
          }
          any = true;
        }
        if (!any) {
          out.resize(start);
          return false;
        }
        out.push_back('}');
        return true;
      }
      case PayloadTemplate::Kind::kArray:
      case PayloadTemplate::Kind::kEachRow: {
        const size_t start = out.size();
        out.push_back('[');
        size_t count = 0;
        if (node.kind == PayloadTemplate::Kind::kEachRow) {
          appendRows(node, group, count);
        } else {
          // An each-row element of a fixed array adds its rows' elements in its place.
          for (const PayloadTemplate& element : node.elements) {
            if (element.kind == PayloadTemplate::Kind::kEachRow) {
              appendRows(element, group, count);
            } else {
              const size_t before = out.size();
              if (count > 0) out.push_back(',');
              path_.push_back({nullptr, count});
              const bool present = render(element, row, group);
              path_.pop_back();
              if (present) {
                ++count;
              } else {
                out.resize(before);
              }
            }
            if (issue_) break;
          }
        }
        if (issue_) {
          out.resize(start);
          return false;
        }
        out.push_back(']');
        return true;
      }
    }
    return false;
  }

  const std::optional<RenderIssue>& issue() const { return issue_; }

 private:
  struct PathPart {
    const std::string* name;  // a member, or nullptr for an array element
    size_t index;
  };

  std::string pointer() const {
    std::string out;
    for (const PathPart& part : path_) {
      out.push_back('/');
      if (part.name == nullptr) {
        out += std::to_string(part.index);
        continue;
      }
      for (char c : *part.name) {  // RFC 6901 escaping
        if (c == '~') {
          out += "~0";
        } else if (c == '/') {
          out += "~1";
        } else {
          out.push_back(c);
        }
      }
    }
    return out;
  }

  bool appendValue(const ValueExpression& expression, const SourceRow& row) {
    if (expression.source == ValueExpression::Source::kColumn && expression.transforms.empty()) {
      // The common case, without copying the value.
      const int position = columns_.find(expression.name);
      if (position >= 0) {
        const SourceValue& value = row[static_cast<size_t>(position)];
        if (value.isNull()) return false;
        appendJsonValue(*out_, value);
        return true;
      }
    }
    auto value = evaluate(expression, columns_, row, context_);
    if (auto* issue = std::get_if<RenderIssue>(&value)) {
      issue_ = RenderIssue{pointer(), issue->reason};
      return false;
    }
    const SourceValue& v = std::get<SourceValue>(value);
    if (v.isNull()) return false;
    appendJsonValue(*out_, v);
    return true;
  }

  // One element per row of the group (rows where `when_present` is NULL add none), in a
  // canonical order (sorted by their JSON text), so that the payload does not depend on the
  // order in which the database returns a twin's rows.
  void appendRows(const PayloadTemplate& node, const std::vector<const SourceRow*>& group,
                  size_t& count) {
    const int present = node.when_present.empty() ? -1 : columns_.find(node.when_present);
    std::vector<std::string> elements;
    std::string* const out = out_;
    for (const SourceRow* each : group) {
      if (present >= 0 && (*each)[static_cast<size_t>(present)].isNull()) continue;
      std::string element;
      out_ = &element;
      path_.push_back({nullptr, count + elements.size()});
      const bool rendered = render(node.elements.front(), *each, group);
      path_.pop_back();
      out_ = out;
      if (issue_) return;
      if (rendered) elements.push_back(std::move(element));
    }
    std::sort(elements.begin(), elements.end());
    if (node.distinct)
      elements.erase(std::unique(elements.begin(), elements.end()), elements.end());
    for (const std::string& element : elements) {
      if (count++ > 0) out->push_back(',');
      *out += element;
    }
  }

  const ColumnIndex& columns_;
  const RenderContext& context_;
  std::string* out_;
  std::vector<PathPart> path_;
  std::optional<RenderIssue> issue_;
};

std::variant<SourceValue, RenderIssue> column(const std::string& name, const ColumnIndex& columns,
                                              const SourceRow& row, const std::string& path) {
  const int position = columns.find(name);
  if (position < 0) return RenderIssue{path, "the query has no column '" + name + "'"};
  return row[static_cast<size_t>(position)];
}

}  // namespace

ColumnIndex::ColumnIndex(std::vector<std::string> names) : names_(std::move(names)) {
  for (size_t i = 0; i < names_.size(); ++i) positions_.emplace(names_[i], static_cast<int>(i));
}

int ColumnIndex::find(const std::string& name) const {
  const auto it = positions_.find(name);
  return it == positions_.end() ? -1 : it->second;
}

std::variant<SourceValue, RenderIssue> evaluate(const ValueExpression& expression,
                                                const ColumnIndex& columns, const SourceRow& row,
                                                const RenderContext& context) {
  SourceValue value;
  switch (expression.source) {
    case ValueExpression::Source::kColumn: {
      auto read = column(expression.name, columns, row, expression.path);
      if (std::holds_alternative<RenderIssue>(read)) return read;
      value = std::get<SourceValue>(read);
      break;
    }
    case ValueExpression::Source::kConstant:
    case ValueExpression::Source::kConfig:
      value = expression.constant;
      break;
    case ValueExpression::Source::kTwinId:
      value = SourceValue{ValueKind::kText, context.global_asset_id};
      break;
    case ValueExpression::Source::kTwinRef: {
      auto key = keyValues(expression.ref_columns, columns, row);
      if (auto* issue = std::get_if<RenderIssue>(&key)) {
        // A reference without a key (e.g. no child on this row) is no reference.
        if (issue->reason.find("is NULL") != std::string::npos) return SourceValue{};
        return *issue;
      }
      value = SourceValue{ValueKind::kText,
                          twinGlobalAssetId(context.twin_namespace, expression.ref_class,
                                            std::get<std::vector<std::string>>(key))};
      break;
    }
    case ValueExpression::Source::kTemplate: {
      std::string text;
      const std::string& pattern = expression.name;
      for (size_t i = 0; i < pattern.size();) {
        const size_t open = pattern.find('{', i);
        const size_t close = open == std::string::npos ? open : pattern.find('}', open);
        if (close == std::string::npos) {
          text += pattern.substr(i);
          break;
        }
        text += pattern.substr(i, open - i);
        auto read =
            column(pattern.substr(open + 1, close - open - 1), columns, row, expression.path);
        if (std::holds_alternative<RenderIssue>(read)) return read;
        const SourceValue& part = std::get<SourceValue>(read);
        if (part.isNull()) return SourceValue{};  // a template with a NULL part is NULL
        text += part.text;
        i = close + 1;
      }
      value = SourceValue{ValueKind::kText, std::move(text)};
      break;
    }
  }
  for (const Transform& transform : expression.transforms) {
    auto next = applyTransform(transform, value);
    if (!next) return RenderIssue{expression.path, next.error().message};
    value = std::move(next).value();
  }
  return value;
}

std::variant<std::string, RenderIssue> renderPayload(const PayloadTemplate& payload,
                                                     const ColumnIndex& columns,
                                                     const std::vector<const SourceRow*>& rows,
                                                     const RenderContext& context) {
  std::string json;
  json.reserve(1024);
  Renderer renderer(columns, context, json);
  const bool present = renderer.render(payload, *rows.front(), rows);
  if (renderer.issue()) return *renderer.issue();
  return present ? json : std::string("{}");
}

std::variant<std::vector<std::string>, RenderIssue> keyValues(
    const std::vector<std::string>& key_columns, const ColumnIndex& columns, const SourceRow& row) {
  std::vector<std::string> values;
  for (const std::string& name : key_columns) {
    auto read = column(name, columns, row, "key");
    if (auto* issue = std::get_if<RenderIssue>(&read)) return *issue;
    const SourceValue& value = std::get<SourceValue>(read);
    if (value.isNull()) return RenderIssue{"key", "key column '" + name + "' is NULL"};
    values.push_back(value.text);
  }
  return values;
}

}  // namespace cxgw::adapters
