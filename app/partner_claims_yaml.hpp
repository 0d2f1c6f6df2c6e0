#pragma once
// Partner claims written in YAML, one format for two files: the partner profiles that
// `cxgw policy test` evaluates (docs/policies.md) and the partner registry that the mutual-TLS
// authenticator reads (dsp.partner_registry, docs/dsp.md).
//
//   bpn: BPNL000000000OEM
//   did: did:web:oem.example          # optional
//   membership: true
//   framework_agreements: [DataExchangeGovernance:1.0, traceability:1.0]
//   groups: [gold]
//   contract_references: [C-2024-17]

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "cxgw/core/result.hpp"
#include "cxgw/gateway/identity/mtls_partner_authenticator.hpp"
#include "cxgw/policies/policy_evaluator.hpp"

namespace cxgw::app {

// Handles a key that is not a claim: an error with code kUnknownKey for a key it does not know
// either, another error (its message) for a bad value.
using OtherPartnerKey =
    std::function<Status(const std::string& key, const YAML::Node& value, int line)>;

// The claims of the YAML map `node`. Errors name `file`, the line and `key_prefix` + key; a
// key that is neither a claim nor accepted by `other` is an error listing the known keys.
Result<policies::PartnerClaims> readPartnerClaims(const YAML::Node& node,
                                                  const std::filesystem::path& file,
                                                  const std::string& key_prefix,
                                                  const OtherPartnerKey& other,
                                                  const std::string& other_keys_hint);

// The partner registry file: {partners: [claims, …]}.
Result<std::shared_ptr<const gateway::PartnerRegistry>> readPartnerRegistry(
    const std::filesystem::path& file);

}  // namespace cxgw::app
