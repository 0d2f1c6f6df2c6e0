#include "compiled_schema.hpp"

#include <rapidjson/document.h>
#include <rapidjson/encodedstream.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <regex>
#include <utility>

#include "cxgw/core/json_text.hpp"
#include "cxgw/core/utf8.hpp"

// RapidJSON 1.1 uses std::regex only when RAPIDJSON_SCHEMA_USE_INTERNALREGEX is defined and
// RAPIDJSON_SCHEMA_USE_STDREGEX is not (see schemas/CMakeLists.txt). Its own engine rejects
// "(?:", "\w" and "^" inside groups, and a rejected pattern is silently not checked at all.
static_assert(RAPIDJSON_SCHEMA_USE_STDREGEX == 1,
              "RapidJSON must validate patterns with std::regex");

namespace cxgw::schemas {
namespace {

using rapidjson::Value;

constexpr unsigned kParseFlags =
    rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag;
// Payloads are checked for UTF-8 before they are parsed, by a scan that takes ASCII eight bytes a
// step; RapidJSON's own check, a character at a time, was a twentieth of cxgw's CPU in a sync.
constexpr unsigned kPayloadParseFlags = rapidjson::kParseIterativeFlag;
constexpr int kMaxSchemaNesting = 128;
constexpr int kMaxRefHops = 32;
constexpr size_t kMaxRenderedValueLength = 80;
constexpr size_t kMaxListedEnumValues = 8;

constexpr std::array<std::string_view, 7> kDraft04Types = {"array",  "boolean", "integer", "null",
                                                           "number", "object",  "string"};

std::string_view view(const Value& string_value) {
  return {string_value.GetString(), string_value.GetStringLength()};
}

const Value* member(const Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  const auto found = object.FindMember(name);
  return found == object.MemberEnd() ? nullptr : &found->value;
}

std::string escapePointerToken(std::string_view token) {
  std::string escaped;
  for (char c : token) {
    if (c == '~') {
      escaped += "~0";
    } else if (c == '/') {
      escaped += "~1";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

std::string jsonPointer(const rapidjson::Pointer& pointer) {
  rapidjson::StringBuffer buffer;
  pointer.Stringify(buffer);
  return {buffer.GetString(), buffer.GetSize()};
}

// Lines are counted up to `offset`, so an error names the line an editor shows.
int lineAt(std::string_view text, size_t offset) {
  const auto end = text.begin() + static_cast<std::ptrdiff_t>(std::min(offset, text.size()));
  return 1 + static_cast<int>(std::count(text.begin(), end, '\n'));
}

std::string describeParseError(const rapidjson::ParseResult& result) {
  return std::string("not valid JSON: ") + rapidjson::GetParseError_En(result.Code()) +
         " (offset " + std::to_string(result.Offset()) + ")";
}

// Cut at a character boundary so that a reason is valid UTF-8 whatever the payload held.
std::string truncateForMessage(std::string text) {
  if (text.size() <= kMaxRenderedValueLength) return text;
  size_t end = 0;
  while (end < kMaxRenderedValueLength) {
    const size_t length = utf8::sequenceLength(text, end);
    if (length == 0 || end + length > kMaxRenderedValueLength) break;
    end += length;
  }
  text.resize(end);
  return text + "...";
}

std::string render(const Value& value) {
  if (value.IsString()) return truncateForMessage(json::quote(view(value)));
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return truncateForMessage(std::string(buffer.GetString(), buffer.GetSize()));
}

const char* typeName(const Value& value) {
  switch (value.GetType()) {
    case rapidjson::kNullType:
      return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType:
      return "a boolean";
    case rapidjson::kObjectType:
      return "an object";
    case rapidjson::kArrayType:
      return "an array";
    case rapidjson::kStringType:
      return "a string";
    case rapidjson::kNumberType:
      return "a number";
  }
  return "a value";
}

class SchemaChecker {
 public:
  SchemaChecker(const rapidjson::Document& root, const std::string& file)
      : root_(root), file_(file) {}

  Status check() const {
    if (!root_.IsObject()) return fail("", "a schema must be a JSON object");
    if (const Value* declared = member(root_, "$schema")) {
      const std::string_view text = declared->IsString() ? view(*declared) : "";
      if (text != "http://json-schema.org/draft-04/schema" &&
          text != "http://json-schema.org/draft-04/schema#") {
        return fail("/$schema",
                    "declares " + render(*declared) + "; cxgw validates JSON Schema draft-04 only");
      }
    }
    return checkNode(root_, "", 0);
  }

 private:
  Status checkNode(const Value& node, const std::string& pointer, int depth) const {
    if (depth > kMaxSchemaNesting) {
      return fail(pointer, "nested deeper than " + std::to_string(kMaxSchemaNesting) + " levels");
    }
    if (node.IsArray()) {
      for (rapidjson::SizeType i = 0; i < node.Size(); ++i) {
        if (auto status = checkNode(node[i], pointer + "/" + std::to_string(i), depth + 1);
            !status) {
          return status;
        }
      }
      return {};
    }
    if (!node.IsObject()) return {};
    if (auto status = checkKeywords(node, pointer); !status) return status;
    for (const auto& entry : node.GetObject()) {
      const std::string child = pointer + "/" + escapePointerToken(view(entry.name));
      if (auto status = checkNode(entry.value, child, depth + 1); !status) return status;
    }
    return {};
  }

  // Keywords are recognised by their value's type, so that a property that happens to be called
  // "pattern" or "type" (its value is a schema object) is not mistaken for the keyword.
  Status checkKeywords(const Value& node, const std::string& pointer) const {
    if (const Value* ref = member(node, "$ref"); ref && ref->IsString()) {
      const rapidjson::Pointer target(ref->GetString(), ref->GetStringLength());
      if (ref->GetStringLength() == 0 || ref->GetString()[0] != '#' || !target.IsValid() ||
          target.Get(root_) == nullptr) {
        return fail(pointer + "/$ref",
                    "$ref " + render(*ref) + " does not point into this file ('#/...')");
      }
    }
    if (const Value* pattern = member(node, "pattern"); pattern && pattern->IsString()) {
      try {
        const std::regex compiled(pattern->GetString(), pattern->GetStringLength(),
                                  std::regex_constants::ECMAScript);
      } catch (const std::regex_error& error) {
        return fail(pointer + "/pattern",
                    "pattern " + render(*pattern) +
                        " is not an ECMAScript regular expression: " + error.what());
      }
    }
    if (const Value* type = member(node, "type"); type && (type->IsString() || type->IsArray())) {
      const auto known = [](const Value& name) {
        return name.IsString() && std::find(kDraft04Types.begin(), kDraft04Types.end(),
                                            view(name)) != kDraft04Types.end();
      };
      const bool all_known =
          type->IsString() ? known(*type) : std::all_of(type->Begin(), type->End(), known);
      if (!all_known) {
        return fail(pointer + "/type", "type " + render(*type) + " is not a draft-04 type");
      }
    }
    if (const Value* required = member(node, "required"); required && required->IsArray()) {
      for (const auto& name : required->GetArray()) {
        if (!name.IsString()) {
          return fail(pointer + "/required", "required must list property names (strings)");
        }
      }
    }
    return {};
  }

  Status fail(const std::string& pointer, std::string message) const {
    return Error{ErrorCode::kInvalidArgument, "not a usable schema: " + std::move(message), pointer,
                 file_, 0};
  }

  const rapidjson::Document& root_;
  const std::string& file_;
};

// std::regex matches by recursion, one level per character, and overflows the stack on strings
// of some 20000 characters; RapidJSON checks maxLength before pattern, so a limit guards it.
void limitPatternCheckedLength(Value& node, rapidjson::Document::AllocatorType& allocator) {
  if (node.IsArray()) {
    for (auto& item : node.GetArray()) limitPatternCheckedLength(item, allocator);
    return;
  }
  if (!node.IsObject()) return;
  if (const Value* pattern = member(node, "pattern"); pattern && pattern->IsString()) {
    const auto limit = static_cast<unsigned>(kMaxPatternCheckedLength);
    const auto existing = node.FindMember("maxLength");
    if (existing == node.MemberEnd()) {
      node.AddMember("maxLength", limit, allocator);
    } else if (!existing->value.IsUint() || existing->value.GetUint() > limit) {
      existing->value.SetUint(limit);
    }
  }
  for (auto& entry : node.GetObject()) limitPatternCheckedLength(entry.value, allocator);
}

class RequiredPathCollector {
 public:
  explicit RequiredPathCollector(const rapidjson::Document& root) : root_(root) {}

  std::vector<std::string> collect() {
    visit(root_, "", 0);
    std::sort(paths_.begin(), paths_.end());
    paths_.erase(std::unique(paths_.begin(), paths_.end()), paths_.end());
    return std::move(paths_);
  }

 private:
  const Value& resolve(const Value& schema) const {
    const Value* current = &schema;
    for (int hop = 0; hop < kMaxRefHops; ++hop) {
      const Value* ref = member(*current, "$ref");
      if (ref == nullptr || !ref->IsString()) break;
      const Value* target = rapidjson::Pointer(ref->GetString(), ref->GetStringLength()).Get(root_);
      if (target == nullptr) break;
      current = target;
    }
    return *current;
  }

  const Value* propertySchema(const Value& schema, const Value& name, int depth) const {
    if (depth > kMaxRefHops) return nullptr;
    if (const Value* properties = member(schema, "properties")) {
      if (const auto found = properties->FindMember(name); found != properties->MemberEnd()) {
        return &found->value;
      }
    }
    if (const Value* all_of = member(schema, "allOf"); all_of && all_of->IsArray()) {
      for (const auto& part : all_of->GetArray()) {
        if (const Value* found = propertySchema(resolve(part), name, depth + 1)) return found;
      }
    }
    return nullptr;
  }

  void visitRequired(const Value& schema, const Value& owner, const std::string& path, int depth) {
    if (depth > kMaxSchemaNesting) return;
    if (const Value* required = member(owner, "required"); required && required->IsArray()) {
      for (const auto& name : required->GetArray()) {
        if (!name.IsString()) continue;
        const std::string child = path + "/" + escapePointerToken(view(name));
        paths_.push_back(child);
        if (const Value* property = propertySchema(schema, name, 0))
          visit(*property, child, depth + 1);
      }
    }
    if (const Value* all_of = member(owner, "allOf"); all_of && all_of->IsArray()) {
      for (const auto& part : all_of->GetArray()) {
        visitRequired(schema, resolve(part), path, depth + 1);
      }
    }
  }

  void visit(const Value& raw_schema, const std::string& path, int depth) {
    // Bounds a model that contains itself; real aspect models are a few levels deep.
    if (depth > kMaxSchemaNesting) return;
    const Value& schema = resolve(raw_schema);
    visitRequired(schema, schema, path, depth);
    if (const Value* items = member(schema, "items"); items && items->IsObject()) {
      visit(*items, path + "/*", depth + 1);
    }
  }

  const rapidjson::Document& root_;
  std::vector<std::string> paths_;
};

// Forwards parse events to the validator, refusing objects and arrays nested deeper than
// kMaxPayloadNesting: RapidJSON 1.1's validator does work proportional to the depth for every
// event, so a deep payload would cost quadratic time.
class NestingLimitedHandler {
 public:
  explicit NestingLimitedHandler(rapidjson::SchemaValidator& validator) : validator_(validator) {}

  bool exceeded() const { return exceeded_; }

  bool Null() { return validator_.Null(); }
  bool Bool(bool value) { return validator_.Bool(value); }
  bool Int(int value) { return validator_.Int(value); }
  bool Uint(unsigned value) { return validator_.Uint(value); }
  bool Int64(int64_t value) { return validator_.Int64(value); }
  bool Uint64(uint64_t value) { return validator_.Uint64(value); }
  bool Double(double value) { return validator_.Double(value); }
  bool RawNumber(const char* text, rapidjson::SizeType length, bool copy) {
    return validator_.RawNumber(text, length, copy);
  }
  bool String(const char* text, rapidjson::SizeType length, bool copy) {
    return validator_.String(text, length, copy);
  }
  bool Key(const char* text, rapidjson::SizeType length, bool copy) {
    return validator_.Key(text, length, copy);
  }
  bool StartObject() { return enter() && validator_.StartObject(); }
  bool EndObject(rapidjson::SizeType member_count) {
    --depth_;
    return validator_.EndObject(member_count);
  }
  bool StartArray() { return enter() && validator_.StartArray(); }
  bool EndArray(rapidjson::SizeType element_count) {
    --depth_;
    return validator_.EndArray(element_count);
  }

 private:
  bool enter() {
    exceeded_ = ++depth_ > kMaxPayloadNesting;
    return !exceeded_;
  }

  rapidjson::SchemaValidator& validator_;
  size_t depth_ = 0;
  bool exceeded_ = false;
};

}  // namespace

struct CompiledSchema::Compiled {
  rapidjson::Document schema_json;
  // Refers into schema_json, which must outlive it (members are destroyed in reverse order).
  std::unique_ptr<const rapidjson::SchemaDocument> schema;

  ValidationIssue describeRejection(const rapidjson::SchemaValidator& validator,
                                    const rapidjson::Document& payload) const;
  std::optional<ValidationIssue> findMissingRequired(const Value& schema_node, const Value* value,
                                                     const std::string& field, int depth) const;
};

std::optional<ValidationIssue> CompiledSchema::Compiled::findMissingRequired(
    const Value& schema_node, const Value* value, const std::string& field, int depth) const {
  if (value == nullptr || !value->IsObject() || depth > kMaxRefHops) return std::nullopt;
  if (const Value* required = member(schema_node, "required"); required && required->IsArray()) {
    for (const auto& name : required->GetArray()) {
      if (name.IsString() && !value->HasMember(name)) {
        return ValidationIssue{field + "/" + escapePointerToken(view(name)),
                               "required property '" + std::string(view(name)) + "' is missing"};
      }
    }
  }
  if (const Value* all_of = member(schema_node, "allOf"); all_of && all_of->IsArray()) {
    for (const auto& part : all_of->GetArray()) {
      const Value* target = &part;
      if (const Value* ref = member(part, "$ref"); ref && ref->IsString()) {
        target = rapidjson::Pointer(ref->GetString(), ref->GetStringLength()).Get(schema_json);
      }
      if (target == nullptr) continue;
      if (auto issue = findMissingRequired(*target, value, field, depth + 1)) return issue;
    }
  }
  return std::nullopt;
}

ValidationIssue CompiledSchema::Compiled::describeRejection(
    const rapidjson::SchemaValidator& validator, const rapidjson::Document& payload) const {
  const std::string keyword = validator.GetInvalidSchemaKeyword();
  const rapidjson::Pointer schema_pointer = validator.GetInvalidSchemaPointer();
  const rapidjson::Pointer payload_pointer = validator.GetInvalidDocumentPointer();
  const std::string field = jsonPointer(payload_pointer);
  const Value* schema_node = schema_pointer.Get(schema_json);
  const Value* value = payload_pointer.Get(payload);
  const Value empty_schema(rapidjson::kObjectType);
  const Value& node = schema_node != nullptr ? *schema_node : empty_schema;
  const Value* constraint = member(node, keyword.c_str());
  const auto limit = [&] { return constraint != nullptr ? render(*constraint) : std::string("?"); };

  if (keyword == "required" || keyword == "allOf") {
    if (auto issue = findMissingRequired(node, value, field, 0)) return *issue;
  }
  if (keyword == "type" && value != nullptr) {
    std::string expected;
    if (constraint != nullptr && constraint->IsArray()) {
      for (const auto& type : constraint->GetArray()) {
        expected += (expected.empty() ? "" : " or ") + std::string(view(type));
      }
    } else if (constraint != nullptr && constraint->IsString()) {
      expected = view(*constraint);
    }
    return {field, std::string("is ") + typeName(*value) + ", expected " + expected};
  }
  if (keyword == "pattern" && constraint != nullptr && constraint->IsString()) {
    return {field, "does not match pattern " + std::string(view(*constraint))};
  }
  if (keyword == "enum" && constraint != nullptr && constraint->IsArray()) {
    std::string allowed;
    const rapidjson::SizeType count = constraint->Size();
    for (rapidjson::SizeType i = 0; i < count && i < kMaxListedEnumValues; ++i) {
      allowed += (i == 0 ? "" : ", ") + render((*constraint)[i]);
    }
    if (count > kMaxListedEnumValues) {
      allowed += ", ... (" + std::to_string(count) + " values)";
    }
    return {field, (value != nullptr ? render(*value) : std::string("value")) +
                       " is not one of the allowed values: " + allowed};
  }
  if (keyword == "maxLength") {
    const bool guard = member(node, "pattern") != nullptr && constraint != nullptr &&
                       constraint->IsUint() && constraint->GetUint() == kMaxPatternCheckedLength;
    return {field, "is longer than " + limit() + " characters" +
                       (guard ? ", the most cxgw checks against a pattern" : "")};
  }
  if (keyword == "minLength") return {field, "is shorter than " + limit() + " characters"};
  if (keyword == "minimum" || keyword == "maximum") {
    const bool is_minimum = keyword == "minimum";
    const Value* exclusive_flag =
        member(node, is_minimum ? "exclusiveMinimum" : "exclusiveMaximum");
    const bool exclusive = exclusive_flag != nullptr && exclusive_flag->IsTrue();
    const char* relation = is_minimum ? (exclusive ? "at most" : "less than")
                                      : (exclusive ? "at least" : "greater than");
    return {field, std::string("is ") + relation + " the " + (exclusive ? "exclusive " : "") +
                       keyword + " " + limit()};
  }
  if (keyword == "multipleOf") return {field, "is not a multiple of " + limit()};
  if (keyword == "minItems") return {field, "has fewer than " + limit() + " items"};
  if (keyword == "maxItems") return {field, "has more than " + limit() + " items"};
  if (keyword == "uniqueItems") return {field, "repeats an earlier item; items must be unique"};
  if (keyword == "minProperties") return {field, "has fewer than " + limit() + " properties"};
  if (keyword == "maxProperties") return {field, "has more than " + limit() + " properties"};
  if (keyword == "additionalProperties") return {field, "is a property the model does not allow"};
  if (keyword == "additionalItems") return {field, "is an item the model does not allow"};
  return {field, "does not satisfy '" + keyword + "' of the schema at " +
                     (schema_pointer.GetTokenCount() == 0 ? "/" : jsonPointer(schema_pointer))};
}

CompiledSchema::CompiledSchema(std::string source, std::unique_ptr<Compiled> compiled)
    : source_(std::move(source)),
      compiled_(std::move(compiled)),
      required_paths_(RequiredPathCollector(compiled_->schema_json).collect()) {}

CompiledSchema::~CompiledSchema() = default;

Result<std::shared_ptr<const CompiledSchema>> CompiledSchema::compile(std::string_view schema_text,
                                                                      std::string source,
                                                                      std::string file) {
  auto compiled = std::make_unique<Compiled>();
  compiled->schema_json.Parse<kParseFlags>(schema_text.data(), schema_text.size());
  if (compiled->schema_json.HasParseError()) {
    const rapidjson::ParseResult result(compiled->schema_json.GetParseError(),
                                        compiled->schema_json.GetErrorOffset());
    return Error{ErrorCode::kInvalidArgument, describeParseError(result), "", file,
                 lineAt(schema_text, result.Offset())};
  }
  if (auto status = SchemaChecker(compiled->schema_json, file).check(); !status) {
    return status.error();
  }
  limitPatternCheckedLength(compiled->schema_json, compiled->schema_json.GetAllocator());
  compiled->schema = std::make_unique<const rapidjson::SchemaDocument>(compiled->schema_json);
  return std::shared_ptr<const CompiledSchema>(
      new CompiledSchema(std::move(source), std::move(compiled)));
}

std::optional<ValidationIssue> CompiledSchema::validate(std::string_view json_payload) const {
  // RapidJSON reads a NUL byte as the end of its input and would ignore what follows.
  if (const size_t nul = json_payload.find('\0'); nul != std::string_view::npos) {
    return ValidationIssue{"", "not valid JSON: NUL byte (offset " + std::to_string(nul) + ")"};
  }
  if (const size_t bad = utf8::firstInvalid(json_payload); bad != std::string_view::npos) {
    return ValidationIssue{"",
                           "not valid JSON: invalid UTF-8 (offset " + std::to_string(bad) + ")"};
  }
  // SAX all the way: a DOM's Accept() recurses per nesting level, the iterative reader does not.
  const auto validateEvents = [&](rapidjson::SchemaValidator& validator) {
    NestingLimitedHandler handler(validator);
    rapidjson::MemoryStream bytes(json_payload.data(), json_payload.size());
    rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> input(bytes);
    rapidjson::Reader reader;
    const bool accepted = !reader.Parse<kPayloadParseFlags>(input, handler).IsError();
    return std::pair(accepted, handler.exceeded());
  };
  {
    rapidjson::SchemaValidator validator(*compiled_->schema);
    const auto [accepted, too_deep] = validateEvents(validator);
    if (accepted) return std::nullopt;
    if (too_deep) {
      return ValidationIssue{
          "", "nested deeper than " + std::to_string(kMaxPayloadNesting) + " levels"};
    }
  }
  // Rejected: a DOM tells a syntax error from a violation and lets the reason quote values.
  rapidjson::Document payload;
  payload.Parse<kPayloadParseFlags>(json_payload.data(), json_payload.size());
  if (payload.HasParseError()) {
    return ValidationIssue{"", describeParseError(rapidjson::ParseResult(
                                   payload.GetParseError(), payload.GetErrorOffset()))};
  }
  rapidjson::SchemaValidator validator(*compiled_->schema);
  if (validateEvents(validator).first) return std::nullopt;
  return compiled_->describeRejection(validator, payload);
}

}  // namespace cxgw::schemas
