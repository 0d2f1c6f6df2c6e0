// cxgw policy lint | explain | test | diff: the compliance officer's view of the policy library.

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "cxgw/core/timestamp.hpp"
#include "cxgw/policies/plain_language.hpp"
#include "cxgw/policies/policy_diff.hpp"
#include "cxgw/policies/policy_library.hpp"
#include "cxgw/schemas/jsonld_expander.hpp"
#include "partner_claims_yaml.hpp"
#include "policy_library_files.hpp"

namespace cxgw::app {
namespace {

using policies::LintFinding;

// The library of `directory`, or nullptr after printing its errors.
std::shared_ptr<const policies::PolicyLibrary> loadLibrary(const std::filesystem::path& directory) {
  const policies::PolicyLibraryBuilder builder = readPolicyDirectory(directory);
  auto library = builder.build();
  if (!library) {
    for (const LintFinding& finding : builder.findings()) {
      if (finding.severity == LintFinding::Severity::kError)
        std::cerr << finding.describe() << "\n";
    }
    std::cerr << "policy library " << directory.string() << " is invalid; fix the errors above\n";
    return nullptr;
  }
  return std::move(library).value();
}

std::string yes(bool value) {
  return value ? "yes" : "no";
}

// A partner profile (docs/policies.md): what the partner's credentials would establish.
struct PartnerProfile {
  policies::PartnerClaims claims;
  std::vector<std::string> purposes;
  std::string affiliate_bpn;
  std::string affiliate_region;
};

Result<PartnerProfile> readProfile(const std::filesystem::path& file) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::Exception& e) {
    return Error{ErrorCode::kInvalidArgument, e.msg, "", file.string(), e.mark.line + 1};
  }
  PartnerProfile profile;
  auto claims = readPartnerClaims(
      root, file, "",
      [&profile](const std::string& key, const YAML::Node& value, int line) -> Status {
        const auto wrong = [&](const char* expected) {
          return Error{ErrorCode::kInvalidArgument, expected, key, "", line};
        };
        if (key == "purposes") {
          if (!value.IsSequence()) return wrong("expected a list");
          profile.purposes = value.as<std::vector<std::string>>();
        } else if (key == "affiliate_bpn" || key == "affiliate_region") {
          if (!value.IsScalar()) return wrong("expected a string");
          (key == "affiliate_bpn" ? profile.affiliate_bpn : profile.affiliate_region) =
              value.as<std::string>();
        } else {
          return Error{ErrorCode::kUnknownKey, "", key, "", line};
        }
        return {};
      },
      ", purposes, affiliate_bpn, affiliate_region");
  if (!claims) return claims.error();
  profile.claims = std::move(claims).value();
  return profile;
}

void printExplanation(const policies::Explanation& node, int depth) {
  static constexpr const char* kMarks[] = {"[holds]  ", "[fails]  ", "[cannot evaluate] "};
  std::cout << std::string(static_cast<size_t>(depth) * 2 + 4, ' ')
            << kMarks[static_cast<int>(node.outcome)] << node.text << "\n";
  for (const auto& child : node.children) printExplanation(child, depth + 1);
}

}  // namespace

int runPolicyLint(const std::filesystem::path& directory) {
  const policies::PolicyLibraryBuilder builder = readPolicyDirectory(directory);
  const auto findings = builder.findings();
  size_t errors = 0;
  for (const LintFinding& finding : findings) {
    std::cout << finding.describe() << "\n";
    if (finding.severity == LintFinding::Severity::kError) ++errors;
  }
  auto library = builder.build();
  if (!library) {
    std::cout << directory.string() << ": " << errors
              << " error(s); the library would not be loaded\n";
    return 1;
  }
  std::cout << directory.string() << ": OK: " << library.value()->policies().size() << " policies, "
            << library.value()->contractDefinitions().size() << " contract definitions, "
            << library.value()->groups().size() << " partners in groups, " << findings.size()
            << " warning(s)\n";
  return 0;
}

int runPolicyExplain(const std::string& file_or_id, const std::filesystem::path& directory) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(file_or_id, ec)) {
    std::ifstream in(file_or_id, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    auto expanded = schemas::JsonLdExpander().expand(text.str());
    if (!expanded) {
      std::cerr << file_or_id << ": " << expanded.error().describe() << "\n";
      return 2;
    }
    policies::PolicyLibraryBuilder builder;
    builder.addDocument(file_or_id, expanded.value());
    // Constraints the engine cannot evaluate are explained, not refused: the text says so.
    for (const LintFinding& finding : builder.findings()) std::cerr << finding.describe() << "\n";
    const auto parsed = builder.parsedPolicies();
    if (parsed.empty()) {
      std::cerr << file_or_id << ": holds no policy that could be parsed\n";
      return 1;
    }
    for (const policies::StoredPolicy* stored : parsed)
      std::cout << policies::describePolicy(stored->policy);
    return 0;
  }
  if (directory.empty()) {
    std::cerr
        << "'" << file_or_id
        << "' is not a file; to explain a policy by id, name the library with --policies DIR\n";
    return 2;
  }
  const auto library = loadLibrary(directory);
  if (!library) return 2;
  const policies::Policy* policy = library->policy(file_or_id);
  if (policy == nullptr) {
    std::cerr << "no policy '" << file_or_id << "' in " << directory.string() << "\n";
    return 2;
  }
  std::cout << policies::describePolicy(*policy);
  for (const auto& [id, definition] : library->contractDefinitions()) {
    if (definition.access_policy_id == file_or_id) {
      std::cout << "- Used as the access policy of contract definition " << id << ".\n";
    }
    if (definition.contract_policy_id == file_or_id) {
      std::cout << "- Used as the contract policy of contract definition " << id << ".\n";
    }
  }
  return 0;
}

int runPolicyTest(const std::filesystem::path& profile_file, const std::string& asset_id,
                  const std::filesystem::path& directory, const std::string& at) {
  auto profile = readProfile(profile_file);
  if (!profile) {
    std::cerr << profile.error().describe() << "\n";
    return 2;
  }
  policies::RequestContext context;
  context.now = std::chrono::system_clock::now();
  if (!at.empty()) {
    const auto time = parseIsoTimestamp(at);
    if (!time) {
      std::cerr << "--at: '" << at << "' is not an RFC 3339 time or a date\n";
      return 2;
    }
    context.now = *time;
  }
  context.declared_purposes = profile.value().purposes;
  context.affiliate_bpn = profile.value().affiliate_bpn;
  context.affiliate_region = profile.value().affiliate_region;
  context.asset_id = asset_id;
  const auto library = loadLibrary(directory);
  if (!library) return 2;
  const policies::PolicyEngine engine(library);
  const policies::PartnerClaims& claims = profile.value().claims;
  const auto groups = claims.groups.empty() ? library->groupsOf(claims.bpn) : claims.groups;
  std::cout << "Partner " << claims.bpn << (claims.did.empty() ? "" : " (" + claims.did + ")")
            << ": membership " << yes(claims.catena_x_member) << "; groups "
            << (groups.empty() ? std::string("none") : [&] {
                 std::string s;
                 for (const auto& g : groups) s += (s.empty() ? "" : ", ") + g;
                 return s;
               }())
            << "; at " << formatIsoTimestamp(context.now) << "\n\n";
  size_t shown = 0;
  for (const auto& [id, definition] : library->contractDefinitions()) {
    if (!asset_id.empty() &&
        !policies::selectorMatches(definition, policies::AssetDescription{asset_id, {}}))
      continue;
    ++shown;
    const policies::Decision access = engine.decideAccess(definition, claims, context);
    std::cout << "Contract definition " << id << " (access policy " << definition.access_policy_id
              << ", contract policy " << definition.contract_policy_id << ")\n";
    std::cout << "  sees the offer in the catalog: " << yes(access.allowed) << " - "
              << access.reason << "\n";
    for (const auto& child : access.explanation.children) printExplanation(child, 0);
    const policies::Policy* contract = library->policy(definition.contract_policy_id);
    if (contract != nullptr) {
      const policies::Decision agree =
          engine.decideNegotiation(definition, *contract, claims, context);
      std::cout << "  may agree to the contract: " << yes(access.allowed && agree.allowed) << " - "
                << agree.reason << (access.allowed ? "" : " (but the offer is not visible to it)")
                << "\n";
      for (const auto& child : agree.explanation.children) printExplanation(child, 0);
      std::cout << "  what a refused partner is told: "
                << (agree.allowed && access.allowed ? "-"
                    : access.allowed                ? agree.partner_reason
                                                    : access.partner_reason)
                << "\n";
    }
    std::cout << "\n";
  }
  if (shown == 0) {
    std::cout << (asset_id.empty() ? "The library has no contract definitions.\n"
                                   : "No contract definition selects asset '" + asset_id + "'.\n");
  }
  return 0;
}

int runPolicyDiff(const std::filesystem::path& before, const std::filesystem::path& after) {
  const auto a = loadLibrary(before);
  const auto b = loadLibrary(after);
  if (!a || !b) return 2;
  std::cout << policies::describeChanges(policies::diffLibraries(*a, *b));
  return 0;
}

}  // namespace cxgw::app
