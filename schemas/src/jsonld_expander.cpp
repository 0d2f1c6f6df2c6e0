#include "cxgw/schemas/jsonld_expander.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cassert>
#include <cctype>

#include "jsonld_bundled_contexts.hpp"
#include "jsonld_context.hpp"

namespace cxgw::schemas {
namespace {

using jsonld::ActiveContext;
using jsonld::ContextPtr;
using jsonld::Json;
using jsonld::TermDefinition;

// Schemes of absolute IRIs commonly written without "//", so "urn:uuid:..." in a key is an IRI
// while "odrl:permission" with no "odrl" term is a forgotten prefix.
constexpr std::string_view kSchemesWithoutAuthority[] = {"urn", "did", "mailto", "tag", "data"};

struct Member;

// An expanded JSON value. Scalars from the input are kept by reference (kVerbatim), so numbers
// are written as they were read.
struct Node {
  enum class Kind { kNull, kString, kVerbatim, kArray, kObject };
  Kind kind = Kind::kNull;
  std::string text;
  const Json* verbatim = nullptr;
  std::vector<Node> items;
  std::vector<Member> members;  // sorted by key

  static Node string(std::string value);
  static Node input(const Json& value);
  static Node array();
  static Node object();

  bool isNull() const { return kind == Kind::kNull; }
  bool isObject() const { return kind == Kind::kObject; }
  bool isArray() const { return kind == Kind::kArray; }
  Node* find(std::string_view key);
  bool has(std::string_view key) { return find(key) != nullptr; }
  void set(std::string_view key, Node value);
  // Appends `value` to the array under `key`, flattening an array value.
  void append(std::string_view key, Node value);
  std::vector<std::string_view> keys() const;
};

struct Member {
  std::string key;
  Node value;
};

Node Node::string(std::string value) {
  Node node;
  node.kind = Kind::kString;
  node.text = std::move(value);
  return node;
}
Node Node::input(const Json& value) {
  Node node;
  node.kind = Kind::kVerbatim;
  node.verbatim = &value;
  return node;
}
Node Node::array() {
  Node node;
  node.kind = Kind::kArray;
  return node;
}
Node Node::object() {
  Node node;
  node.kind = Kind::kObject;
  return node;
}

Node* Node::find(std::string_view key) {
  auto it = std::lower_bound(members.begin(), members.end(), key,
                             [](const Member& m, std::string_view k) { return m.key < k; });
  return it != members.end() && it->key == key ? &it->value : nullptr;
}

void Node::set(std::string_view key, Node value) {
  auto it = std::lower_bound(members.begin(), members.end(), key,
                             [](const Member& m, std::string_view k) { return m.key < k; });
  if (it != members.end() && it->key == key) {
    it->value = std::move(value);
  } else {
    members.insert(it, Member{std::string(key), std::move(value)});
  }
}

void Node::append(std::string_view key, Node value) {
  Node* target = find(key);
  if (target == nullptr) {
    set(key, array());
    target = find(key);
  } else if (!target->isArray()) {
    Node single = std::move(*target);
    *target = array();
    target->items.push_back(std::move(single));
  }
  if (value.isArray()) {
    for (auto& item : value.items) target->items.push_back(std::move(item));
  } else {
    target->items.push_back(std::move(value));
  }
}

std::vector<std::string_view> Node::keys() const {
  std::vector<std::string_view> keys;
  for (const auto& member : members) keys.push_back(member.key);
  return keys;
}

Node asArray(Node node) {
  if (node.isArray()) return node;
  Node array = Node::array();
  if (!node.isNull()) array.items.push_back(std::move(node));
  return array;
}

void write(const Node& node, rapidjson::Writer<rapidjson::StringBuffer>& writer) {
  switch (node.kind) {
    case Node::Kind::kNull:
      writer.Null();
      break;
    case Node::Kind::kString:
      writer.String(node.text.data(), static_cast<rapidjson::SizeType>(node.text.size()));
      break;
    case Node::Kind::kVerbatim:
      node.verbatim->Accept(writer);
      break;
    case Node::Kind::kArray:
      writer.StartArray();
      for (const auto& item : node.items) write(item, writer);
      writer.EndArray();
      break;
    case Node::Kind::kObject:
      writer.StartObject();
      for (const auto& member : node.members) {
        writer.Key(member.key.data(), static_cast<rapidjson::SizeType>(member.key.size()));
        write(member.value, writer);
      }
      writer.EndObject();
      break;
  }
}

Error invalid(std::string message, std::string key) {
  return Error{ErrorCode::kInvalidArgument, std::move(message), std::move(key), "", 0};
}

std::string lowercase(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

// The prefix of `compact` when it was kept verbatim as an IRI although it reads as a compact IRI
// whose prefix nobody defined.
std::optional<std::string_view> undefinedPrefix(std::string_view compact,
                                                const std::string& expanded) {
  if (expanded != compact) return std::nullopt;
  auto colon = compact.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  std::string_view prefix = compact.substr(0, colon);
  if (prefix == "_" || compact.substr(colon + 1, 2) == "//") return std::nullopt;
  const std::string scheme = lowercase(prefix);
  for (std::string_view known : kSchemesWithoutAuthority) {
    if (scheme == known) return std::nullopt;
  }
  return prefix;
}

std::vector<const Json::Member*> sortedMembers(const Json& object) {
  std::vector<const Json::Member*> members;
  for (auto m = object.MemberBegin(); m != object.MemberEnd(); ++m) members.push_back(&*m);
  std::sort(members.begin(), members.end(), [](const auto* a, const auto* b) {
    return jsonld::view(a->name) < jsonld::view(b->name);
  });
  return members;
}

bool nestedDeeperThan(const Json& value, std::size_t limit, std::size_t depth) {
  if (!value.IsArray() && !value.IsObject()) return false;
  if (depth > limit) return true;
  if (value.IsArray()) {
    for (const auto& item : value.GetArray()) {
      if (nestedDeeperThan(item, limit, depth + 1)) return true;
    }
  } else {
    for (auto m = value.MemberBegin(); m != value.MemberEnd(); ++m) {
      if (nestedDeeperThan(m->value, limit, depth + 1)) return true;
    }
  }
  return false;
}

// The expansion algorithm (JSON-LD 1.1 Processing Algorithms, 5.1.2) for one document. Step
// numbers below refer to it.
class Expansion {
 public:
  explicit Expansion(const jsonld::ContextLibrary& library) : processor_(library) {}

  Result<Node> element(const ContextPtr& active, const std::optional<std::string>& property,
                       const Json& element, bool from_map, const std::string& path) {
    const TermDefinition* property_definition = property ? active->find(*property) : nullptr;
    if (element.IsNull()) return Node{};
    if (element.IsArray()) {
      Node result = Node::array();
      std::size_t index = 0;
      for (const auto& item : element.GetArray()) {
        auto expanded =
            this->element(active, property, item, from_map, jsonld::elementPath(path, index++));
        if (!expanded) return expanded;
        Node value = std::move(expanded.value());
        if (property_definition != nullptr && property_definition->hasContainer("@list") &&
            value.isArray()) {
          Node list = Node::object();
          list.set("@list", std::move(value));
          value = std::move(list);
        }
        if (value.isArray()) {
          for (auto& inner : value.items) result.items.push_back(std::move(inner));
        } else if (!value.isNull()) {
          result.items.push_back(std::move(value));
        }
      }
      return result;
    }
    if (!element.IsObject()) {
      if (!property || *property == "@graph") {
        return invalid("a free-floating value outside any property would be dropped", path);
      }
      ContextPtr context = active;
      if (property_definition != nullptr && property_definition->local_context != nullptr) {
        auto scoped = processor_.applyScoped(active, *property_definition, true, true, path);
        if (!scoped) return scoped.error();
        context = scoped.value();
      }
      return value(*context, *property, element, path);
    }
    return object(active, property, element, from_map, path);
  }

 private:
  Result<Node> object(ContextPtr active, const std::optional<std::string>& property,
                      const Json& element, bool from_map, const std::string& path) {
    const TermDefinition* property_definition = property ? active->find(*property) : nullptr;
    // Step 7: a non-propagated (type-scoped) context ends at the node it was applied to.
    if (active->previous && !from_map) {
      bool revert = true;
      for (auto m = element.MemberBegin(); m != element.MemberEnd(); ++m) {
        auto expanded = jsonld::expandIri(*active, jsonld::view(m->name), false, true);
        if (expanded == "@value" || (expanded == "@id" && element.MemberCount() == 1)) {
          revert = false;
        }
      }
      if (revert) active = active->previous;
    }
    // Step 8.
    if (property_definition != nullptr && property_definition->local_context != nullptr) {
      auto scoped = processor_.applyScoped(active, *property_definition, true, true, path);
      if (!scoped) return scoped.error();
      active = scoped.value();
    }
    // Step 9.
    if (auto m = element.FindMember("@context"); m != element.MemberEnd()) {
      auto processed = processor_.process(active, m->value, std::nullopt, {}, {},
                                          jsonld::memberPath(path, "@context"));
      if (!processed) return processed.error();
      active = processed.value();
    }
    // Steps 10 and 11: type-scoped contexts, in lexicographical order of the types.
    const ContextPtr type_scoped = active;
    const auto sorted = sortedMembers(element);
    bool input_type_json = false;
    for (const auto* member : sorted) {
      if (jsonld::expandIri(*active, jsonld::view(member->name), false, true) != "@type") {
        continue;
      }
      std::vector<std::string_view> types;
      if (member->value.IsString()) types.push_back(jsonld::view(member->value));
      if (member->value.IsArray()) {
        for (const auto& type : member->value.GetArray()) {
          if (type.IsString()) types.push_back(jsonld::view(type));
        }
      }
      if (!types.empty()) {
        input_type_json =
            jsonld::expandIri(*type_scoped, types.back(), true, true) == std::string("@json");
      }
      std::sort(types.begin(), types.end());
      for (std::string_view type : types) {
        const TermDefinition* definition = type_scoped->find(type);
        if (definition == nullptr || definition->local_context == nullptr) continue;
        auto scoped = processor_.applyScoped(active, *definition, false, false,
                                             jsonld::memberPath(path, jsonld::view(member->name)));
        if (!scoped) return scoped.error();
        active = scoped.value();
      }
    }

    Node result = Node::object();
    if (auto status =
            members(active, type_scoped, property, element, input_type_json, result, path);
        !status) {
      return status.error();
    }
    return finish(std::move(result), property, path);
  }

  // Steps 13 and 14 for the members of `element` (a node object or a nested @nest object).
  Status members(const ContextPtr& active, const ContextPtr& type_scoped,
                 const std::optional<std::string>& property, const Json& element,
                 bool input_type_json, Node& result, const std::string& path) {
    std::vector<std::pair<const Json*, std::string>> nests;
    for (const auto* member : sortedMembers(element)) {
      const std::string_view key = jsonld::view(member->name);
      const Json& value = member->value;
      const std::string key_path = jsonld::memberPath(path, key);
      if (key == "@context") continue;
      const auto expanded_property = jsonld::expandIri(*active, key, false, true);
      if (!expanded_property) {
        if (jsonld::hasKeywordForm(key)) {
          return invalid("'" + std::string(key) + "' is no JSON-LD keyword", key_path);
        }
        return invalid("property '" + std::string(key) +
                           "' maps to null (\"@id\": null); expansion would drop it",
                       key_path);
      }
      const std::string& iri = *expanded_property;
      if (jsonld::isKeyword(iri)) {
        auto status = keyword(active, type_scoped, property, key, iri, value, input_type_json,
                              result, nests, key_path);
        if (!status) return status;
        continue;
      }
      if (!jsonld::isAbsoluteIri(iri) && !jsonld::isBlankNodeId(iri)) {
        return invalid("property '" + std::string(key) +
                           "' does not expand to an absolute IRI (no term definition and no "
                           "@vocab); expansion would drop it",
                       key_path);
      }
      if (auto prefix = undefinedPrefix(key, iri)) {
        return invalid("property '" + std::string(key) + "' uses the undefined prefix '" +
                           std::string(*prefix) + "'",
                       key_path);
      }

      const TermDefinition* definition = active->find(key);
      Node expanded;
      if (definition != nullptr && definition->type_mapping == "@json") {
        expanded = Node::object();
        expanded.set("@type", Node::string("@json"));
        expanded.set("@value", Node::input(value));
      } else if (definition != nullptr && definition->hasContainer("@language") &&
                 value.IsObject()) {
        auto map = languageMap(*active, *definition, value, key_path);
        if (!map) return map.error();
        expanded = std::move(map.value());
      } else if (definition != nullptr && definition->hasContainer("@index") && value.IsObject()) {
        auto map = indexMap(active, key, value, key_path);
        if (!map) return map.error();
        expanded = std::move(map.value());
      } else {
        auto nested = this->element(active, std::string(key), value, false, key_path);
        if (!nested) return nested.error();
        expanded = std::move(nested.value());
      }
      if (expanded.isNull()) continue;
      if (definition != nullptr && definition->hasContainer("@list") &&
          !(expanded.isObject() && expanded.has("@list"))) {
        Node list = Node::object();
        list.set("@list", asArray(std::move(expanded)));
        expanded = std::move(list);
      }
      result.append(iri, std::move(expanded));
    }
    // Step 14.
    for (const auto& [nest_value, nest_path] : nests) {
      std::vector<const Json*> nested;
      if (nest_value->IsArray()) {
        for (const auto& item : nest_value->GetArray()) nested.push_back(&item);
      } else {
        nested.push_back(nest_value);
      }
      std::size_t index = 0;
      for (const Json* item : nested) {
        const std::string item_path =
            nest_value->IsArray() ? jsonld::elementPath(nest_path, index++) : nest_path;
        bool valid = item->IsObject();
        for (auto m = valid ? item->MemberBegin() : item->MemberEnd(); m != item->MemberEnd();
             ++m) {
          if (jsonld::expandIri(*active, jsonld::view(m->name), false, true) == "@value") {
            valid = false;
          }
        }
        if (!valid) return invalid("invalid @nest value: not a node object", item_path);
        auto status =
            members(active, type_scoped, property, *item, input_type_json, result, item_path);
        if (!status) return status;
      }
    }
    return {};
  }

  // Step 13.4: a key that expands to a keyword.
  Status keyword(const ContextPtr& active, const ContextPtr& type_scoped,
                 const std::optional<std::string>& property, std::string_view key,
                 const std::string& keyword, const Json& value, bool input_type_json, Node& result,
                 std::vector<std::pair<const Json*, std::string>>& nests, const std::string& path) {
    if (result.has(keyword) && keyword != "@included" && keyword != "@type") {
      return invalid("colliding keywords: '" + std::string(key) + "' is a second " + keyword, path);
    }
    if (keyword == "@id") {
      if (!value.IsString()) return invalid("invalid @id value: not a string", path);
      auto iri = jsonld::expandIri(*active, jsonld::view(value), true, false);
      if (!iri) return invalid("invalid @id value: keyword form", path);
      result.set("@id", Node::string(*iri));
      return {};
    }
    if (keyword == "@type") {
      std::vector<std::pair<std::string_view, std::string>> types;
      const bool single = value.IsString();
      if (single) types.emplace_back(jsonld::view(value), path);
      if (value.IsArray()) {
        std::size_t index = 0;
        for (const auto& type : value.GetArray()) {
          if (!type.IsString()) {
            return invalid("invalid type value: not a string", jsonld::elementPath(path, index));
          }
          types.emplace_back(jsonld::view(type), jsonld::elementPath(path, index++));
        }
      }
      if (!single && !value.IsArray()) {
        return invalid("invalid type value: not a string or array of strings", path);
      }
      Node expanded = single ? Node{} : Node::array();
      for (const auto& [type, type_path] : types) {
        auto iri = jsonld::expandIri(*type_scoped, type, true, true);
        if (!iri ||
            !(jsonld::isAbsoluteIri(*iri) || jsonld::isBlankNodeId(*iri) || *iri == "@json")) {
          return invalid("@type value '" + std::string(type) +
                             "' does not expand to an absolute IRI (no term definition and no "
                             "@vocab)",
                         type_path);
        }
        if (auto prefix = undefinedPrefix(type, *iri)) {
          return invalid("@type value '" + std::string(type) + "' uses the undefined prefix '" +
                             std::string(*prefix) + "'",
                         type_path);
        }
        if (single) {
          expanded = Node::string(*iri);
        } else {
          expanded.items.push_back(Node::string(*iri));
        }
      }
      if (result.has("@type")) {
        result.append("@type", std::move(expanded));
      } else {
        result.set("@type", std::move(expanded));
      }
      return {};
    }
    if (keyword == "@graph") {
      auto expanded = element(active, std::string("@graph"), value, false, path);
      if (!expanded) return expanded.error();
      result.set("@graph", asArray(std::move(expanded.value())));
      return {};
    }
    if (keyword == "@included") {
      auto expanded = element(active, std::nullopt, value, false, path);
      if (!expanded) return expanded.error();
      Node included = asArray(std::move(expanded.value()));
      for (auto& item : included.items) {
        if (!item.isObject() || item.has("@value") || item.has("@list") || item.has("@set")) {
          return invalid("invalid @included value: not a node object", path);
        }
      }
      result.append("@included", std::move(included));
      return {};
    }
    if (keyword == "@value") {
      if (input_type_json) {
        result.set("@value", Node::input(value));
      } else if (value.IsNull()) {
        result.set("@value", Node{});
      } else if (value.IsObject() || value.IsArray()) {
        return invalid("invalid value object value: not a string, number, boolean or null", path);
      } else {
        result.set("@value", Node::input(value));
      }
      return {};
    }
    if (keyword == "@language") {
      if (!value.IsString()) return invalid("invalid language-tagged string", path);
      result.set("@language", Node::string(lowercase(jsonld::view(value))));
      return {};
    }
    if (keyword == "@direction") {
      if (!value.IsString() || (jsonld::view(value) != "ltr" && jsonld::view(value) != "rtl")) {
        return invalid("invalid base direction", path);
      }
      result.set("@direction", Node::string(std::string(jsonld::view(value))));
      return {};
    }
    if (keyword == "@index") {
      if (!value.IsString()) return invalid("invalid @index value", path);
      result.set("@index", Node::input(value));
      return {};
    }
    if (keyword == "@list") {
      if (!property || *property == "@graph") {
        return invalid("a free-floating list outside any property would be dropped", path);
      }
      auto expanded = element(active, property, value, false, path);
      if (!expanded) return expanded.error();
      result.set("@list", asArray(std::move(expanded.value())));
      return {};
    }
    if (keyword == "@set") {
      auto expanded = element(active, property, value, false, path);
      if (!expanded) return expanded.error();
      result.set("@set", std::move(expanded.value()));
      return {};
    }
    if (keyword == "@nest") {
      nests.emplace_back(&value, path);
      return {};
    }
    if (keyword == "@reverse") return invalid("@reverse is not supported", path);
    return invalid("keyword " + keyword + " is not allowed here", path);
  }

  // Steps 15 to 19.
  Result<Node> finish(Node result, const std::optional<std::string>& property,
                      const std::string& path) {
    if (Node* value = result.find("@value")) {
      for (std::string_view key : result.keys()) {
        if (key != "@direction" && key != "@index" && key != "@language" && key != "@type" &&
            key != "@value") {
          return invalid("invalid value object: unexpected entry '" + std::string(key) + "'", path);
        }
      }
      Node* type = result.find("@type");
      if (type != nullptr && (result.has("@language") || result.has("@direction"))) {
        return invalid("invalid value object: @type together with @language or @direction", path);
      }
      if (type != nullptr && type->kind == Node::Kind::kString && type->text == "@json") {
        // a JSON literal keeps any value
      } else if (value->isNull()) {
        return Node{};
      } else if (result.has("@language") &&
                 !(value->kind == Node::Kind::kVerbatim && value->verbatim->IsString())) {
        return invalid("invalid language-tagged value: not a string", path);
      } else if (type != nullptr &&
                 (type->kind != Node::Kind::kString || !jsonld::isAbsoluteIri(type->text))) {
        return invalid("invalid typed value: @type is not one absolute IRI", path);
      }
      if (!property || *property == "@graph") {
        return invalid("a free-floating value outside any property would be dropped", path);
      }
      return result;
    }
    if (Node* type = result.find("@type"); type != nullptr && !type->isArray()) {
      *type = asArray(std::move(*type));
    }
    if (result.has("@set") || result.has("@list")) {
      for (std::string_view key : result.keys()) {
        if (key != "@set" && key != "@list" && key != "@index") {
          return invalid("invalid set or list object: unexpected entry '" + std::string(key) + "'",
                         path);
        }
      }
      if (result.members.size() > 1 && result.has("@set")) {
        return invalid("invalid set or list object: @set together with another entry", path);
      }
      if (Node* set = result.find("@set")) return std::move(*set);
    }
    if (result.members.size() == 1 && result.has("@language")) {
      return invalid("an object with only @language would be dropped", path);
    }
    if (!property || *property == "@graph") {
      if (result.members.empty() || (result.members.size() == 1 && result.has("@id"))) {
        return Node{};
      }
      if (result.has("@list")) {
        return invalid("a free-floating list outside any property would be dropped", path);
      }
    }
    return result;
  }

  // Value expansion (5.3.2).
  Result<Node> value(const ActiveContext& active, const std::string& property, const Json& value,
                     const std::string& path) {
    const TermDefinition* definition = active.find(property);
    const auto* type_mapping =
        definition != nullptr && definition->type_mapping ? &*definition->type_mapping : nullptr;
    if (type_mapping != nullptr && value.IsString() &&
        (*type_mapping == "@id" || *type_mapping == "@vocab")) {
      auto iri = jsonld::expandIri(active, jsonld::view(value), true, *type_mapping == "@vocab");
      if (!iri) return invalid("'" + std::string(jsonld::view(value)) + "' is no IRI", path);
      Node reference = Node::object();
      reference.set("@id", Node::string(*iri));
      return reference;
    }
    Node result = Node::object();
    result.set("@value", Node::input(value));
    if (type_mapping != nullptr && *type_mapping != "@id" && *type_mapping != "@vocab" &&
        *type_mapping != "@none") {
      result.set("@type", Node::string(*type_mapping));
    } else if (value.IsString()) {
      const auto& language = definition != nullptr && definition->has_language
                                 ? definition->language
                                 : active.default_language;
      const auto& direction = definition != nullptr && definition->has_direction
                                  ? definition->direction
                                  : active.default_direction;
      if (language) result.set("@language", Node::string(*language));
      if (direction) result.set("@direction", Node::string(*direction));
    }
    return result;
  }

  // Step 13.7.
  Result<Node> languageMap(const ActiveContext& active, const TermDefinition& definition,
                           const Json& map, const std::string& path) {
    Node expanded = Node::array();
    const auto& direction =
        definition.has_direction ? definition.direction : active.default_direction;
    for (const auto* member : sortedMembers(map)) {
      const std::string_view language = jsonld::view(member->name);
      const std::string member_path = jsonld::memberPath(path, language);
      std::vector<const Json*> values;
      if (member->value.IsArray()) {
        for (const auto& item : member->value.GetArray()) values.push_back(&item);
      } else {
        values.push_back(&member->value);
      }
      for (const Json* item : values) {
        if (item->IsNull()) continue;
        if (!item->IsString()) return invalid("invalid language map value", member_path);
        Node value = Node::object();
        value.set("@value", Node::input(*item));
        if (jsonld::expandIri(active, language, false, true) != "@none") {
          value.set("@language", Node::string(lowercase(language)));
        }
        if (direction) value.set("@direction", Node::string(*direction));
        expanded.items.push_back(std::move(value));
      }
    }
    return expanded;
  }

  // Step 13.8 for @index containers.
  Result<Node> indexMap(const ContextPtr& active, std::string_view key, const Json& map,
                        const std::string& path) {
    Node expanded = Node::array();
    for (const auto* member : sortedMembers(map)) {
      const std::string_view index = jsonld::view(member->name);
      auto items =
          element(active, std::string(key), member->value, true, jsonld::memberPath(path, index));
      if (!items) return items.error();
      Node values = asArray(std::move(items.value()));
      const bool none = jsonld::expandIri(*active, index, false, true) == "@none";
      for (auto& item : values.items) {
        if (item.isObject() && !item.has("@index") && !none) {
          item.set("@index", Node::input(member->name));
        }
        expanded.items.push_back(std::move(item));
      }
    }
    return expanded;
  }

  jsonld::ContextProcessor processor_;
};

std::shared_ptr<const jsonld::ContextLibrary> bundledLibrary() {
  static const std::shared_ptr<const jsonld::ContextLibrary> library = [] {
    auto built = std::make_shared<jsonld::ContextLibrary>();
    for (const auto& bundled : bundledContexts()) {
      const auto files = builtInContextFiles();
      auto file = std::find_if(files.begin(), files.end(), [&](const BuiltInContextFile& f) {
        return f.relative_path == bundled.file;
      });
      assert(file != files.end());
      if (file == files.end()) continue;
      [[maybe_unused]] Status added = built->add(std::string(bundled.url), file->text, true);
      assert(added.ok());
    }
    return built;
  }();
  return library;
}

}  // namespace

JsonLdExpander::JsonLdExpander() : library_(bundledLibrary()) {}

std::vector<std::string> JsonLdExpander::bundledContextUrls() {
  return bundledLibrary()->urls(true);
}

Status JsonLdExpander::addContext(std::string url, std::string_view context_document_json) {
  if (!jsonld::isAbsoluteIri(url)) {
    return invalid("context URL '" + url + "' is not an absolute IRI", "");
  }
  auto next = std::make_shared<jsonld::ContextLibrary>(*library_);
  if (auto added = next->add(url, context_document_json, false); !added) return added;
  jsonld::ContextProcessor processor(*next);
  const Json reference(rapidjson::StringRef(url.data(), url.size()));
  auto processed =
      processor.process(std::make_shared<ActiveContext>(), reference, std::nullopt, {}, {}, "");
  if (!processed) {
    Error error = processed.error();
    error.message = "context '" + url + "' cannot be used: " + error.message;
    return error;
  }
  library_ = std::move(next);
  return {};
}

Result<std::string> JsonLdExpander::expand(std::string_view document) const {
  if (document.size() > kMaxJsonLdDocumentBytes) {
    return invalid(
        "the document is larger than " + std::to_string(kMaxJsonLdDocumentBytes) + " bytes", "");
  }
  const std::shared_ptr<const jsonld::ContextLibrary> library = library_;
  rapidjson::Document input;
  input.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(
      document.data(), document.size());
  if (input.HasParseError()) {
    return invalid(std::string("invalid JSON: ") +
                       rapidjson::GetParseError_En(input.GetParseError()) + " at offset " +
                       std::to_string(input.GetErrorOffset()),
                   "");
  }
  if (nestedDeeperThan(input, kMaxJsonLdNesting, 1)) {
    return invalid(
        "the document is nested deeper than " + std::to_string(kMaxJsonLdNesting) + " levels", "");
  }
  Expansion expansion(*library);
  auto expanded =
      expansion.element(std::make_shared<ActiveContext>(), std::nullopt, input, false, "");
  if (!expanded) return expanded.error();
  Node result = std::move(expanded.value());
  if (result.isObject() && result.members.size() == 1 && result.has("@graph")) {
    result = std::move(*result.find("@graph"));
  }
  result = asArray(std::move(result));

  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  write(result, writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace cxgw::schemas
