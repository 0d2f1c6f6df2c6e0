#include "cxgw/gateway/policy/policy_decision_point.hpp"

#include <gtest/gtest.h>

#include "../policies/policy_test_support.hpp"
#include "cxgw/policies/policy_parser.hpp"

namespace cxgw::gateway {
namespace {

using namespace policies::testing;  // NOLINT(google-build-using-namespace)

const std::string kMembership = atomic(kSaturn + "Membership", "eq", {"active"});

std::string contractDefinition(const std::string& id, const std::string& access,
                               const std::string& contract) {
  auto value = [](const std::string& v) { return "[{\"@value\":" + json::quote(v) + "}]"; };
  return "[{\"@id\":" + json::quote(id) + ",\"@type\":[\"" + kEdc + "ContractDefinition\"],\"" +
         kEdc + "accessPolicyId\":" + value(access) + ",\"" + kEdc +
         "contractPolicyId\":" + value(contract) + "}]";
}

std::shared_ptr<const policies::PolicyLibrary> library() {
  policies::PolicyLibraryBuilder builder;
  builder.addDocument("a.jsonld",
                      policyDefinition("access-members", {rule(access(), {kMembership})}));
  builder.addDocument("u.jsonld", policyDefinition("usage-members", {rule(use(), {kMembership})}));
  builder.addDocument("d.jsonld", contractDefinition("cd-1", "access-members", "usage-members"));
  builder.addDocument("d2.jsonld", contractDefinition("cd-2", "access-members", "usage-members"));
  auto built = builder.build();
  EXPECT_TRUE(built.ok()) << (built.ok() ? "" : built.error().describe());
  return built.ok() ? built.value() : nullptr;
}

DecisionSubject member() {
  DecisionSubject subject;
  subject.claims.bpn = "BPNL000000000OEM";
  subject.claims.did = "did:web:oem.example";
  subject.claims.catena_x_member = true;
  subject.asset_id = "serial-part";
  subject.agreement_id = "agreement-1";
  return subject;
}

class PolicyDecisionPointTest : public ::testing::Test {
 protected:
  std::shared_ptr<const policies::PolicyLibrary> library_ = library();
  bool fail_writes_ = false;
  std::unique_ptr<store::AuditTrail> audit_ = store::createMemoryAuditTrail({[this]() -> Status {
    if (fail_writes_) return Error{ErrorCode::kUnavailable, "injected write failure", "", "", 0};
    return {};
  }});
  std::chrono::system_clock::time_point now_ = at("2026-06-01T12:00:00Z");
  PolicyDecisionPoint pdp_{[this] { return library_; }, *audit_, [this] { return now_; }};

  std::vector<store::AuditRecord> records() {
    auto all = audit_->query({});
    EXPECT_TRUE(all.ok());
    return all.ok() ? all.value() : std::vector<store::AuditRecord>{};
  }
};

TEST_F(PolicyDecisionPointTest, EveryDecisionIsRecordedWithPolicyHashAndReason) {
  const policies::Policy& offered = *library_->policy("usage-members");
  const auto& definition = library_->contractDefinitions().at("cd-1");
  const policies::Decision allowed = pdp_.negotiation(definition, offered, member(), {});
  EXPECT_TRUE(allowed.allowed) << allowed.reason;
  DecisionSubject outsider = member();
  outsider.claims.catena_x_member = false;
  outsider.claims.bpn = "BPNL00000000OTHR";
  EXPECT_FALSE(pdp_.negotiation(definition, offered, outsider, {}).allowed);

  const auto recorded = records();
  ASSERT_EQ(recorded.size(), 2u);
  EXPECT_EQ(recorded[0].entry.decision, store::AuditDecision::kAllow);
  EXPECT_EQ(recorded[0].entry.scope, "negotiation");
  EXPECT_EQ(recorded[0].entry.partner_bpn, "BPNL000000000OEM");
  EXPECT_EQ(recorded[0].entry.partner_did, "did:web:oem.example");
  EXPECT_EQ(recorded[0].entry.policy_id, "usage-members");
  EXPECT_EQ(recorded[0].entry.policy_hash, offered.content_hash);
  EXPECT_EQ(recorded[0].entry.reason, allowed.reason);
  EXPECT_EQ(recorded[0].entry.time, now_);
  EXPECT_EQ(recorded[1].entry.decision, store::AuditDecision::kDeny);
  EXPECT_NE(recorded[1].entry.reason.find("Membership"), std::string::npos)
      << recorded[1].entry.reason;
  auto verification = audit_->verify();
  ASSERT_TRUE(verification.ok());
  EXPECT_TRUE(verification.value().intact());
}

TEST_F(PolicyDecisionPointTest, AnAccessWhoseRecordCannotBeWrittenIsRefused) {
  const policies::Policy& offered = *library_->policy("usage-members");
  fail_writes_ = true;
  const policies::Decision refused =
      pdp_.negotiation(library_->contractDefinitions().at("cd-1"), offered, member(), {});
  EXPECT_FALSE(refused.allowed) << "the policy allows it, but nothing could be recorded";
  EXPECT_NE(refused.reason.find("audit record could not be written"), std::string::npos)
      << refused.reason;
  EXPECT_EQ(refused.partner_reason.find("injected"), std::string::npos)
      << "no internals for the partner";
  EXPECT_FALSE(pdp_.agreement(policies::Scope::kDataAccess, offered, AgreementState{now_, {}, {}},
                              member(), {})
                   .allowed);
  fail_writes_ = false;
  EXPECT_TRUE(records().empty());
}

TEST_F(PolicyDecisionPointTest, CatalogRecordsEachDefinitionOnceAndOffersNothingUnrecorded) {
  std::shared_ptr<const policies::PolicyLibrary> used;
  const std::vector<policies::AssetDescription> assets{{"a", {}}, {"b", {}}, {"c", {}}};
  const auto offers = pdp_.catalog(assets, member(), used);
  ASSERT_EQ(offers.size(), 3u);
  EXPECT_EQ(offers[0].size(), 2u);
  EXPECT_EQ(records().size(), 2u) << "one record per contract definition, not per asset";
  fail_writes_ = true;
  const auto unrecorded = pdp_.catalog(assets, member(), used);
  for (const auto& offer : unrecorded) EXPECT_TRUE(offer.empty());
}

TEST_F(PolicyDecisionPointTest, ARetiredAgreementIsRefusedAtDataAccess) {
  const policies::Policy& agreed = *library_->policy("usage-members");
  AgreementState state{at("2026-05-01T00:00:00Z"), at("2026-05-20T00:00:00Z"),
                       "supplier ended the quality project"};
  const policies::Decision refused =
      pdp_.agreement(policies::Scope::kDataAccess, agreed, state, member(), {});
  EXPECT_FALSE(refused.allowed);
  EXPECT_NE(
      refused.reason.find("retired on 2026-05-20T00:00:00Z: supplier ended the quality project"),
      std::string::npos)
      << refused.reason;
  state.retired_at.reset();
  EXPECT_TRUE(pdp_.agreement(policies::Scope::kDataAccess, agreed, state, member(), {}).allowed);
  EXPECT_EQ(records().back().entry.scope, "data_access");
  EXPECT_EQ(records().back().entry.agreement_id, "agreement-1");
}

TEST_F(PolicyDecisionPointTest, AnExpiredAgreementIsRefusedAtDataAccess) {
  auto agreed = policies::parsePolicy(policyDefinition(
      "usage-30-days",
      {rule(use(), {kMembership, atomic(kSaturn + "DataUsageEndDurationDays", "eq", {"30"})})}));
  ASSERT_TRUE(agreed.ok());
  const AgreementState state{at("2026-04-01T00:00:00Z"), {}, {}};
  const policies::Decision expired =
      pdp_.agreement(policies::Scope::kDataAccess, agreed.value(), state, member(), {});
  EXPECT_FALSE(expired.allowed);
  EXPECT_NE(expired.partner_reason.find("ended"), std::string::npos) << expired.partner_reason;
}

// A stored agreement's parsed policy is kept by agreement id, with the text it came from: the
// same id with another text is parsed again, and retirement (not part of the text) still counts.
TEST_F(PolicyDecisionPointTest, AStoredAgreementIsDecidedOnItsCurrentRecordEveryTime) {
  store::ContractAgreementRecord stored;
  stored.id = "agreement-1";
  stored.asset_id = "serial-part";
  stored.signed_at = at("2026-05-01T00:00:00Z");
  stored.policy_json = policyDefinition("usage-members", {rule(use(), {kMembership})});
  DecisionSubject subject = member();
  EXPECT_TRUE(pdp_.agreement(policies::Scope::kDataAccess, stored, subject).allowed);
  EXPECT_TRUE(pdp_.agreement(policies::Scope::kDataAccess, stored, subject).allowed);

  stored.policy_json = policyDefinition(
      "usage-bpn",
      {rule(use(), {atomic(kSaturn + "BusinessPartnerNumber", "eq", {"BPNL0000000OTHER"})})});
  const policies::Decision other = pdp_.agreement(policies::Scope::kDataAccess, stored, subject);
  EXPECT_FALSE(other.allowed) << "decided on the policy text the agreement had before";
  EXPECT_EQ(records().back().entry.policy_id, "usage-bpn");

  stored.policy_json = policyDefinition("usage-members", {rule(use(), {kMembership})});
  stored.retired_at = at("2026-05-20T00:00:00Z");
  EXPECT_FALSE(pdp_.agreement(policies::Scope::kDataAccess, stored, subject).allowed);

  stored.retired_at.reset();
  stored.policy_json = "not JSON-LD";
  const policies::Decision unreadable =
      pdp_.agreement(policies::Scope::kDataAccess, stored, subject);
  EXPECT_FALSE(unreadable.allowed);
  EXPECT_NE(unreadable.reason.find("cannot be read"), std::string::npos) << unreadable.reason;
}

// A fake of the audit trail port that stores nothing until the test says how the write went.
class HeldAuditTrail final : public store::AuditTrail {
 public:
  using AuditTrail::append;
  Result<std::vector<store::AuditRecord>> append(const std::vector<store::AuditEntry>&) override {
    ADD_FAILURE() << "append() makes the caller wait for the record";
    return Error{ErrorCode::kInternal, "append() not expected", "", "", 0};
  }
  void appendThen(std::vector<store::AuditEntry> entries, AppendDone done) override {
    held.emplace_back(std::move(entries), std::move(done));
  }
  Result<std::vector<store::AuditRecord>> query(const store::AuditQuery&) override {
    return Error{ErrorCode::kInternal, "query() not expected", "", "", 0};
  }
  Result<store::AuditVerification> verify() override {
    return Error{ErrorCode::kInternal, "verify() not expected", "", "", 0};
  }
  std::vector<std::pair<std::vector<store::AuditEntry>, AppendDone>> held;
};

// agreementThen() hands a decision on only once its record is stored, and refuses one whose
// record could not be written, whatever the policy said.
TEST(PolicyDecisionPointThen, ADecisionIsHandedOnOnlyOnceItsRecordIsStored) {
  HeldAuditTrail audit;
  const auto policies = library();
  PolicyDecisionPoint pdp([&policies] { return policies; }, audit,
                          [] { return at("2026-06-01T12:00:00Z"); });
  store::ContractAgreementRecord stored;
  stored.id = "agreement-1";
  stored.asset_id = "serial-part";
  stored.signed_at = at("2026-05-01T00:00:00Z");
  stored.policy_json = policyDefinition("usage-members", {rule(use(), {kMembership})});
  std::vector<policies::Decision> decided;
  const auto keep = [&decided](policies::Decision decision) {
    decided.push_back(std::move(decision));
  };
  pdp.agreementThen(policies::Scope::kDataAccess, stored, member(), keep);
  pdp.agreementThen(policies::Scope::kDataAccess, stored, member(), keep);
  ASSERT_EQ(audit.held.size(), 2U);
  EXPECT_TRUE(decided.empty()) << "a decision was handed on before its record was stored";
  const store::AuditEntry& entry = audit.held[0].first.at(0);
  EXPECT_EQ(entry.decision, store::AuditDecision::kAllow);
  EXPECT_EQ(entry.scope, "data_access");
  EXPECT_EQ(entry.agreement_id, "agreement-1");
  EXPECT_EQ(entry.policy_id, "usage-members");

  audit.held[0].second(std::vector<store::AuditRecord>{{1, entry, "", ""}});
  audit.held[1].second(Error{ErrorCode::kUnavailable, "injected write failure", "", "", 0});
  ASSERT_EQ(decided.size(), 2U);
  EXPECT_TRUE(decided[0].allowed) << decided[0].reason;
  EXPECT_FALSE(decided[1].allowed) << "allowed although its record was not written";
  EXPECT_NE(decided[1].reason.find("audit record could not be written"), std::string::npos)
      << decided[1].reason;
}

}  // namespace
}  // namespace cxgw::gateway
