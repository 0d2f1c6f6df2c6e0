#include "cxgw/policies/plain_language.hpp"

#include <array>
#include <cctype>
#include <utility>

#include "cxgw/core/timestamp.hpp"

namespace cxgw::policies {
namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 16> kPurposes{{
    {"cx.core.legalRequirementForThirdparty:1", "meeting legal requirements towards third parties"},
    {"cx.core.industrycore:1", "the Industry Core use case"},
    {"cx.core.qualityNotifications:1", "quality notifications"},
    {"cx.core.digitalTwinRegistry:1", "looking up digital twins"},
    {"cx.quality.base:1", "quality analysis"},
    {"cx.pcf.base:1", "exchanging product carbon footprints"},
    {"cx.dcm.base:1", "demand and capacity management"},
    {"cx.puris.base:1", "predictive unit real-time information exchange (PURIS)"},
    {"cx.circular.dpp:1", "digital product passports"},
    {"cx.circular.smc:1", "reporting secondary material content"},
    {"cx.circular.marketplace:1", "the circular economy marketplace"},
    {"cx.circular.materialaccounting:1", "material accounting"},
    {"cx.logistics.base:1", "logistics"},
    {"cx.behaviortwin.base:1", "behaviour twins"},
    {"cx.ccm.base:1", "company certificate management"},
    {"cx.bpdm.gate.upload:1", "uploading business partner data"},
}};

constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kRegions{{
    {"cx.region.all:1", "any region"},
    {"cx.region.europe:1", "Europe"},
    {"cx.region.northAmerica:1", "North America"},
    {"cx.region.southAmerica:1", "South America"},
    {"cx.region.asia:1", "Asia"},
    {"cx.region.africa:1", "Africa"},
    {"cx.region.oceania:1", "Oceania"},
}};

std::string quoted(const std::string& value) {
  return "\"" + value + "\"";
}

std::string region(const std::string& value) {
  for (const auto& [id, name] : kRegions) {
    if (id == value) return std::string(name);
  }
  return quoted(value);
}

// "a", "a or b", "a, b or c"
std::string listWords(const std::vector<std::string>& items, std::string_view conjunction) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? " " + std::string(conjunction) + " " : ", ";
    out += items[i];
  }
  return out;
}

template <typename F>
std::vector<std::string> mapped(const std::vector<std::string>& values, F f) {
  std::vector<std::string> out;
  out.reserve(values.size());
  for (const std::string& v : values) out.push_back(f(v));
  return out;
}

std::string day(const std::string& value) {
  const auto time = parseIsoTimestamp(value);
  if (!time) return quoted(value);
  static constexpr std::array<std::string_view, 12> kMonths{
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  // A plain date is shown as written (also beyond the clock's range); a date-time in UTC.
  const std::string iso = isIsoDate(value) ? value + "T00:00:00Z" : formatIsoTimestamp(*time);
  const int month = std::stoi(iso.substr(5, 2));
  std::string out = std::to_string(std::stoi(iso.substr(8, 2))) + " " +
                    std::string(kMonths[month - 1]) + " " + iso.substr(0, 4);
  if (!isIsoDate(value)) out += ", " + iso.substr(11, 5) + " UTC";
  return out;
}

// "contractAgreement+365d" -> "365 days after the agreement is signed"
std::string relativeTime(const std::string& value) {
  constexpr std::string_view kBase = "contractAgreement";
  if (value == kBase) return "the moment the agreement is signed";
  if (value.size() < kBase.size() + 3) return quoted(value);
  const std::string amount = value.substr(kBase.size() + 1, value.size() - kBase.size() - 2);
  const char unit = value.back();
  std::string unit_name = unit == 'd'   ? "day"
                          : unit == 'h' ? "hour"
                          : unit == 'm' ? "minute"
                                        : "second";
  if (amount != "1") unit_name += "s";
  return amount + " " + unit_name + (value[kBase.size()] == '+' ? " after" : " before") +
         " the agreement is signed";
}

enum class Category { kPartner, kPurpose, kTime, kOther };

struct Phrase {
  Category category;
  std::string text;
};

std::string operatorWords(OdrlOperator op, const std::vector<std::string>& values) {
  switch (op) {
    case OdrlOperator::kNeq:
      return "is not " + listWords(values, "or");
    case OdrlOperator::kIsNoneOf:
      return "is none of " + listWords(values, "or");
    case OdrlOperator::kIsAllOf:
      return "includes all of " + listWords(values, "and");
    default:
      return "is " + listWords(values, "or");
  }
}

Phrase atomicPhrase(const AtomicConstraint& c) {
  const std::vector<std::string>& v = c.right.values;
  const bool negative = c.op == OdrlOperator::kNeq || c.op == OdrlOperator::kIsNoneOf;
  switch (c.left.kind) {
    case LeftOperandKind::kMembership:
      return {Category::kPartner, "with an active Catena-X membership"};
    case LeftOperandKind::kFrameworkAgreement: {
      if (!c.left.framework_in_name.empty()) {
        return {Category::kPartner,
                "that have signed " + describeFrameworkAgreement(c.left.framework_in_name)};
      }
      const auto names = mapped(v, describeFrameworkAgreement);
      if (c.op == OdrlOperator::kIsAllOf)
        return {Category::kPartner, "that have signed " + listWords(names, "and")};
      if (negative) return {Category::kPartner, "that have not signed " + listWords(names, "or")};
      return {Category::kPartner, "that have signed " + listWords(names, "or")};
    }
    case LeftOperandKind::kBusinessPartnerNumber:
      return {Category::kPartner, "whose business partner number " + operatorWords(c.op, v)};
    case LeftOperandKind::kBusinessPartnerGroup:
      if (negative)
        return {Category::kPartner,
                "outside the business partner group(s) " + listWords(mapped(v, quoted), "and")};
      return {Category::kPartner,
              std::string("in the business partner group") + (v.size() > 1 ? "s " : " ") +
                  listWords(mapped(v, quoted), c.op == OdrlOperator::kIsAllOf ? "and" : "or")};
    case LeftOperandKind::kContractReference:
      return {Category::kPartner,
              "that hold the contract" + std::string(v.size() > 1 ? "s " : " ") +
                  listWords(mapped(v, quoted), c.op == OdrlOperator::kIsAnyOf ? "or" : "and")};
    case LeftOperandKind::kUsagePurpose: {
      const auto purposes = mapped(v, describeUsagePurpose);
      if (negative)
        return {Category::kPurpose, "for any purpose except " + listWords(purposes, "and")};
      return {Category::kPurpose,
              "for " + listWords(purposes, c.op == OdrlOperator::kIsAllOf ? "and" : "or")};
    }
    case LeftOperandKind::kAffiliatesRegion:
      return {Category::kOther, std::string(negative ? "but not " : "") +
                                    "on behalf of affiliates in " +
                                    listWords(mapped(v, region), "or")};
    case LeftOperandKind::kAffiliatesBpnl:
      return {Category::kOther, std::string(negative ? "but not " : "") +
                                    "on behalf of the affiliate" + (v.size() > 1 ? "s " : " ") +
                                    listWords(v, "or")};
    case LeftOperandKind::kDataUsageEndDate:
      return {Category::kTime, "until " + day(v.front())};
    case LeftOperandKind::kDataUsageEndDurationDays:
      return {Category::kTime, "for " + v.front() + " days after the agreement is signed"};
    case LeftOperandKind::kDataUsageEndDefinition:
      return {Category::kTime, "without a time limit"};
    case LeftOperandKind::kInForceDate: {
      const std::string& value = v.front();
      const std::string when =
          value.rfind("contractAgreement", 0) == 0 ? relativeTime(value) : day(value);
      switch (c.op) {
        case OdrlOperator::kGt:
          return {Category::kTime, "after " + when};
        case OdrlOperator::kGteq:
          return {Category::kTime, "from " + when};
        case OdrlOperator::kLt:
          return {Category::kTime, "before " + when};
        case OdrlOperator::kLteq:
          return {Category::kTime, "until " + when};
        default:
          return {Category::kTime, "exactly at " + when};
      }
    }
  }
  return {Category::kOther, "under an unrecognized condition"};
}

Phrase phrase(const Constraint& constraint) {
  if (const auto* atomic = std::get_if<AtomicConstraint>(&constraint)) return atomicPhrase(*atomic);
  if (const auto* invalid = std::get_if<InvalidConstraint>(&constraint)) {
    return {Category::kOther, "under a condition the engine cannot evaluate (" + invalid->reason +
                                  "), so this rule can never be granted"};
  }
  const auto& logical = std::get<LogicalConstraint>(constraint);
  std::vector<std::string> parts;
  for (const Constraint& operand : logical.operands) parts.push_back(phrase(operand).text);
  switch (logical.op) {
    case LogicalOperator::kAnd:
    case LogicalOperator::kAndSequence:
      return {Category::kOther, listWords(parts, "and")};
    case LogicalOperator::kOr:
      return {Category::kOther, "(either " + listWords(parts, "or") + ")"};
    case LogicalOperator::kXone:
      return {Category::kOther, "(exactly one of: " + listWords(parts, "or") + ")"};
  }
  return {Category::kOther, ""};
}

// Flattens top-level and-constraints, so that their parts land in the right place of the
// sentence.
void collect(const std::vector<Constraint>& constraints, std::vector<Phrase>& out) {
  for (const Constraint& constraint : constraints) {
    const auto* logical = std::get_if<LogicalConstraint>(&constraint);
    if (logical != nullptr &&
        (logical->op == LogicalOperator::kAnd || logical->op == LogicalOperator::kAndSequence)) {
      collect(logical->operands, out);
    } else {
      out.push_back(phrase(constraint));
    }
  }
}

std::string joinCategory(const std::vector<Phrase>& phrases, Category category,
                         std::string_view glue) {
  std::string out;
  for (const Phrase& p : phrases) {
    if (p.category != category) continue;
    if (!out.empty()) out += std::string(glue);
    out += p.text;
  }
  return out;
}

std::string actionVerb(const std::string& action_iri, const std::optional<Action>& action) {
  if (action == Action::kUse) return "use this data";
  if (action == Action::kAccess) return "see this offer in the catalog";
  return "perform the action " + quoted(action_iri) + " (unknown to the engine) on this data";
}

std::string ruleSentence(std::string_view kind, const Rule& rule) {
  std::vector<Phrase> phrases;
  collect(rule.constraints, phrases);
  // "with an active membership that have signed X and that hold Y": the "that" clauses follow.
  std::vector<Phrase> leading, clauses;
  for (const Phrase& p : phrases) {
    if (p.category != Category::kPartner) continue;
    (p.text.rfind("that ", 0) == 0 ? clauses : leading).push_back(p);
  }
  std::string partner = joinCategory(leading, Category::kPartner, " and ");
  const std::string that = joinCategory(clauses, Category::kPartner, " and ");
  if (!that.empty()) partner += (partner.empty() ? "" : " ") + that;
  std::string tail;
  for (Category category : {Category::kPurpose, Category::kOther, Category::kTime}) {
    const std::string part =
        joinCategory(phrases, category, category == Category::kTime ? " and " : ", ");
    if (!part.empty()) tail += " " + part;
  }
  const std::string verb = actionVerb(rule.action_iri, rule.action);
  std::string sentence;
  if (kind == "prohibition") {
    sentence = (partner.empty() ? std::string("No partner") : "No partner " + partner) + " may " +
               verb + tail;
  } else {
    sentence = (partner.empty() ? std::string("Any partner") : "Partners " + partner) + " may " +
               verb + tail;
  }
  if (!rule.duties.empty()) {
    std::vector<std::string> duties;
    for (const Duty& duty : rule.duties) duties.push_back(quoted(std::string(duty.action)));
    sentence += ", provided that they fulfil the duty " + listWords(duties, "and") +
                " (the gateway cannot discharge duties, so this permission is never granted)";
  }
  return sentence + ".";
}

std::string singleRuleCanonical(std::string_view kind, const Rule& rule) {
  Policy one;
  if (kind == "permission")
    one.permissions.push_back(rule);
  else
    one.prohibitions.push_back(rule);
  return canonicalPolicyText(one);
}

}  // namespace

std::string describeFrameworkAgreement(const std::string& value) {
  const size_t colon = value.rfind(':');
  const std::string name = colon == std::string::npos ? value : value.substr(0, colon);
  const std::string version = colon == std::string::npos ? "" : value.substr(colon + 1);
  std::string words;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (i > 0 && std::isupper(static_cast<unsigned char>(c)) &&
        std::islower(static_cast<unsigned char>(name[i - 1]))) {
      words += ' ';
    }
    words += i == 0 ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
  }
  return "the " + words + " framework" + (version.empty() ? "" : " " + version);
}

std::string describeUsagePurpose(const std::string& value) {
  for (const auto& [id, words] : kPurposes) {
    if (id == value) return std::string(words);
  }
  return "the purpose " + quoted(value);
}

std::vector<RuleSentence> describeRules(const Policy& policy) {
  std::vector<RuleSentence> out;
  for (const Rule& rule : policy.permissions) {
    out.push_back(
        {"permission", singleRuleCanonical("permission", rule), ruleSentence("permission", rule)});
  }
  for (const Rule& rule : policy.prohibitions) {
    out.push_back({"prohibition", singleRuleCanonical("prohibition", rule),
                   ruleSentence("prohibition", rule)});
  }
  for (const Duty& duty : policy.obligations) {
    Policy one;
    one.obligations.push_back(duty);
    out.push_back(
        {"obligation", canonicalPolicyText(one),
         "Partners must fulfil the obligation " + quoted(duty.action) +
             " (the gateway cannot discharge obligations, so this policy never allows anything)."});
  }
  return out;
}

std::string describePolicy(const Policy& policy) {
  std::string vocabulary;
  switch (policy.vocabulary) {
    case Vocabulary::kSaturn:
      vocabulary = "Catena-X 2025/9 (Saturn) vocabulary";
      break;
    case Vocabulary::kJupiter:
      vocabulary = "Catena-X legacy (Jupiter) vocabulary";
      break;
    case Vocabulary::kMixed:
      vocabulary = "a mix of the Saturn and Jupiter vocabularies";
      break;
    case Vocabulary::kNone:
      vocabulary = "no Catena-X constraints";
      break;
  }
  std::string out = "Policy " + policy.id + " (" + vocabulary + "):\n";
  const auto rules = describeRules(policy);
  if (policy.permissions.empty()) out += "- It permits nothing, so every request is refused.\n";
  for (const RuleSentence& rule : rules) out += "- " + rule.sentence + "\n";
  for (const InvalidConstraint& invalid : invalidConstraints(policy)) {
    out += "! Cannot be evaluated at " + invalid.location + ": " + invalid.reason + "\n";
  }
  return out;
}

}  // namespace cxgw::policies
