#include "cxgw/policies/policy_diff.hpp"

#include <algorithm>

#include "cxgw/policies/plain_language.hpp"

namespace cxgw::policies {
namespace {

std::string selectorWords(const ContractDefinition& definition) {
  if (definition.assets_selector.empty()) return "every asset";
  std::string out;
  for (const AssetCriterion& criterion : definition.assets_selector) {
    if (!out.empty()) out += " and ";
    std::string values;
    for (const std::string& v : criterion.operand_right) values += (values.empty() ? "" : ", ") + v;
    out += "assets whose " + criterion.operand_left + " " +
           (criterion.op == "=" ? "is " : "is one of ") + values;
  }
  return out;
}

std::string definitionWords(const ContractDefinition& definition) {
  return "offers " + selectorWords(definition) + " under access policy '" +
         definition.access_policy_id + "' and contract policy '" + definition.contract_policy_id +
         "'";
}

void diffPolicies(const PolicyLibrary& before, const PolicyLibrary& after,
                  std::vector<LibraryChange>& out) {
  for (const auto& [id, stored] : before.policies()) {
    if (after.policies().count(id) == 0) {
      LibraryChange change{LibraryChange::Kind::kRemoved, "policy " + id, {}};
      for (const RuleSentence& rule : describeRules(stored.policy))
        change.lines.push_back("- " + rule.sentence);
      out.push_back(std::move(change));
    }
  }
  for (const auto& [id, stored] : after.policies()) {
    const auto old = before.policies().find(id);
    if (old == before.policies().end()) {
      LibraryChange change{LibraryChange::Kind::kAdded, "policy " + id, {}};
      for (const RuleSentence& rule : describeRules(stored.policy))
        change.lines.push_back("+ " + rule.sentence);
      out.push_back(std::move(change));
      continue;
    }
    if (old->second.policy.content_hash == stored.policy.content_hash) continue;
    const auto old_rules = describeRules(old->second.policy);
    const auto new_rules = describeRules(stored.policy);
    auto contains = [](const std::vector<RuleSentence>& rules, const RuleSentence& rule) {
      return std::any_of(rules.begin(), rules.end(),
                         [&](const RuleSentence& r) { return r.canonical == rule.canonical; });
    };
    LibraryChange change{LibraryChange::Kind::kChanged, "policy " + id, {}};
    for (const RuleSentence& rule : old_rules) {
      if (!contains(new_rules, rule)) change.lines.push_back("- " + rule.sentence);
    }
    for (const RuleSentence& rule : new_rules) {
      if (!contains(old_rules, rule)) change.lines.push_back("+ " + rule.sentence);
    }
    out.push_back(std::move(change));
  }
}

void diffDefinitions(const PolicyLibrary& before, const PolicyLibrary& after,
                     std::vector<LibraryChange>& out) {
  for (const auto& [id, definition] : before.contractDefinitions()) {
    if (after.contractDefinitions().count(id) == 0) {
      out.push_back({LibraryChange::Kind::kRemoved,
                     "contract definition " + id,
                     {"- " + definitionWords(definition)}});
    }
  }
  for (const auto& [id, definition] : after.contractDefinitions()) {
    const auto old = before.contractDefinitions().find(id);
    if (old == before.contractDefinitions().end()) {
      out.push_back({LibraryChange::Kind::kAdded,
                     "contract definition " + id,
                     {"+ " + definitionWords(definition)}});
    } else if (old->second.access_policy_id != definition.access_policy_id ||
               old->second.contract_policy_id != definition.contract_policy_id ||
               old->second.assets_selector != definition.assets_selector) {
      out.push_back({LibraryChange::Kind::kChanged,
                     "contract definition " + id,
                     {"- " + definitionWords(old->second), "+ " + definitionWords(definition)}});
    }
  }
}

void diffGroups(const PolicyLibrary& before, const PolicyLibrary& after,
                std::vector<LibraryChange>& out) {
  std::set<std::string> bpns;
  for (const auto& [bpn, groups] : before.groups()) bpns.insert(bpn);
  for (const auto& [bpn, groups] : after.groups()) bpns.insert(bpn);
  for (const std::string& bpn : bpns) {
    const auto a = before.groups().find(bpn);
    const auto b = after.groups().find(bpn);
    const std::set<std::string> empty;
    const std::set<std::string>& old_groups = a == before.groups().end() ? empty : a->second;
    const std::set<std::string>& new_groups = b == after.groups().end() ? empty : b->second;
    if (old_groups == new_groups) continue;
    LibraryChange change{a == before.groups().end()  ? LibraryChange::Kind::kAdded
                         : b == after.groups().end() ? LibraryChange::Kind::kRemoved
                                                     : LibraryChange::Kind::kChanged,
                         "business partner " + bpn,
                         {}};
    for (const std::string& g : old_groups) {
      if (new_groups.count(g) == 0) change.lines.push_back("- no longer in group \"" + g + "\"");
    }
    for (const std::string& g : new_groups) {
      if (old_groups.count(g) == 0) change.lines.push_back("+ now in group \"" + g + "\"");
    }
    out.push_back(std::move(change));
  }
}

}  // namespace

std::vector<LibraryChange> diffLibraries(const PolicyLibrary& before, const PolicyLibrary& after) {
  std::vector<LibraryChange> out;
  diffPolicies(before, after, out);
  diffDefinitions(before, after, out);
  diffGroups(before, after, out);
  return out;
}

std::string describeChanges(const std::vector<LibraryChange>& changes) {
  if (changes.empty()) return "no changes\n";
  std::string out;
  for (const LibraryChange& change : changes) {
    const char* verb = change.kind == LibraryChange::Kind::kAdded     ? "added"
                       : change.kind == LibraryChange::Kind::kRemoved ? "removed"
                                                                      : "changed";
    out += std::string(verb) + ": " + change.subject + "\n";
    for (const std::string& line : change.lines) out += "  " + line + "\n";
  }
  return out;
}

}  // namespace cxgw::policies
