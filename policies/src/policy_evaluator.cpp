#include "cxgw/policies/policy_evaluator.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <span>
#include <string_view>

#include "cxgw/core/timestamp.hpp"

namespace cxgw::policies {
namespace {

using std::chrono::system_clock;

// Which way an unclear constraint must fall: in a permission it must not grant, in a
// prohibition it must still forbid.
enum class Polarity { kPermission, kProhibition };

struct Verdict {
  Outcome outcome;
  std::string text;          // for the operator and the audit trail
  std::string partner_text;  // safe to show the partner this decision is about
};

class ConstraintEvaluator {
 public:
  ConstraintEvaluator(const PartnerClaims& claims, const RequestContext& context, bool texts)
      : claims_(claims), context_(context), texts_(texts) {}

  Explanation evaluate(const Constraint& constraint, Polarity polarity,
                       std::string* partner_text) const {
    if (const auto* atomic = std::get_if<AtomicConstraint>(&constraint)) {
      Verdict result = evaluateAtomic(*atomic, polarity);
      if (partner_text != nullptr && result.outcome != Outcome::kHolds) {
        *partner_text = std::move(result.partner_text);
      }
      return Explanation{result.outcome, std::move(result.text), {}};
    }
    if (const auto* invalid = std::get_if<InvalidConstraint>(&constraint)) {
      if (partner_text != nullptr)
        *partner_text = "the policy holds a condition the provider cannot evaluate";
      return Explanation{
          Outcome::kInvalid,
          texts_ ? invalid->reason + " (at " + invalid->location + ")" : std::string(),
          {}};
    }
    return evaluateLogical(std::get<LogicalConstraint>(constraint), polarity, partner_text);
  }

 private:
  Explanation evaluateLogical(const LogicalConstraint& logical, Polarity polarity,
                              std::string* partner_text) const {
    Explanation result;
    size_t holds = 0;
    bool invalid = false;
    std::string first_partner_text;
    for (const Constraint& operand : logical.operands) {
      std::string operand_partner_text;
      Explanation child = evaluate(operand, polarity, &operand_partner_text);
      if (child.outcome == Outcome::kHolds) ++holds;
      if (child.outcome == Outcome::kInvalid) invalid = true;
      if (child.outcome != Outcome::kHolds && first_partner_text.empty()) {
        first_partner_text = std::move(operand_partner_text);
      }
      if (texts_) result.children.push_back(std::move(child));
    }
    const size_t n = logical.operands.size();
    std::string_view name;
    if (invalid || n == 0) {
      // An unclear operand poisons the whole expression: it is never satisfied (permission) and
      // always applies (prohibition), whatever its siblings say.
      result.outcome = Outcome::kInvalid;
      if (first_partner_text.empty())
        first_partner_text = "the policy holds a condition the provider cannot evaluate";
    } else {
      switch (logical.op) {
        case LogicalOperator::kAnd:
        case LogicalOperator::kAndSequence:
          result.outcome = holds == n ? Outcome::kHolds : Outcome::kFails;
          break;
        case LogicalOperator::kOr:
          result.outcome = holds > 0 ? Outcome::kHolds : Outcome::kFails;
          break;
        case LogicalOperator::kXone:
          result.outcome = holds == 1 ? Outcome::kHolds : Outcome::kFails;
          if (holds > 1 && first_partner_text.empty()) {
            first_partner_text =
                "more than one of the alternatives applies, but the policy admits exactly one";
          }
          break;
      }
    }
    if (partner_text != nullptr && result.outcome != Outcome::kHolds) {
      *partner_text = std::move(first_partner_text);
    }
    if (texts_) {
      switch (logical.op) {
        case LogicalOperator::kAnd:
          name = "all of";
          break;
        case LogicalOperator::kAndSequence:
          name = "all of, in sequence,";
          break;
        case LogicalOperator::kOr:
          name = "at least one of";
          break;
        case LogicalOperator::kXone:
          name = "exactly one of";
          break;
      }
      result.text = std::string(name) + " " + std::to_string(n) +
                    " conditions: " + std::to_string(holds) + " hold" +
                    (result.outcome == Outcome::kInvalid ? "; one cannot be evaluated" : "");
    }
    (void)polarity;
    return result;
  }

  Verdict invalid(const AtomicConstraint& c, std::string why) const {
    return Verdict{Outcome::kInvalid,
                   texts_ ? leftOperandName(c.left) + " " + std::string(odrlOperatorName(c.op)) +
                                " cannot be evaluated: " + why
                          : std::string(),
                   "the policy holds a condition the provider cannot evaluate"};
  }

  // The texts are built only when they are needed: the operator's text in full detail, the
  // partner's only when the constraint does not hold (the hot path allocates nothing).
  template <typename Text, typename PartnerText>
  Verdict verdict(bool holds, Text text, PartnerText partner_text) const {
    return Verdict{holds ? Outcome::kHolds : Outcome::kFails,
                   texts_ ? std::string(text()) : std::string(),
                   holds ? std::string() : std::string(partner_text())};
  }

  static bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return std::tolower(static_cast<unsigned char>(x)) ==
                    std::tolower(static_cast<unsigned char>(y));
           });
  }

  static std::string joined(const std::vector<std::string>& values) {
    std::string out;
    for (const std::string& v : values) {
      if (!out.empty()) out += ", ";
      out += v;
    }
    return out;
  }

  // The ODRL set operators over what the partner has (`have`) and the right operand. `matches`
  // compares one claim with one right-operand value. Returns nullopt for an operator that makes
  // no sense on a set of names (gt, lt, …).
  template <typename Claims, typename Matches>
  static std::optional<bool> setOperator(OdrlOperator op, const Claims& have,
                                         const std::vector<std::string>& right, Matches matches) {
    auto has = [&](const std::string& value) {
      return std::any_of(have.begin(), have.end(),
                         [&](const auto& claim) { return matches(claim, value); });
    };
    switch (op) {
      case OdrlOperator::kEq:
      case OdrlOperator::kIsA:
      case OdrlOperator::kHasPart:
        return right.size() == 1 && has(right.front());
      case OdrlOperator::kNeq:
        return right.size() == 1 && !has(right.front());
      case OdrlOperator::kIn:
      case OdrlOperator::kIsAnyOf:
        return std::any_of(right.begin(), right.end(), has);
      case OdrlOperator::kIsAllOf:
        return std::all_of(right.begin(), right.end(), has);
      case OdrlOperator::kIsNoneOf:
        return std::none_of(right.begin(), right.end(), has);
      default:
        return std::nullopt;
    }
  }

  static bool isScalarOperator(OdrlOperator op) {
    return op == OdrlOperator::kEq || op == OdrlOperator::kNeq || op == OdrlOperator::kIsA ||
           op == OdrlOperator::kHasPart || op == OdrlOperator::kGt || op == OdrlOperator::kGteq ||
           op == OdrlOperator::kLt || op == OdrlOperator::kLteq;
  }

  static bool isBpn(std::string_view value) {
    if (value.size() != 16 || value.substr(0, 3) != "BPN") return false;
    if (value[3] != 'L' && value[3] != 'S' && value[3] != 'A') return false;
    return std::all_of(value.begin() + 4, value.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'); });
  }

  // "Name:version" or "Name".
  static bool frameworkMatches(const FrameworkAgreementClaim& claim, std::string_view required) {
    const size_t colon = required.rfind(':');
    const std::string_view name =
        colon == std::string_view::npos ? required : required.substr(0, colon);
    const std::string_view version =
        colon == std::string_view::npos ? std::string_view() : required.substr(colon + 1);
    if (!equalsIgnoreCase(claim.name, name)) return false;
    return version.empty() || claim.version == version;
  }

  static std::string frameworkText(const FrameworkAgreementClaim& claim) {
    return claim.version.empty() ? claim.name : claim.name + ":" + claim.version;
  }

  Verdict evaluateAtomic(const AtomicConstraint& c, Polarity polarity) const {
    const std::vector<std::string>& right = c.right.values;
    if (right.empty()) return invalid(c, "the right operand is empty");
    if (isScalarOperator(c.op) && right.size() != 1) {
      return invalid(c, "operator " + std::string(odrlOperatorName(c.op)) +
                            " takes one value, the right operand has " +
                            std::to_string(right.size()));
    }
    const std::string op_name(odrlOperatorName(c.op));
    switch (c.left.kind) {
      case LeftOperandKind::kBusinessPartnerNumber: {
        for (const std::string& value : right) {
          if (!isBpn(value)) return invalid(c, "'" + value + "' is not a business partner number");
        }
        const std::span<const std::string> have(&claims_.bpn, claims_.bpn.empty() ? 0 : 1);
        const auto holds = setOperator(
            c.op, have, right, [](const std::string& a, const std::string& b) { return a == b; });
        if (!holds) return invalid(c, "operator " + op_name + " does not apply to a BPN");
        return verdict(
            *holds,
            [&] {
              return texts_ ? "BusinessPartnerNumber " + op_name + " [" + joined(right) +
                                  "]: partner " + describePartner() +
                                  (*holds ? " matches" : " does not match")
                            : std::string();
            },
            [&] {
              return "your business partner number " + claims_.bpn +
                     " is not admitted by this policy";
            });
      }
      case LeftOperandKind::kBusinessPartnerGroup: {
        const auto holds =
            setOperator(c.op, claims_.groups, right,
                        [](const std::string& a, const std::string& b) { return a == b; });
        if (!holds)
          return invalid(c, "operator " + op_name + " does not apply to business partner groups");
        return verdict(
            *holds,
            [&] {
              return texts_ ? "BusinessPartnerGroup " + op_name + " [" + joined(right) +
                                  "]: partner " + describePartner() + " is in " +
                                  (claims_.groups.empty() ? "no group"
                                                          : "[" + joined(claims_.groups) + "]")
                            : std::string();
            },
            [&] {
              return "your business partner number " + claims_.bpn +
                     " is not in a business partner group this policy admits";
            });
      }
      case LeftOperandKind::kMembership: {
        if ((c.op != OdrlOperator::kEq && c.op != OdrlOperator::kIsA) ||
            !equalsIgnoreCase(right.front(), "active")) {
          return invalid(c, "Membership supports only eq \"active\"");
        }
        return verdict(
            claims_.catena_x_member,
            [&] {
              return texts_ ? std::string(
                                  "Membership requires an active Catena-X membership; partner ") +
                                  describePartner() +
                                  (claims_.catena_x_member ? " presented one" : " presented none")
                            : std::string();
            },
            [&] { return "an active Catena-X membership is required; you presented none"; });
      }
      case LeftOperandKind::kFrameworkAgreement: {
        std::optional<bool> holds;
        if (!c.left.framework_in_name.empty()) {
          if (c.op != OdrlOperator::kEq || !equalsIgnoreCase(right.front(), "active")) {
            return invalid(c, "FrameworkAgreement." + c.left.framework_in_name +
                                  " supports only eq \"active\"");
          }
          holds =
              std::any_of(claims_.framework_agreements.begin(), claims_.framework_agreements.end(),
                          [&](const FrameworkAgreementClaim& claim) {
                            return frameworkMatches(claim, c.left.framework_in_name);
                          });
        } else {
          for (const std::string& value : right) {
            if (value.empty() || value.front() == ':' || value.back() == ':') {
              return invalid(c, "'" + value + "' is not a framework agreement name[:version]");
            }
          }
          holds = setOperator(c.op, claims_.framework_agreements, right, frameworkMatches);
          if (!holds)
            return invalid(c, "operator " + op_name + " does not apply to framework agreements");
        }
        auto required = [&] {
          return c.left.framework_in_name.empty() ? joined(right) : c.left.framework_in_name;
        };
        auto presented = [&] {
          std::string out;
          for (const FrameworkAgreementClaim& claim : claims_.framework_agreements) {
            if (!out.empty()) out += ", ";
            out += frameworkText(claim);
          }
          return out.empty() ? std::string("none") : out;
        };
        return verdict(
            *holds,
            [&] {
              return leftOperandName(c.left) + " " +
                     (c.op == OdrlOperator::kEq ? std::string("requires") : op_name + " of") + " " +
                     required() + "; partner " + describePartner() + " presented " + presented();
            },
            [&] {
              return "the framework agreement " + required() + " is required; you presented " +
                     presented();
            });
      }
      case LeftOperandKind::kUsagePurpose:
      case LeftOperandKind::kContractReference: {
        const bool purpose = c.left.kind == LeftOperandKind::kUsagePurpose;
        const std::vector<std::string>& have =
            purpose ? context_.declared_purposes : claims_.contract_references;
        const auto holds = setOperator(
            c.op, have, right, [](const std::string& a, const std::string& b) { return a == b; });
        if (!holds)
          return invalid(c,
                         "operator " + op_name + " does not apply to " + leftOperandName(c.left));
        const std::string what = purpose ? "declared purposes" : "contract references";
        return verdict(
            *holds,
            [&] {
              return texts_ ? leftOperandName(c.left) + " " + op_name + " [" + joined(right) +
                                  "]; partner " + describePartner() + " " +
                                  (purpose ? "declared" : "holds") + " " +
                                  (have.empty() ? "none" : "[" + joined(have) + "]")
                            : std::string();
            },
            [&] {
              return purpose ? "the usage purpose you declared (" +
                                   (have.empty() ? std::string("none") : joined(have)) +
                                   ") is not one this policy permits"
                             : "the contract reference this policy requires is not among yours";
            });
      }
      case LeftOperandKind::kAffiliatesBpnl:
      case LeftOperandKind::kAffiliatesRegion: {
        const bool bpnl = c.left.kind == LeftOperandKind::kAffiliatesBpnl;
        const std::string& affiliate = bpnl ? context_.affiliate_bpn : context_.affiliate_region;
        if (affiliate.empty()) {
          // The partner requests for itself: a grant to affiliates neither restricts it nor (in a
          // prohibition) forbids it anything.
          return verdict(
              polarity == Polarity::kPermission,
              [&] {
                return texts_ ? leftOperandName(c.left) +
                                    " concerns requests on behalf of affiliates; partner " +
                                    describePartner() + " requests for itself"
                              : std::string();
              },
              [&] { return ""; });
        }
        const std::span<const std::string> have(&affiliate, 1);
        const auto holds = setOperator(
            c.op, have, right, [](const std::string& a, const std::string& b) { return a == b; });
        if (!holds)
          return invalid(c,
                         "operator " + op_name + " does not apply to " + leftOperandName(c.left));
        return verdict(
            *holds,
            [&] {
              return texts_ ? leftOperandName(c.left) + " " + op_name + " [" + joined(right) +
                                  "]; the request is on behalf of " + affiliate
                            : std::string();
            },
            [&] { return "the affiliate " + affiliate + " is not covered by this policy"; });
      }
      case LeftOperandKind::kInForceDate:
        return evaluateInForceDate(c);
      case LeftOperandKind::kDataUsageEndDate: {
        if (c.op != OdrlOperator::kEq && c.op != OdrlOperator::kLteq) {
          return invalid(c, "DataUsageEndDate supports eq (or lteq) with a date");
        }
        const auto end = endOfValidity(right.front());
        if (!end) return invalid(c, "'" + right.front() + "' is not an ISO 8601 date or date-time");
        const bool holds = context_.now <= *end;
        return verdict(
            holds,
            [&] {
              return texts_ ? "DataUsageEndDate " + right.front() + ": now is " +
                                  formatIsoTimestamp(context_.now) +
                                  (holds ? ", before the end" : ", after the end")
                            : std::string();
            },
            [&] { return "the data usage period of this agreement ended on " + right.front(); });
      }
      case LeftOperandKind::kDataUsageEndDurationDays: {
        if (c.op != OdrlOperator::kEq && c.op != OdrlOperator::kLteq) {
          return invalid(c, "DataUsageEndDurationDays supports eq (or lteq) with a number of days");
        }
        int days = 0;
        const std::string& text = right.front();
        const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), days);
        if (ec != std::errc() || ptr != text.data() + text.size() || days < 0 || days > 36500) {
          return invalid(c, "'" + text + "' is not a whole number of days from 0 to 36500");
        }
        const auto signed_at = context_.agreement_signed_at.value_or(context_.now);
        const auto end = signed_at + std::chrono::hours(24) * days;
        const bool holds = context_.now <= end;
        return verdict(
            holds,
            [&] {
              return texts_ ? "DataUsageEndDurationDays " + text + ": the agreement" +
                                  (context_.agreement_signed_at
                                       ? " signed " + formatIsoTimestamp(signed_at)
                                       : std::string(" (signed now)")) +
                                  " may be used until " + formatIsoTimestamp(end)
                            : std::string();
            },
            [&] {
              return "the data usage period of this agreement ended on " + formatIsoTimestamp(end);
            });
      }
      case LeftOperandKind::kDataUsageEndDefinition: {
        if (c.op != OdrlOperator::kEq || right.front() != "cx.dataUsageEnd.unlimited:1") {
          return invalid(c,
                         "DataUsageEndDefinition supports only eq \"cx.dataUsageEnd.unlimited:1\"");
        }
        return verdict(
            true,
            [&] {
              return texts_ ? "DataUsageEndDefinition: usage is unlimited in time" : std::string();
            },
            [&] { return ""; });
      }
    }
    return invalid(c, "no evaluation for this left operand");
  }

  // A plain date ends at the end of that day (UTC); a date-time is the end itself.
  static std::optional<system_clock::time_point> endOfValidity(const std::string& text) {
    auto parsed = parseIsoTimestamp(text);
    if (parsed && isIsoDate(text)) {
      const auto last_day = std::chrono::hours(24) - std::chrono::microseconds(1);
      *parsed = *parsed > system_clock::time_point::max() - last_day
                    ? system_clock::time_point::max()
                    : *parsed + last_day;
    }
    return parsed;
  }

  // EDC's inForceDate: `now <op> reference`, the reference an absolute date or
  // "contractAgreement+<n><s|m|h|d>" relative to the signing of the agreement.
  Verdict evaluateInForceDate(const AtomicConstraint& c) const {
    const std::string& text = c.right.values.front();
    std::optional<system_clock::time_point> reference;
    constexpr std::string_view kRelative = "contractAgreement";
    if (text.compare(0, kRelative.size(), kRelative) == 0) {
      const auto base = context_.agreement_signed_at.value_or(context_.now);
      std::string_view rest = std::string_view(text).substr(kRelative.size());
      if (rest.empty()) {
        reference = base;
      } else if (rest.size() >= 3 && (rest.front() == '+' || rest.front() == '-')) {
        const bool plus = rest.front() == '+';
        const char unit = rest.back();
        const std::string_view number = rest.substr(1, rest.size() - 2);
        long long amount = 0;
        const auto [ptr, ec] =
            std::from_chars(number.data(), number.data() + number.size(), amount);
        std::optional<std::chrono::seconds> per_unit;
        switch (unit) {
          case 's':
            per_unit = std::chrono::seconds(1);
            break;
          case 'm':
            per_unit = std::chrono::seconds(60);
            break;
          case 'h':
            per_unit = std::chrono::seconds(3600);
            break;
          case 'd':
            per_unit = std::chrono::seconds(86400);
            break;
          default:
            break;
        }
        if (ec == std::errc() && ptr == number.data() + number.size() && per_unit && amount >= 0 &&
            amount < 100LL * 365 * 86400) {
          const auto offset =
              std::chrono::duration_cast<system_clock::duration>(*per_unit * amount);
          reference = plus ? base + offset : base - offset;
        }
      }
    } else {
      reference = parseIsoTimestamp(text);
    }
    if (!reference) {
      return invalid(
          c, "'" + text + "' is neither an ISO 8601 date-time nor contractAgreement+<n>(s|m|h|d)");
    }
    bool holds = false;
    switch (c.op) {
      case OdrlOperator::kGt:
        holds = context_.now > *reference;
        break;
      case OdrlOperator::kGteq:
        holds = context_.now >= *reference;
        break;
      case OdrlOperator::kLt:
        holds = context_.now < *reference;
        break;
      case OdrlOperator::kLteq:
        holds = context_.now <= *reference;
        break;
      case OdrlOperator::kEq:
        holds = context_.now == *reference;
        break;
      default:
        return invalid(c, "inForceDate compares times with gt, gteq, lt, lteq or eq");
    }
    const std::string op_name(odrlOperatorName(c.op));
    return verdict(
        holds,
        [&] {
          return texts_ ? "inForceDate " + op_name + " " + text + " (" +
                              formatIsoTimestamp(*reference) + "): now is " +
                              formatIsoTimestamp(context_.now)
                        : std::string();
        },
        [&] {
          return c.op == OdrlOperator::kGt || c.op == OdrlOperator::kGteq
                     ? "the agreement is not in force before " + formatIsoTimestamp(*reference)
                     : "the agreement was in force until " + formatIsoTimestamp(*reference);
        });
  }

  std::string describePartner() const {
    return claims_.bpn.empty() ? std::string("(no BPN)") : claims_.bpn;
  }

  const PartnerClaims& claims_;
  const RequestContext& context_;
  const bool texts_;
};

// The text of the first constraint that did not hold, as deep as the tree goes: the reason a
// reader needs, rather than "all of 3 conditions: 2 hold".
const std::string& firstFailingLeaf(const Explanation& node) {
  for (const Explanation& child : node.children) {
    if (child.outcome != Outcome::kHolds) return firstFailingLeaf(child);
  }
  return node.text;
}

bool ruleAppliesTo(const Rule& rule, Scope scope) {
  if (!rule.action) return false;
  if (scope == Scope::kCatalog)
    return *rule.action == Action::kAccess || *rule.action == Action::kUse;
  return *rule.action == Action::kUse;
}

std::string_view actionName(Scope scope) {
  return scope == Scope::kCatalog ? "access" : "use";
}

}  // namespace

std::string_view scopeName(Scope scope) {
  switch (scope) {
    case Scope::kCatalog:
      return "catalog";
    case Scope::kNegotiation:
      return "negotiation";
    case Scope::kTransfer:
      return "transfer";
    case Scope::kDataAccess:
      return "data_access";
  }
  return "?";
}

namespace {

void collectPurposes(const Constraint& constraint, std::vector<std::string>& out) {
  if (const auto* atomic = std::get_if<AtomicConstraint>(&constraint)) {
    const bool declaring = atomic->op == OdrlOperator::kEq || atomic->op == OdrlOperator::kIn ||
                           atomic->op == OdrlOperator::kIsAnyOf ||
                           atomic->op == OdrlOperator::kIsAllOf;
    if (atomic->left.kind == LeftOperandKind::kUsagePurpose && declaring) {
      for (const std::string& value : atomic->right.values) {
        if (std::find(out.begin(), out.end(), value) == out.end()) out.push_back(value);
      }
    }
  } else if (const auto* logical = std::get_if<LogicalConstraint>(&constraint)) {
    for (const Constraint& operand : logical->operands) collectPurposes(operand, out);
  }
}

}  // namespace

std::vector<std::string> purposesDeclaredBy(const Policy& policy) {
  std::vector<std::string> out;
  for (const Rule& rule : policy.permissions) {
    for (const Constraint& constraint : rule.constraints) collectPurposes(constraint, out);
  }
  return out;
}

Decision evaluatePolicy(const Policy& policy, const PartnerClaims& claims,
                        const RequestContext& context, Detail detail) {
  const bool texts = detail == Detail::kFull;
  const ConstraintEvaluator evaluator(claims, context, texts);
  Decision decision;
  if (texts) {
    decision.explanation.text =
        "policy " + policy.id + " at " + std::string(scopeName(context.scope)) + " scope";
  }

  // Prohibitions first: one that applies denies, whatever the permissions say.
  for (size_t i = 0; i < policy.prohibitions.size(); ++i) {
    const Rule& rule = policy.prohibitions[i];
    if (!ruleAppliesTo(rule, context.scope) && rule.action) continue;
    Explanation node;
    bool applies = true;
    for (const Constraint& constraint : rule.constraints) {
      Explanation child = evaluator.evaluate(constraint, Polarity::kProhibition, nullptr);
      if (child.outcome == Outcome::kFails) applies = false;
      if (texts) node.children.push_back(std::move(child));
    }
    node.outcome = applies ? Outcome::kHolds : Outcome::kFails;
    node.text = "prohibition " + std::to_string(i + 1) + (applies ? " applies" : " does not apply");
    if (applies) {
      decision.allowed = false;
      decision.reason =
          node.text +
          (rule.action ? "" : " (its action is not one the engine knows, so it counts)");
      decision.partner_reason =
          "the policy prohibits this " + std::string(actionName(context.scope)) + " for you";
      decision.explanation.outcome = Outcome::kFails;
      decision.explanation.children.push_back(std::move(node));
      return decision;
    }
    if (texts) decision.explanation.children.push_back(std::move(node));
  }
  if (!policy.obligations.empty()) {
    decision.allowed = false;
    decision.reason = "the policy carries " + std::to_string(policy.obligations.size()) +
                      " obligation(s) the gateway cannot discharge";
    decision.partner_reason = "the policy carries an obligation the provider cannot discharge";
    decision.explanation.outcome = Outcome::kFails;
    decision.explanation.children.push_back(Explanation{Outcome::kFails, decision.reason, {}});
    return decision;
  }

  std::string first_failure;
  std::string first_partner_text;
  size_t applicable = 0;
  for (size_t i = 0; i < policy.permissions.size(); ++i) {
    const Rule& rule = policy.permissions[i];
    if (!ruleAppliesTo(rule, context.scope)) continue;
    ++applicable;
    Explanation node;
    size_t holding = 0;
    std::string partner_text;
    std::string failure;
    for (const Constraint& constraint : rule.constraints) {
      std::string constraint_partner_text;
      Explanation child =
          evaluator.evaluate(constraint, Polarity::kPermission, &constraint_partner_text);
      if (child.outcome == Outcome::kHolds) {
        ++holding;
      } else if (partner_text.empty() && failure.empty()) {
        partner_text = std::move(constraint_partner_text);
        failure = texts ? firstFailingLeaf(child) : std::string("a constraint does not hold");
        if (failure.empty()) failure = "a constraint does not hold";
      }
      if (texts) node.children.push_back(std::move(child));
    }
    const bool constraints_hold = holding == rule.constraints.size();
    if (constraints_hold && !rule.duties.empty()) {
      failure = "it carries " + std::to_string(rule.duties.size()) +
                " duty(ies) the gateway cannot discharge";
      partner_text = "the permission carries a duty the provider cannot discharge";
    }
    const bool granted = constraints_hold && rule.duties.empty();
    node.outcome = granted ? Outcome::kHolds : Outcome::kFails;
    if (granted) {
      node.text = "permission " + std::to_string(i + 1) + " (" +
                  std::string(actionName(context.scope)) + ") granted: " +
                  (rule.constraints.empty()
                       ? std::string("it has no constraints")
                       : "all " + std::to_string(rule.constraints.size()) + " constraint(s) hold");
      decision.allowed = true;
      decision.reason = node.text;
      decision.explanation.outcome = Outcome::kHolds;
      decision.explanation.children.push_back(std::move(node));
      return decision;
    }
    node.text = "permission " + std::to_string(i + 1) + " not granted: " + failure;
    if (first_failure.empty()) {
      first_failure = node.text;
      first_partner_text = partner_text;
    }
    if (texts) decision.explanation.children.push_back(std::move(node));
  }
  decision.allowed = false;
  decision.explanation.outcome = Outcome::kFails;
  if (applicable == 0) {
    decision.reason = "the policy grants no permission for the action '" +
                      std::string(actionName(context.scope)) + "'";
    decision.partner_reason = "the policy grants no permission for this request";
  } else {
    decision.reason = first_failure;
    decision.partner_reason =
        first_partner_text.empty() ? "the policy's conditions are not met" : first_partner_text;
  }
  return decision;
}

}  // namespace cxgw::policies
