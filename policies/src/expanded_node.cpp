#include "expanded_node.hpp"

namespace cxgw::policies::expanded {

const rapidjson::Value* property(const rapidjson::Value& node, std::string_view iri) {
  if (!node.IsObject()) return nullptr;
  const auto it = node.FindMember(rapidjson::StringRef(iri.data(), iri.size()));
  if (it == node.MemberEnd() || !it->value.IsArray()) return nullptr;
  return &it->value;
}

bool hasType(const rapidjson::Value& node, std::string_view iri) {
  if (!node.IsObject()) return false;
  const auto it = node.FindMember("@type");
  if (it == node.MemberEnd()) return false;
  auto equals = [&](const rapidjson::Value& v) {
    return v.IsString() && std::string_view(v.GetString(), v.GetStringLength()) == iri;
  };
  if (it->value.IsArray()) {
    for (const auto& entry : it->value.GetArray()) {
      if (equals(entry)) return true;
    }
    return false;
  }
  return equals(it->value);
}

std::string id(const rapidjson::Value& node) {
  if (!node.IsObject()) return {};
  const auto it = node.FindMember("@id");
  if (it == node.MemberEnd() || !it->value.IsString()) return {};
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

namespace {

bool appendText(const rapidjson::Value& entry, std::vector<std::string>& out) {
  if (entry.IsObject()) {
    if (const auto value = entry.FindMember("@value"); value != entry.MemberEnd()) {
      const rapidjson::Value& v = value->value;
      if (v.IsString()) {
        out.emplace_back(v.GetString(), v.GetStringLength());
      } else if (v.IsBool()) {
        out.emplace_back(v.GetBool() ? "true" : "false");
      } else if (v.IsInt64()) {
        out.push_back(std::to_string(v.GetInt64()));
      } else if (v.IsUint64()) {
        out.push_back(std::to_string(v.GetUint64()));
      } else if (v.IsNumber()) {
        std::string text = std::to_string(v.GetDouble());
        out.push_back(std::move(text));
      } else {
        return false;
      }
      return true;
    }
    if (const auto ref = entry.FindMember("@id");
        ref != entry.MemberEnd() && entry.MemberCount() == 1) {
      if (!ref->value.IsString()) return false;
      out.emplace_back(ref->value.GetString(), ref->value.GetStringLength());
      return true;
    }
    if (const auto list = entry.FindMember("@list");
        list != entry.MemberEnd() && list->value.IsArray()) {
      for (const auto& item : list->value.GetArray()) {
        if (!appendText(item, out)) return false;
      }
      return true;
    }
  }
  return false;
}

}  // namespace

std::optional<std::vector<std::string>> texts(const rapidjson::Value& values) {
  std::vector<std::string> out;
  if (!values.IsArray()) return std::nullopt;
  for (const auto& entry : values.GetArray()) {
    if (!appendText(entry, out)) return std::nullopt;
  }
  return out;
}

std::string member(const std::string& path, std::string_view name) {
  return path.empty() ? std::string(name) : path + "." + std::string(name);
}

std::string index(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

std::string_view localName(std::string_view iri) {
  const size_t cut = iri.find_last_of("/#");
  return cut == std::string_view::npos ? iri : iri.substr(cut + 1);
}

}  // namespace cxgw::policies::expanded
