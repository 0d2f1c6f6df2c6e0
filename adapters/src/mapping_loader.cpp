#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "cxgw/adapters/mapping.hpp"
#include "cxgw/adapters/stream_query.hpp"

namespace cxgw::adapters {
namespace {

constexpr const char* kChangedSinceNeedsWatermark =
    "the query uses :changed_since, which stands for a watermark value, but the stream has no "
    "incremental watermark";

// Thrown inside this file only, and turned into an Error by loadMapping().
struct MappingError {
  std::string path;
  std::string message;
  int line;
};

int lineOf(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return mark.line >= 0 ? mark.line + 1 : 0;
}

[[noreturn]] void fail(const YAML::Node& node, const std::string& path, std::string message) {
  throw MappingError{path, std::move(message), lineOf(node)};
}

std::string join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

std::string indexed(const std::string& path, size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

// Reads the keys of a mapping node, refusing keys it does not know.
class MapReader {
 public:
  MapReader(const YAML::Node& node, std::string path, std::set<std::string> allowed)
      : node_(node), path_(std::move(path)), allowed_(std::move(allowed)) {
    if (!node_.IsMap()) fail(node_, path_, "expected a mapping of keys");
    for (auto it = node_.begin(); it != node_.end(); ++it) {
      const YAML::Node key = it->first;
      const std::string name = key.as<std::string>();
      if (allowed_.count(name) == 0) {
        std::string known;
        for (const auto& a : allowed_) known += (known.empty() ? "" : ", ") + a;
        fail(key, join(path_, name), "unknown key (expected one of: " + known + ")");
      }
    }
  }

  bool has(const std::string& key) const { return static_cast<bool>(node_[key]); }
  YAML::Node node(const std::string& key) const { return node_[key]; }
  std::string pathOf(const std::string& key) const { return join(path_, key); }
  const std::string& path() const { return path_; }
  int line() const { return lineOf(node_); }
  const YAML::Node& self() const { return node_; }

  std::string requiredString(const std::string& key) const {
    if (!has(key)) fail(node_, pathOf(key), "is required");
    return scalar(key);
  }
  std::string optionalString(const std::string& key, std::string fallback) const {
    return has(key) ? scalar(key) : std::move(fallback);
  }
  std::vector<std::string> stringList(const std::string& key, bool required) const {
    if (!has(key)) {
      if (required) fail(node_, pathOf(key), "is required");
      return {};
    }
    const YAML::Node list = node(key);
    if (list.IsScalar()) return {list.Scalar()};
    if (!list.IsSequence() || list.size() == 0) {
      fail(list, pathOf(key), "expected a name or a non-empty list of names");
    }
    std::vector<std::string> out;
    for (size_t i = 0; i < list.size(); ++i) {
      if (!list[i].IsScalar()) fail(list[i], indexed(pathOf(key), i), "expected a name");
      out.push_back(list[i].Scalar());
    }
    return out;
  }

 private:
  std::string scalar(const std::string& key) const {
    const YAML::Node value = node(key);
    if (!value.IsScalar()) fail(value, pathOf(key), "expected a single value");
    return value.Scalar();
  }

  YAML::Node node_;
  std::string path_;
  std::set<std::string> allowed_;
};

std::chrono::milliseconds duration(const MapReader& reader, const std::string& key,
                                   std::chrono::milliseconds fallback) {
  if (!reader.has(key)) return fallback;
  const std::string text = reader.requiredString(key);
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  int64_t number = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + digits, number);
  const std::string unit = text.substr(digits);
  int64_t scale = 0;
  if (unit == "ms") scale = 1;
  if (unit == "s") scale = 1000;
  if (unit == "m") scale = 60'000;
  if (unit == "h") scale = 3'600'000;
  if (digits == 0 || ec != std::errc() || scale == 0 || number <= 0) {
    fail(reader.node(key), reader.pathOf(key),
         "expected a positive duration such as 500ms, 30s or 5m, got '" + text + "'");
  }
  return std::chrono::milliseconds(number * scale);
}

SourceValue typedConstant(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return {ValueKind::kText, text};  // quoted: always a string
  if (text == "true" || text == "false") return {ValueKind::kBoolean, text};
  if (text == "null" || text == "~") return {};
  Transform number;
  number.kind = Transform::Kind::kInteger;
  if (auto integer = applyTransform(number, {ValueKind::kText, text}); integer.ok()) {
    return integer.value();
  }
  number.kind = Transform::Kind::kNumber;
  if (auto decimal = applyTransform(number, {ValueKind::kText, text}); decimal.ok()) {
    return decimal.value();
  }
  return {ValueKind::kText, text};
}

class Loader {
 public:
  Loader(const MappingContext& context, std::string default_timezone)
      : context_(context), timezone_(std::move(default_timezone)) {}

  Transform parseTransform(const YAML::Node& node, const std::string& path) {
    static const std::map<std::string, Transform::Kind> kByName{
        {"date", Transform::Kind::kDate},
        {"datetime", Transform::Kind::kDateTime},
        {"country_alpha3", Transform::Kind::kCountryAlpha3},
        {"unit", Transform::Kind::kUnit},
        {"map", Transform::Kind::kValueMap},
        {"json_path", Transform::Kind::kJsonPath},
        {"text", Transform::Kind::kText},
        {"number", Transform::Kind::kNumber},
        {"integer", Transform::Kind::kInteger},
        {"boolean", Transform::Kind::kBoolean},
        {"trim", Transform::Kind::kTrim},
        {"upper", Transform::Kind::kUpper}};
    Transform transform;
    transform.timezone = timezone_;
    std::string name;
    YAML::Node options;
    if (node.IsScalar()) {
      name = node.Scalar();
    } else if (node.IsMap()) {
      for (auto it = node.begin(); it != node.end(); ++it) {
        const std::string key = it->first.as<std::string>();
        if (key == "default") continue;
        if (!name.empty()) fail(node, path, "one transform per list item; use a list for several");
        name = key;
        options = it->second;
      }
    } else {
      fail(node, path, "expected a transform name or a mapping");
    }
    const auto kind = kByName.find(name);
    if (kind == kByName.end()) {
      std::string known;
      for (const auto& [n, k] : kByName) known += (known.empty() ? "" : ", ") + n;
      fail(node, path, "unknown transform '" + name + "' (known: " + known + ")");
    }
    transform.kind = kind->second;
    if (node.IsMap() && node["default"] && transform.kind != Transform::Kind::kValueMap) {
      fail(node, path + ".default", "only the map transform takes a default");
    }
    switch (transform.kind) {
      case Transform::Kind::kDate:
      case Transform::Kind::kDateTime:
        if (options && !options.IsNull()) {
          const MapReader reader(options, join(path, name), {"timezone"});
          transform.timezone = reader.optionalString("timezone", timezone_);
          if (!isKnownTimezone(transform.timezone)) {
            fail(options, reader.pathOf("timezone"),
                 "unknown time zone '" + transform.timezone + "'");
          }
        }
        break;
      case Transform::Kind::kValueMap:
        if (!options || !options.IsMap() || options.size() == 0) {
          fail(node, join(path, "map"), "expected a mapping of ERP values to aspect values");
        }
        for (auto it = options.begin(); it != options.end(); ++it) {
          transform.value_map[it->first.as<std::string>()] = it->second.as<std::string>();
        }
        if (node["default"]) transform.map_default = node["default"].as<std::string>();
        break;
      case Transform::Kind::kJsonPath:
        if (!options || (!options.IsScalar() && !options.IsSequence())) {
          fail(node, join(path, "json_path"), "expected a member name or a list of names");
        }
        if (options.IsScalar()) {
          transform.json_path = {options.Scalar()};
        } else {
          for (const auto& part : options) transform.json_path.push_back(part.as<std::string>());
        }
        break;
      default:
        if (options && !options.IsNull()) fail(options, join(path, name), "takes no options");
    }
    return transform;
  }

  ValueExpression parseExpression(const YAML::Node& node, const std::string& path) {
    ValueExpression expression;
    expression.path = path;
    expression.line = lineOf(node);
    if (node.IsScalar()) {
      expression.source = ValueExpression::Source::kConstant;
      expression.constant = typedConstant(node);
      return expression;
    }
    const MapReader reader(
        node, path, {"column", "const", "config", "twin", "twin_ref", "template", "transform"});
    int sources = 0;
    for (const char* key : {"column", "const", "config", "twin", "twin_ref", "template"}) {
      sources += reader.has(key) ? 1 : 0;
    }
    if (sources != 1) {
      fail(node, path,
           "a value needs exactly one of column, const, config, twin, twin_ref, template");
    }
    if (reader.has("column")) {
      expression.source = ValueExpression::Source::kColumn;
      expression.name = reader.requiredString("column");
    } else if (reader.has("const")) {
      expression.source = ValueExpression::Source::kConstant;
      if (!reader.node("const").IsScalar()) fail(node, reader.pathOf("const"), "expected a value");
      expression.constant = typedConstant(reader.node("const"));
    } else if (reader.has("config")) {
      expression.source = ValueExpression::Source::kConfig;
      expression.name = reader.requiredString("config");
      const auto value = context_.config_values.find(expression.name);
      if (value == context_.config_values.end()) {
        std::string known;
        for (const auto& [k, v] : context_.config_values) known += (known.empty() ? "" : ", ") + k;
        fail(reader.node("config"), reader.pathOf("config"),
             "unknown gateway setting '" + expression.name + "' (available: " + known + ")");
      }
      expression.constant = {ValueKind::kText, value->second};
    } else if (reader.has("twin")) {
      expression.source = ValueExpression::Source::kTwinId;
      if (reader.requiredString("twin") != "global_asset_id") {
        fail(reader.node("twin"), reader.pathOf("twin"), "the only twin value is global_asset_id");
      }
    } else if (reader.has("twin_ref")) {
      expression.source = ValueExpression::Source::kTwinRef;
      const MapReader ref(reader.node("twin_ref"), reader.pathOf("twin_ref"), {"class", "key"});
      expression.ref_class = ref.requiredString("class");
      expression.ref_columns = ref.stringList("key", true);
    } else {
      expression.source = ValueExpression::Source::kTemplate;
      expression.name = reader.requiredString("template");
      if (expression.columns().empty()) {
        fail(reader.node("template"), reader.pathOf("template"),
             "a template needs at least one {column} placeholder; use const for fixed text");
      }
    }
    if (reader.has("transform")) {
      const YAML::Node transforms = reader.node("transform");
      if (transforms.IsSequence()) {
        for (size_t i = 0; i < transforms.size(); ++i) {
          expression.transforms.push_back(
              parseTransform(transforms[i], indexed(reader.pathOf("transform"), i)));
        }
      } else {
        expression.transforms.push_back(parseTransform(transforms, reader.pathOf("transform")));
      }
    }
    return expression;
  }

  static bool isExpression(const YAML::Node& node) {
    if (!node.IsMap()) return false;
    for (const char* key : {"column", "const", "config", "twin", "twin_ref", "template"}) {
      if (node[key]) return true;
    }
    return false;
  }

  PayloadTemplate parseTemplate(const YAML::Node& node, const std::string& path) {
    PayloadTemplate out;
    out.path = path;
    out.line = lineOf(node);
    if (node.IsScalar() || isExpression(node)) {
      out.kind = PayloadTemplate::Kind::kValue;
      out.value = parseExpression(node, path);
    } else if (node.IsMap() && node["each_row"]) {
      const MapReader reader(node, path, {"each_row", "when_present", "distinct"});
      out.kind = PayloadTemplate::Kind::kEachRow;
      out.elements.push_back(parseTemplate(reader.node("each_row"), reader.pathOf("each_row")));
      out.when_present = reader.optionalString("when_present", "");
      out.distinct = reader.optionalString("distinct", "true") == "true";
    } else if (node.IsMap()) {
      out.kind = PayloadTemplate::Kind::kObject;
      for (auto it = node.begin(); it != node.end(); ++it) {
        const std::string key = it->first.as<std::string>();
        if (key == "<<") {
          fail(it->first, join(path, key),
               "YAML merge keys (<<) are not supported by the mapping reader; write the keys out");
        }
        out.members.emplace_back(key, parseTemplate(it->second, join(path, key)));
      }
    } else if (node.IsSequence()) {
      out.kind = PayloadTemplate::Kind::kArray;
      for (size_t i = 0; i < node.size(); ++i) {
        out.elements.push_back(parseTemplate(node[i], indexed(path, i)));
      }
    } else {
      fail(node, path, "expected a value, a mapping or a list");
    }
    return out;
  }

  Watermark parseWatermark(const YAML::Node& node, const std::string& path) {
    const MapReader reader(node, path, {"watermark"});
    return Watermark{reader.stringList("watermark", true)};
  }

 private:
  const MappingContext& context_;
  std::string timezone_;
};

void collectTemplateColumns(const PayloadTemplate& node, std::vector<const ValueExpression*>& out,
                            std::vector<std::pair<std::string, const PayloadTemplate*>>& present) {
  switch (node.kind) {
    case PayloadTemplate::Kind::kValue:
      out.push_back(&node.value);
      break;
    case PayloadTemplate::Kind::kEachRow:
      if (!node.when_present.empty()) present.emplace_back(node.when_present, &node);
      [[fallthrough]];
    case PayloadTemplate::Kind::kArray:
      for (const auto& element : node.elements) collectTemplateColumns(element, out, present);
      break;
    case PayloadTemplate::Kind::kObject:
      for (const auto& [name, member] : node.members) collectTemplateColumns(member, out, present);
      break;
  }
}

}  // namespace

std::vector<std::string> ValueExpression::columns() const {
  switch (source) {
    case Source::kColumn:
      return {name};
    case Source::kTwinRef:
      return ref_columns;
    case Source::kTemplate: {
      std::vector<std::string> out;
      for (size_t open = name.find('{'); open != std::string::npos;
           open = name.find('{', open + 1)) {
        const size_t close = name.find('}', open);
        if (close == std::string::npos) break;
        out.push_back(name.substr(open + 1, close - open - 1));
      }
      return out;
    }
    default:
      return {};
  }
}

const TwinMapping* Mapping::twinClass(const std::string& name) const {
  for (const TwinMapping& twin : twins) {
    if (twin.twin_class == name) return &twin;
  }
  return nullptr;
}

Result<Mapping> loadMapping(const std::filesystem::path& file, const MappingContext& context) {
  const std::string file_name = file.string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    return Error{ErrorCode::kNotFound, "mapping file does not exist", "", file_name, 0};
  }
  YAML::Node root;
  try {
    root = YAML::LoadFile(file_name);
  } catch (const YAML::ParserException& e) {
    return Error{ErrorCode::kInvalidArgument, "invalid YAML: " + e.msg, "", file_name,
                 e.mark.line >= 0 ? e.mark.line + 1 : 0};
  } catch (const YAML::Exception& e) {
    return Error{ErrorCode::kIoError, "cannot read mapping file: " + e.msg, "", file_name, 0};
  }

  try {
    Mapping mapping;
    mapping.file = file;
    const MapReader top(root, "", {"source", "twins", "aspects"});

    const MapReader source(top.node("source"), "source",
                           {"name", "connection", "password_env", "sslmode", "statement_timeout",
                            "batch_size", "poll_interval", "notify_channel", "timezone"});
    if (!top.has("source")) fail(root, "source", "is required");
    SourceSettings& s = mapping.source;
    s.name = source.requiredString("name");
    s.connection = source.requiredString("connection");
    s.password_env = source.optionalString("password_env", "");
    s.sslmode = source.optionalString("sslmode", "");
    static const std::set<std::string> kSslModes{"disable", "allow",     "prefer",
                                                 "require", "verify-ca", "verify-full"};
    if (!s.sslmode.empty() && kSslModes.count(s.sslmode) == 0) {
      fail(source.node("sslmode"), "source.sslmode",
           "expected disable, allow, prefer, require, verify-ca or verify-full");
    }
    s.statement_timeout = duration(source, "statement_timeout", s.statement_timeout);
    s.poll_interval = duration(source, "poll_interval", s.poll_interval);
    if (source.has("batch_size")) {
      const std::string text = source.requiredString("batch_size");
      size_t value = 0;
      const auto [ptr, parse_ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (parse_ec != std::errc() || ptr != text.data() + text.size() || value == 0 ||
          value > 1'000'000) {
        fail(source.node("batch_size"), "source.batch_size",
             "expected an integer from 1 to 1000000");
      }
      s.batch_size = value;
    }
    s.notify_channel = source.optionalString("notify_channel", "");
    s.timezone = source.optionalString("timezone", "UTC");
    if (!isKnownTimezone(s.timezone)) {
      fail(source.node("timezone"), "source.timezone", "unknown time zone '" + s.timezone + "'");
    }

    Loader loader(context, s.timezone);
    const YAML::Node twins = top.node("twins");
    if (!twins || !twins.IsSequence() || twins.size() == 0) {
      fail(twins ? twins : root, "twins", "expected a non-empty list of twin classes");
    }
    for (size_t i = 0; i < twins.size(); ++i) {
      const std::string path = indexed("twins", i);
      const MapReader reader(twins[i], path,
                             {"class", "query", "key", "type", "id_short", "specific_asset_ids",
                              "visible_to", "incremental", "withdraw_when", "deletions"});
      TwinMapping twin;
      twin.line = reader.line();
      twin.twin_class = reader.requiredString("class");
      if (mapping.twinClass(twin.twin_class) != nullptr) {
        fail(reader.node("class"), reader.pathOf("class"),
             "twin class '" + twin.twin_class + "' is defined twice");
      }
      twin.query = reader.requiredString("query");
      twin.key_columns = reader.stringList("key", true);
      twin.digital_twin_type = reader.optionalString("type", "PartInstance");
      if (twin.digital_twin_type != "PartInstance" && twin.digital_twin_type != "PartType") {
        fail(reader.node("type"), reader.pathOf("type"), "expected PartInstance or PartType");
      }
      if (!reader.has("id_short")) fail(twins[i], reader.pathOf("id_short"), "is required");
      twin.id_short = loader.parseExpression(reader.node("id_short"), reader.pathOf("id_short"));
      if (reader.has("specific_asset_ids")) {
        const YAML::Node ids = reader.node("specific_asset_ids");
        if (!ids.IsMap()) fail(ids, reader.pathOf("specific_asset_ids"), "expected a mapping");
        for (auto it = ids.begin(); it != ids.end(); ++it) {
          const std::string name = it->first.as<std::string>();
          if (name.empty() || name.find('=') != std::string::npos) {
            fail(it->first, join(reader.pathOf("specific_asset_ids"), name),
                 "an asset id name must be non-empty and must not contain '='");
          }
          twin.specific_asset_ids.emplace_back(
              name,
              loader.parseExpression(it->second, join(reader.pathOf("specific_asset_ids"), name)));
        }
      }
      if (reader.has("visible_to")) {
        twin.visible_to =
            loader.parseExpression(reader.node("visible_to"), reader.pathOf("visible_to"));
      }
      if (reader.has("incremental")) {
        twin.incremental =
            loader.parseWatermark(reader.node("incremental"), reader.pathOf("incremental"));
      } else if (usesChangedSince(twin.query)) {
        fail(reader.node("query"), reader.pathOf("query"), kChangedSinceNeedsWatermark);
      }
      if (reader.has("withdraw_when")) {
        const MapReader when(reader.node("withdraw_when"), reader.pathOf("withdraw_when"),
                             {"column", "in"});
        twin.withdraw_when =
            WithdrawCondition{when.requiredString("column"), when.stringList("in", true)};
      }
      if (reader.has("deletions")) {
        const MapReader deletions(reader.node("deletions"), reader.pathOf("deletions"),
                                  {"query", "watermark"});
        twin.deletions =
            DeletionFeed{deletions.requiredString("query"),
                         Watermark{deletions.stringList("watermark", true)}, deletions.line()};
      }
      mapping.twins.push_back(std::move(twin));
    }

    const YAML::Node aspects = top.node("aspects");
    if (!aspects || !aspects.IsSequence())
      fail(aspects ? aspects : root, "aspects", "expected a list");
    std::set<std::string> names;
    for (size_t i = 0; i < aspects.size(); ++i) {
      const std::string path = indexed("aspects", i);
      const MapReader reader(aspects[i], path,
                             {"name", "twin", "urn", "query", "key", "incremental", "payload"});
      AspectMapping aspect;
      aspect.line = reader.line();
      aspect.name = reader.requiredString("name");
      if (!names.insert(aspect.name).second) {
        fail(reader.node("name"), reader.pathOf("name"),
             "aspect name '" + aspect.name + "' is used twice");
      }
      aspect.twin_class = reader.requiredString("twin");
      const TwinMapping* twin = mapping.twinClass(aspect.twin_class);
      if (twin == nullptr) {
        fail(reader.node("twin"), reader.pathOf("twin"),
             "no twin class '" + aspect.twin_class + "' in twins");
      }
      auto urn = schemas::parseAspectUrn(reader.requiredString("urn"));
      if (!urn) fail(reader.node("urn"), reader.pathOf("urn"), urn.error().message);
      aspect.urn = urn.value();
      aspect.query = reader.requiredString("query");
      aspect.key_columns = reader.has("key") ? reader.stringList("key", true) : twin->key_columns;
      if (aspect.key_columns.size() != twin->key_columns.size()) {
        fail(reader.node("key"), reader.pathOf("key"),
             "twin class '" + twin->twin_class + "' has " +
                 std::to_string(twin->key_columns.size()) + " key columns");
      }
      if (reader.has("incremental")) {
        aspect.incremental =
            loader.parseWatermark(reader.node("incremental"), reader.pathOf("incremental"));
      } else if (usesChangedSince(aspect.query)) {
        fail(reader.node("query"), reader.pathOf("query"), kChangedSinceNeedsWatermark);
      }
      if (!reader.has("payload")) fail(aspects[i], reader.pathOf("payload"), "is required");
      aspect.payload = loader.parseTemplate(reader.node("payload"), reader.pathOf("payload"));
      if (aspect.payload.kind != PayloadTemplate::Kind::kObject) {
        fail(reader.node("payload"), reader.pathOf("payload"), "the payload must be a mapping");
      }
      std::vector<const ValueExpression*> expressions;
      std::vector<std::pair<std::string, const PayloadTemplate*>> present;
      collectTemplateColumns(aspect.payload, expressions, present);
      for (const ValueExpression* expression : expressions) {
        if (expression->source == ValueExpression::Source::kTwinRef &&
            mapping.twinClass(expression->ref_class) == nullptr) {
          throw MappingError{expression->path + ".twin_ref.class",
                             "no twin class '" + expression->ref_class + "' in twins",
                             expression->line};
        }
        if (expression->source == ValueExpression::Source::kTwinRef &&
            expression->ref_columns.size() !=
                mapping.twinClass(expression->ref_class)->key_columns.size()) {
          throw MappingError{
              expression->path + ".twin_ref.key",
              "twin class '" + expression->ref_class + "' has " +
                  std::to_string(mapping.twinClass(expression->ref_class)->key_columns.size()) +
                  " key columns",
              expression->line};
        }
      }
      mapping.aspects.push_back(std::move(aspect));
    }
    return mapping;
  } catch (const MappingError& e) {
    return Error{ErrorCode::kInvalidArgument, e.message, e.path, file_name, e.line};
  } catch (const YAML::Exception& e) {
    return Error{ErrorCode::kInvalidArgument, e.msg, "", file_name,
                 e.mark.line >= 0 ? e.mark.line + 1 : 0};
  }
}

}  // namespace cxgw::adapters
