#include "partner_claims_yaml.hpp"

#include <set>

namespace cxgw::app {
namespace {

Error fileError(const std::filesystem::path& file, std::string key, std::string message, int line) {
  return Error{ErrorCode::kInvalidArgument, std::move(message), std::move(key), file.string(),
               line};
}

}  // namespace

Result<policies::PartnerClaims> readPartnerClaims(const YAML::Node& node,
                                                  const std::filesystem::path& file,
                                                  const std::string& key_prefix,
                                                  const OtherPartnerKey& other,
                                                  const std::string& other_keys_hint) {
  const int node_line = node.Mark().line + 1;
  if (!node.IsMap()) {
    return fileError(file, key_prefix.empty() ? "" : key_prefix.substr(0, key_prefix.size() - 1),
                     "a partner is a YAML mapping", node_line);
  }
  static const std::set<std::string> kClaims{
      "bpn", "did", "membership", "framework_agreements", "groups", "contract_references"};
  policies::PartnerClaims claims;
  try {
    for (const auto& entry : node) {
      const std::string key = entry.first.as<std::string>();
      const int line = entry.first.Mark().line + 1;
      const YAML::Node& value = entry.second;
      if (kClaims.count(key) == 0) {
        if (Status handled = other(key, value, line); !handled) {
          if (handled.error().code != ErrorCode::kUnknownKey) {
            return fileError(file, key_prefix + key, handled.error().message, line);
          }
          return fileError(file, key_prefix + key,
                           "unknown key (known: bpn, did, membership, framework_agreements, "
                           "groups, contract_references" +
                               other_keys_hint + ")",
                           line);
        }
        continue;
      }
      if (key == "bpn" || key == "did") {
        if (!value.IsScalar()) return fileError(file, key_prefix + key, "expected a string", line);
        (key == "bpn" ? claims.bpn : claims.did) = value.as<std::string>();
      } else if (key == "membership") {
        claims.catena_x_member = value.as<bool>();
      } else {
        if (!value.IsSequence()) return fileError(file, key_prefix + key, "expected a list", line);
        const auto values = value.as<std::vector<std::string>>();
        if (key == "groups") {
          claims.groups = values;
        } else if (key == "contract_references") {
          claims.contract_references = values;
        } else {
          for (const std::string& v : values) {
            const size_t colon = v.rfind(':');
            claims.framework_agreements.push_back(
                colon == std::string::npos
                    ? policies::FrameworkAgreementClaim{v, ""}
                    : policies::FrameworkAgreementClaim{v.substr(0, colon), v.substr(colon + 1)});
          }
        }
      }
    }
  } catch (const YAML::Exception& e) {
    return fileError(file, key_prefix, "wrong value type: " + e.msg, e.mark.line + 1);
  }
  if (claims.bpn.empty()) return fileError(file, key_prefix + "bpn", "is required", node_line);
  return claims;
}

Result<std::shared_ptr<const gateway::PartnerRegistry>> readPartnerRegistry(
    const std::filesystem::path& file) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::BadFile&) {
    return Error{ErrorCode::kIoError, "cannot read the partner registry", "", file.string(), 0};
  } catch (const YAML::Exception& e) {
    return fileError(file, "", e.msg, e.mark.line + 1);
  }
  if (!root.IsMap() || !root["partners"] || !root["partners"].IsSequence()) {
    return fileError(file, "partners", "the partner registry needs a list 'partners'", 1);
  }
  for (const auto& entry : root) {
    if (entry.first.as<std::string>() != "partners") {
      return fileError(file, entry.first.as<std::string>(), "unknown key (known: partners)",
                       entry.first.Mark().line + 1);
    }
  }
  std::vector<policies::PartnerClaims> partners;
  size_t index = 0;
  for (const YAML::Node& node : root["partners"]) {
    const std::string prefix = "partners[" + std::to_string(index++) + "].";
    auto claims = readPartnerClaims(
        node, file, prefix,
        [](const std::string&, const YAML::Node&, int) -> Status {
          return Error{ErrorCode::kUnknownKey, "", "", "", 0};
        },
        "");
    if (!claims) return claims.error();
    partners.push_back(std::move(claims).value());
  }
  auto registry = gateway::PartnerRegistry::create(std::move(partners));
  if (!registry) {
    Error error = registry.error();
    error.file = file.string();
    return error;
  }
  return registry;
}

}  // namespace cxgw::app
