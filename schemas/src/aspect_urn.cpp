#include "cxgw/schemas/aspect_urn.hpp"

#include <cctype>

namespace cxgw::schemas {
namespace {

constexpr std::string_view kPrefix = "urn:samm:";

bool isNamespace(std::string_view text) {
  if (text.empty() || text.front() == '.' || text.back() == '.') return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '.' && text[i - 1] == '.') return false;
    if (!(std::islower(c) || std::isdigit(c) || c == '_' || c == '.')) return false;
  }
  return true;
}

bool isVersion(std::string_view text) {
  int parts = 0;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t dot = text.find('.', start);
    const std::string_view part =
        text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (part.empty()) return false;
    for (char c : part) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    }
    ++parts;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts == 3;
}

bool isName(std::string_view text) {
  if (text.empty() || !std::isupper(static_cast<unsigned char>(text.front()))) return false;
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

Error invalid(std::string message) {
  return Error{ErrorCode::kInvalidArgument, std::move(message), "aspect URN", "", 0};
}

}  // namespace

std::string AspectUrn::toString() const {
  return std::string(kPrefix) + model_namespace + ":" + version + "#" + name;
}

Result<AspectUrn> parseAspectUrn(std::string_view text) {
  if (text.substr(0, kPrefix.size()) != kPrefix) {
    return invalid("'" + std::string(text) + "' does not start with 'urn:samm:'");
  }
  const std::string_view rest = text.substr(kPrefix.size());
  const size_t colon = rest.find(':');
  const size_t hash = rest.find('#');
  if (colon == std::string_view::npos || hash == std::string_view::npos || hash < colon) {
    return invalid("'" + std::string(text) +
                   "' is not of the form urn:samm:<namespace>:<version>#<Name>");
  }
  AspectUrn urn{std::string(rest.substr(0, colon)),
                std::string(rest.substr(colon + 1, hash - colon - 1)),
                std::string(rest.substr(hash + 1))};
  if (!isNamespace(urn.model_namespace)) {
    return invalid("namespace '" + urn.model_namespace + "' must be dotted lower-case words");
  }
  if (!isVersion(urn.version)) {
    return invalid("version '" + urn.version + "' must be major.minor.patch");
  }
  if (!isName(urn.name)) {
    return invalid("aspect name '" + urn.name + "' must be an UpperCamelCase identifier");
  }
  return urn;
}

}  // namespace cxgw::schemas
