#pragma once
// Reading node objects of expanded JSON-LD (RapidJSON values). In expanded form every property
// value is an array; a reference is {"@id": IRI}, a literal {"@value": v}, a list {"@list": [...]}.

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cxgw::policies::expanded {

// The array under `iri`, or nullptr when the node has no such property or it is not an array.
const rapidjson::Value* property(const rapidjson::Value& node, std::string_view iri);

// True when the node's @type array holds `iri`.
bool hasType(const rapidjson::Value& node, std::string_view iri);

// The node's @id, or empty.
std::string id(const rapidjson::Value& node);

// Each entry of a property array as text: the @id of a reference, the @value of a literal
// (numbers and booleans in their JSON spelling), the entries of a @list in order. nullopt when
// an entry is anything else (a nested node, a null).
std::optional<std::vector<std::string>> texts(const rapidjson::Value& values);

// "a.b[2]" path building for error locations.
std::string member(const std::string& path, std::string_view name);
std::string index(const std::string& path, size_t i);

// The local name after the last '/' or '#', for messages ("http://…/odrl/2/permission" ->
// "permission").
std::string_view localName(std::string_view iri);

}  // namespace cxgw::policies::expanded
