#pragma once
// The ProcessStore contract (store/include/cxgw/store/process_store.hpp) as typed tests, run
// against every implementation. An implementation's test file defines a factory type with
// `static std::unique_ptr<cxgw::store::ProcessStore> create()` and instantiates the suite.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "cxgw/core/timestamp.hpp"
#include "cxgw/store/process_store.hpp"

namespace cxgw::store {

inline std::chrono::system_clock::time_point processTime(const char* text) {
  auto time = parseIsoTimestampStrict(text);
  EXPECT_TRUE(time.ok()) << text;
  return time.ok() ? time.value() : std::chrono::system_clock::time_point();
}

inline std::chrono::system_clock::time_point microsecondsOf(
    std::chrono::system_clock::time_point time) {
  return std::chrono::time_point_cast<std::chrono::system_clock::duration>(
      std::chrono::floor<std::chrono::microseconds>(time));
}

// A negotiation in which every field holds a different, non-empty value.
inline ContractNegotiationRecord negotiationFor(const std::string& id, ProcessRole role) {
  ContractNegotiationRecord r;
  r.id = id;
  r.role = role;
  r.provider_pid = role == ProcessRole::kProvider ? id : "provider-pid-of-" + id;
  r.consumer_pid = role == ProcessRole::kConsumer ? id : "consumer-pid-of-" + id;
  r.counterparty_bpn = "BPNL000000000OEM";
  r.counterparty_address = "https://oem.example/api/dsp";
  r.protocol = "dataspace-protocol-http:2025-1";
  r.state = "REQUESTED";
  r.asset_id = "asset-serial-part";
  r.offer_id = "offer-" + id;
  r.contract_definition_id = "definition-1";
  r.policy_json = R"({"odrl:permission":[{"odrl:action":"use"}]})";
  r.agreement_id = "agreement-of-" + id;
  r.error_detail = "none yet";
  r.created_at = processTime("2020-05-01T10:00:00Z");
  r.updated_at = processTime("2020-05-01T10:00:01Z");
  return r;
}

// A transfer in which every field holds a different, non-empty value.
inline TransferProcessRecord transferFor(const std::string& id, ProcessRole role,
                                         const std::string& agreement_id = "agreement-1",
                                         const char* created_at = "2020-05-01T10:00:00Z") {
  TransferProcessRecord r;
  r.id = id;
  r.role = role;
  r.provider_pid = role == ProcessRole::kProvider ? id : "provider-pid-of-" + id;
  r.consumer_pid = role == ProcessRole::kConsumer ? id : "consumer-pid-of-" + id;
  r.agreement_id = agreement_id;
  r.asset_id = "asset-serial-part";
  r.counterparty_bpn = "BPNL000000000OEM";
  r.counterparty_address = "https://oem.example/api/dsp";
  r.protocol = "dataspace-protocol-http:2025-1";
  r.transfer_type = "HttpData-PULL";
  r.state = "REQUESTED";
  r.data_address_json = R"({"endpoint":"https://supplier.example/data","authorization":"x"})";
  r.error_detail = "none yet";
  r.created_at = processTime(created_at);
  r.updated_at = processTime("2020-05-01T10:00:01Z");
  return r;
}

inline ContractAgreementRecord agreementFor(const std::string& id, ProcessRole role,
                                            const std::string& asset_id, const char* signed_at) {
  ContractAgreementRecord r;
  r.id = id;
  r.negotiation_id = "negotiation-of-" + id;
  r.role = role;
  r.asset_id = asset_id;
  r.provider_bpn = "BPNL00000000SUPP";
  r.consumer_bpn = "BPNL000000000OEM";
  r.policy_json = R"({"odrl:permission":[{"odrl:action":"use"}]})";
  r.signed_at = processTime(signed_at);
  return r;
}

template <typename Factory>
class ProcessStoreContract : public Factory {
 protected:
  void SetUp() override {
    Factory::SetUp();
    if (this->IsSkipped() || this->HasFatalFailure()) return;
    store_ = Factory::create();
    ASSERT_NE(store_, nullptr);
  }

  static void expectOk(const Status& status) {
    EXPECT_TRUE(status.ok()) << (status.ok() ? "" : status.error().describe());
  }

  static void expectError(const Status& status, ErrorCode code, const std::string& key = {}) {
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code, code) << status.error().describe();
    if (!key.empty()) {
      EXPECT_EQ(status.error().key, key) << status.error().describe();
    }
  }
  template <typename T>
  static void expectError(const Result<T>& result, ErrorCode code, const std::string& key = {}) {
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, code) << result.error().describe();
    if (!key.empty()) {
      EXPECT_EQ(result.error().key, key) << result.error().describe();
    }
  }

  ContractNegotiationRecord storedNegotiation(const std::string& id) {
    auto found = store_->negotiation(id);
    EXPECT_TRUE(found.ok() && found.value().has_value()) << id;
    return found.ok() && found.value() ? *found.value() : ContractNegotiationRecord{};
  }
  TransferProcessRecord storedTransfer(const std::string& id) {
    auto found = store_->transfer(id);
    EXPECT_TRUE(found.ok() && found.value().has_value()) << id;
    return found.ok() && found.value() ? *found.value() : TransferProcessRecord{};
  }
  ContractAgreementRecord storedAgreement(const std::string& id) {
    auto found = store_->agreement(id);
    EXPECT_TRUE(found.ok() && found.value().has_value()) << id;
    return found.ok() && found.value() ? *found.value() : ContractAgreementRecord{};
  }

  std::vector<std::string> agreementIds(ProcessRole role, const std::string& asset_id) {
    auto agreements = store_->agreementsForAsset(role, asset_id);
    EXPECT_TRUE(agreements.ok()) << (agreements.ok() ? "" : agreements.error().describe());
    std::vector<std::string> ids;
    if (agreements.ok()) {
      for (const auto& agreement : agreements.value()) ids.push_back(agreement.id);
    }
    return ids;
  }

  std::vector<std::string> transferIds(const std::string& agreement_id) {
    auto transfers = store_->transfersForAgreement(agreement_id);
    EXPECT_TRUE(transfers.ok()) << (transfers.ok() ? "" : transfers.error().describe());
    std::vector<std::string> ids;
    if (transfers.ok()) {
      for (const auto& transfer : transfers.value()) ids.push_back(transfer.id);
    }
    return ids;
  }

  std::unique_ptr<ProcessStore> store_;
};

TYPED_TEST_SUITE_P(ProcessStoreContract);

using Ids = std::vector<std::string>;

TYPED_TEST_P(ProcessStoreContract, NegotiationReadsBackEveryFieldAtVersionOne) {
  ContractNegotiationRecord record = negotiationFor("neg-1", ProcessRole::kConsumer);
  record.version = 42;  // ignored on create
  record.created_at += std::chrono::nanoseconds(123'456'789);
  record.updated_at += std::chrono::nanoseconds(999);
  record.policy_json = "{\"note\":\"Grüße, \\\"quoted\\\"\\nnew line; 'single' \\\\ back\"}";
  this->expectOk(this->store_->createNegotiation(record));

  ContractNegotiationRecord expected = record;
  expected.version = 1;
  expected.created_at = processTime("2020-05-01T10:00:00.123456Z");
  expected.updated_at = processTime("2020-05-01T10:00:01Z");
  EXPECT_EQ(this->storedNegotiation("neg-1"), expected);

  const ContractNegotiationRecord provider = negotiationFor("neg-2", ProcessRole::kProvider);
  this->expectOk(this->store_->createNegotiation(provider));
  const ContractNegotiationRecord read = this->storedNegotiation("neg-2");
  EXPECT_EQ(read.role, ProcessRole::kProvider);
  EXPECT_EQ(read.provider_pid, "neg-2");
  EXPECT_EQ(read.consumer_pid, "consumer-pid-of-neg-2");
}

TYPED_TEST_P(ProcessStoreContract, TransferReadsBackEveryFieldAtVersionOne) {
  TransferProcessRecord record = transferFor("tp-1", ProcessRole::kProvider);
  record.version = 7;  // ignored on create
  record.created_at += std::chrono::nanoseconds(1'000'999);
  record.error_detail = "";
  this->expectOk(this->store_->createTransfer(record));

  TransferProcessRecord expected = record;
  expected.version = 1;
  expected.created_at = processTime("2020-05-01T10:00:00.001000Z");
  EXPECT_EQ(this->storedTransfer("tp-1"), expected);

  const TransferProcessRecord consumer = transferFor("tp-2", ProcessRole::kConsumer);
  this->expectOk(this->store_->createTransfer(consumer));
  TransferProcessRecord consumer_expected = consumer;
  consumer_expected.version = 1;
  EXPECT_EQ(this->storedTransfer("tp-2"), consumer_expected);
}

TYPED_TEST_P(ProcessStoreContract, AgreementReadsBackEveryField) {
  ContractAgreementRecord valid =
      agreementFor("agr-1", ProcessRole::kConsumer, "asset-1", "2020-05-01T10:00:00Z");
  valid.signed_at += std::chrono::nanoseconds(5'000'001);
  this->expectOk(this->store_->createAgreement(valid));
  ContractAgreementRecord expected = valid;
  expected.signed_at = processTime("2020-05-01T10:00:00.005000Z");
  EXPECT_EQ(this->storedAgreement("agr-1"), expected);
  EXPECT_FALSE(this->storedAgreement("agr-1").retired_at.has_value());

  ContractAgreementRecord retired =
      agreementFor("agr-2", ProcessRole::kProvider, "asset-1", "2020-05-01T10:00:00Z");
  retired.retired_at = processTime("2020-06-01T00:00:00.000001Z");
  retired.retired_reason = "policy expired";
  this->expectOk(this->store_->createAgreement(retired));
  EXPECT_EQ(this->storedAgreement("agr-2"), retired);
}

TYPED_TEST_P(ProcessStoreContract, UnknownIdsReadAsNothing) {
  this->expectOk(this->store_->createNegotiation(negotiationFor("neg-1", ProcessRole::kProvider)));
  auto negotiation = this->store_->negotiation("neg-2");
  ASSERT_TRUE(negotiation.ok()) << negotiation.error().describe();
  EXPECT_FALSE(negotiation.value().has_value());
  auto transfer = this->store_->transfer("neg-1");  // a negotiation's id is no transfer's
  ASSERT_TRUE(transfer.ok()) << transfer.error().describe();
  EXPECT_FALSE(transfer.value().has_value());
  auto agreement = this->store_->agreement("agr-1");
  ASSERT_TRUE(agreement.ok()) << agreement.error().describe();
  EXPECT_FALSE(agreement.value().has_value());
  EXPECT_TRUE(this->transferIds("agreement-1").empty());
  EXPECT_TRUE(this->agreementIds(ProcessRole::kConsumer, "asset-1").empty());
}

TYPED_TEST_P(ProcessStoreContract, DuplicateCreateConflictsAndKeepsTheFirst) {
  ContractNegotiationRecord negotiation = negotiationFor("p-1", ProcessRole::kProvider);
  this->expectOk(this->store_->createNegotiation(negotiation));
  negotiation.state = "OVERWRITTEN";
  this->expectError(this->store_->createNegotiation(negotiation), ErrorCode::kConflict, "id");
  EXPECT_EQ(this->storedNegotiation("p-1").state, "REQUESTED");

  TransferProcessRecord transfer = transferFor("p-1", ProcessRole::kProvider);
  this->expectOk(this->store_->createTransfer(transfer));  // transfers have their own ids
  transfer.state = "OVERWRITTEN";
  this->expectError(this->store_->createTransfer(transfer), ErrorCode::kConflict, "id");
  EXPECT_EQ(this->storedTransfer("p-1").state, "REQUESTED");

  ContractAgreementRecord agreement =
      agreementFor("agr-1", ProcessRole::kProvider, "asset-1", "2020-05-01T10:00:00Z");
  this->expectOk(this->store_->createAgreement(agreement));
  agreement.role = ProcessRole::kConsumer;
  agreement.asset_id = "asset-2";
  this->expectError(this->store_->createAgreement(agreement), ErrorCode::kConflict, "id");
  EXPECT_EQ(this->storedAgreement("agr-1").asset_id, "asset-1");
  EXPECT_EQ(this->storedAgreement("agr-1").role, ProcessRole::kProvider);
}

TYPED_TEST_P(ProcessStoreContract, NegotiationUpdateSwapsAndCountsVersions) {
  this->expectOk(this->store_->createNegotiation(negotiationFor("neg-1", ProcessRole::kProvider)));
  ContractNegotiationRecord changed = this->storedNegotiation("neg-1");
  changed.state = "AGREED";
  changed.agreement_id = "agreement-9";
  changed.error_detail = "";
  changed.policy_json = "{}";
  changed.updated_at = processTime("2001-01-01T00:00:00Z");  // the store sets it
  const auto before = microsecondsOf(std::chrono::system_clock::now());
  auto updated = this->store_->updateNegotiation(changed);
  const auto after = std::chrono::system_clock::now();
  ASSERT_TRUE(updated.ok()) << updated.error().describe();
  EXPECT_EQ(updated.value().version, 2);
  EXPECT_EQ(updated.value().state, "AGREED");
  EXPECT_EQ(updated.value().agreement_id, "agreement-9");
  EXPECT_EQ(updated.value().error_detail, "");
  EXPECT_EQ(updated.value().policy_json, "{}");
  EXPECT_EQ(updated.value().created_at, processTime("2020-05-01T10:00:00Z"));
  EXPECT_GE(updated.value().updated_at, before);
  EXPECT_LE(updated.value().updated_at, after);
  EXPECT_EQ(this->storedNegotiation("neg-1"), updated.value());

  ContractNegotiationRecord next = updated.value();
  next.state = "VERIFIED";
  auto again = this->store_->updateNegotiation(next);
  ASSERT_TRUE(again.ok()) << again.error().describe();
  EXPECT_EQ(again.value().version, 3);
  EXPECT_EQ(this->storedNegotiation("neg-1").state, "VERIFIED");
}

TYPED_TEST_P(ProcessStoreContract, TransferUpdateSwapsAndCountsVersions) {
  this->expectOk(this->store_->createTransfer(transferFor("tp-1", ProcessRole::kConsumer)));
  TransferProcessRecord changed = this->storedTransfer("tp-1");
  changed.state = "STARTED";
  changed.data_address_json = R"({"endpoint":"https://other.example"})";
  changed.asset_id = "asset-moved";
  const auto before = microsecondsOf(std::chrono::system_clock::now());
  auto updated = this->store_->updateTransfer(changed);
  const auto after = std::chrono::system_clock::now();
  ASSERT_TRUE(updated.ok()) << updated.error().describe();
  EXPECT_EQ(updated.value().version, 2);
  EXPECT_EQ(updated.value().state, "STARTED");
  EXPECT_EQ(updated.value().data_address_json, R"({"endpoint":"https://other.example"})");
  EXPECT_EQ(updated.value().asset_id, "asset-moved");
  EXPECT_GE(updated.value().updated_at, before);
  EXPECT_LE(updated.value().updated_at, after);
  EXPECT_EQ(this->storedTransfer("tp-1"), updated.value());

  TransferProcessRecord next = updated.value();
  next.state = "COMPLETED";
  auto again = this->store_->updateTransfer(next);
  ASSERT_TRUE(again.ok()) << again.error().describe();
  EXPECT_EQ(again.value().version, 3);
}

TYPED_TEST_P(ProcessStoreContract, StaleVersionConflictsAndChangesNothing) {
  this->expectOk(this->store_->createNegotiation(negotiationFor("neg-1", ProcessRole::kConsumer)));
  const ContractNegotiationRecord read_by_both = this->storedNegotiation("neg-1");
  ContractNegotiationRecord first = read_by_both;
  first.state = "OFFERED";
  ASSERT_TRUE(this->store_->updateNegotiation(first).ok());
  ContractNegotiationRecord second = read_by_both;
  second.state = "TERMINATED";
  this->expectError(this->store_->updateNegotiation(second), ErrorCode::kConflict, "version");
  const ContractNegotiationRecord stored = this->storedNegotiation("neg-1");
  EXPECT_EQ(stored.state, "OFFERED");
  EXPECT_EQ(stored.version, 2);
  second.version = 5;  // a version from the future is stale too
  this->expectError(this->store_->updateNegotiation(second), ErrorCode::kConflict, "version");
  EXPECT_EQ(this->storedNegotiation("neg-1"), stored);

  this->expectOk(this->store_->createTransfer(transferFor("tp-1", ProcessRole::kProvider)));
  const TransferProcessRecord transfer = this->storedTransfer("tp-1");
  TransferProcessRecord started = transfer;
  started.state = "STARTED";
  ASSERT_TRUE(this->store_->updateTransfer(started).ok());
  TransferProcessRecord stale = transfer;
  stale.state = "TERMINATED";
  this->expectError(this->store_->updateTransfer(stale), ErrorCode::kConflict, "version");
  EXPECT_EQ(this->storedTransfer("tp-1").state, "STARTED");
  EXPECT_EQ(this->storedTransfer("tp-1").version, 2);
}

TYPED_TEST_P(ProcessStoreContract, UpdateOfAnUnknownProcessIsNotFound) {
  ContractNegotiationRecord negotiation = negotiationFor("neg-1", ProcessRole::kProvider);
  negotiation.version = 1;
  this->expectError(this->store_->updateNegotiation(negotiation), ErrorCode::kNotFound, "id");
  TransferProcessRecord transfer = transferFor("tp-1", ProcessRole::kProvider);
  transfer.version = 1;
  this->expectError(this->store_->updateTransfer(transfer), ErrorCode::kNotFound, "id");
  auto none = this->store_->negotiation("neg-1");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none.value().has_value()) << "an update must not create";
}

TYPED_TEST_P(ProcessStoreContract, FixedFieldsCannotChangeButTheCounterpartyPidIsLearnedOnce) {
  ContractNegotiationRecord created = negotiationFor("neg-1", ProcessRole::kConsumer);
  created.provider_pid = "";  // not known until the provider answers
  created.created_at += std::chrono::nanoseconds(123'456'789);
  this->expectOk(this->store_->createNegotiation(created));
  const ContractNegotiationRecord stored = this->storedNegotiation("neg-1");

  ContractNegotiationRecord moved = stored;
  moved.created_at += std::chrono::microseconds(1);
  this->expectError(this->store_->updateNegotiation(moved), ErrorCode::kInvalidArgument,
                    "created_at");
  ContractNegotiationRecord renamed = stored;
  renamed.consumer_pid = "someone-else";
  this->expectError(this->store_->updateNegotiation(renamed), ErrorCode::kInvalidArgument,
                    "consumer_pid");
  ContractNegotiationRecord switched = stored;
  switched.role = ProcessRole::kProvider;
  switched.provider_pid = "neg-1";
  this->expectError(this->store_->updateNegotiation(switched), ErrorCode::kInvalidArgument, "role");
  EXPECT_EQ(this->storedNegotiation("neg-1"), stored) << "a rejected update changes nothing";

  ContractNegotiationRecord learned = stored;
  learned.provider_pid = "provider-7";
  learned.created_at += std::chrono::nanoseconds(500);  // within the stored microsecond
  auto updated = this->store_->updateNegotiation(learned);
  ASSERT_TRUE(updated.ok()) << updated.error().describe();
  EXPECT_EQ(updated.value().provider_pid, "provider-7");
  EXPECT_EQ(updated.value().created_at, stored.created_at);

  ContractNegotiationRecord relearned = updated.value();
  relearned.provider_pid = "provider-8";
  this->expectError(this->store_->updateNegotiation(relearned), ErrorCode::kInvalidArgument,
                    "provider_pid");
  relearned.provider_pid = "";
  this->expectError(this->store_->updateNegotiation(relearned), ErrorCode::kInvalidArgument,
                    "provider_pid");
  EXPECT_EQ(this->storedNegotiation("neg-1"), updated.value());

  TransferProcessRecord transfer = transferFor("tp-1", ProcessRole::kProvider);
  this->expectOk(this->store_->createTransfer(transfer));
  TransferProcessRecord other_consumer = this->storedTransfer("tp-1");
  other_consumer.consumer_pid = "another-consumer";
  this->expectError(this->store_->updateTransfer(other_consumer), ErrorCode::kInvalidArgument,
                    "consumer_pid");
  TransferProcessRecord older = this->storedTransfer("tp-1");
  older.created_at -= std::chrono::hours(1);
  this->expectError(this->store_->updateTransfer(older), ErrorCode::kInvalidArgument, "created_at");
  EXPECT_EQ(this->storedTransfer("tp-1").version, 1);
}

TYPED_TEST_P(ProcessStoreContract, InvalidRecordsAreRejectedAndNothingIsStored) {
  ContractNegotiationRecord no_id = negotiationFor("", ProcessRole::kProvider);
  this->expectError(this->store_->createNegotiation(no_id), ErrorCode::kInvalidArgument, "id");
  ContractNegotiationRecord not_own = negotiationFor("neg-1", ProcessRole::kProvider);
  not_own.provider_pid = "neg-2";
  this->expectError(this->store_->createNegotiation(not_own), ErrorCode::kInvalidArgument,
                    "provider_pid");
  ContractNegotiationRecord nul = negotiationFor("neg-1", ProcessRole::kProvider);
  nul.policy_json = std::string("{\0}", 3);
  this->expectError(this->store_->createNegotiation(nul), ErrorCode::kInvalidArgument,
                    "policy_json");
  auto none = this->store_->negotiation("neg-1");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none.value().has_value());

  TransferProcessRecord bad_utf8 = transferFor("tp-1", ProcessRole::kConsumer);
  bad_utf8.state = "STARTED\xff";
  this->expectError(this->store_->createTransfer(bad_utf8), ErrorCode::kInvalidArgument, "state");
  TransferProcessRecord not_own_transfer = transferFor("tp-1", ProcessRole::kConsumer);
  not_own_transfer.consumer_pid = "";
  this->expectError(this->store_->createTransfer(not_own_transfer), ErrorCode::kInvalidArgument,
                    "consumer_pid");
  EXPECT_TRUE(this->transferIds("agreement-1").empty());

  ContractAgreementRecord agreement =
      agreementFor("", ProcessRole::kConsumer, "asset-1", "2020-05-01T10:00:00Z");
  this->expectError(this->store_->createAgreement(agreement), ErrorCode::kInvalidArgument, "id");
  agreement.id = "agr-1";
  agreement.consumer_bpn = "BPNL\xc3";  // truncated sequence
  this->expectError(this->store_->createAgreement(agreement), ErrorCode::kInvalidArgument,
                    "consumer_bpn");
  EXPECT_TRUE(this->agreementIds(ProcessRole::kConsumer, "asset-1").empty());

  this->expectOk(this->store_->createNegotiation(negotiationFor("neg-1", ProcessRole::kProvider)));
  ContractNegotiationRecord bad_update = this->storedNegotiation("neg-1");
  bad_update.error_detail = std::string("a\0b", 3);
  this->expectError(this->store_->updateNegotiation(bad_update), ErrorCode::kInvalidArgument,
                    "error_detail");
  EXPECT_EQ(this->storedNegotiation("neg-1").version, 1);
}

TYPED_TEST_P(ProcessStoreContract, RetiringKeepsTheFirstRetirement) {
  this->expectOk(this->store_->createAgreement(
      agreementFor("agr-1", ProcessRole::kProvider, "asset-1", "2020-05-01T10:00:00Z")));
  const auto first = processTime("2020-07-01T08:00:00Z") + std::chrono::nanoseconds(1'001);
  this->expectOk(this->store_->retireAgreement("agr-1", "partner left the dataspace", first));
  ContractAgreementRecord retired = this->storedAgreement("agr-1");
  ASSERT_TRUE(retired.retired_at.has_value());
  EXPECT_EQ(*retired.retired_at, processTime("2020-07-01T08:00:00.000001Z"));
  EXPECT_EQ(retired.retired_reason, "partner left the dataspace");

  this->expectOk(
      this->store_->retireAgreement("agr-1", "again", processTime("2020-08-01T00:00:00Z")));
  EXPECT_EQ(this->storedAgreement("agr-1"), retired);

  this->expectError(this->store_->retireAgreement("agr-2", "x", first), ErrorCode::kNotFound, "id");
  this->expectError(this->store_->retireAgreement("agr-1", "bad\xff", first),
                    ErrorCode::kInvalidArgument, "reason");
  auto none = this->store_->agreement("agr-2");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none.value().has_value()) << "retiring must not create";
}

TYPED_TEST_P(ProcessStoreContract, AgreementsForAssetAreValidOnesNewestFirst) {
  const auto create = [this](const std::string& id, ProcessRole role, const std::string& asset,
                             const char* signed_at) {
    this->expectOk(this->store_->createAgreement(agreementFor(id, role, asset, signed_at)));
  };
  const ProcessRole consumer = ProcessRole::kConsumer;
  create("agr-old", consumer, "asset-x", "2020-05-01T10:00:00Z");
  create("agr-a", consumer, "asset-x", "2020-05-01T12:00:00Z");
  create("agr-B", consumer, "asset-x", "2020-05-01T12:00:00Z");  // same time: id order
  create("agr-mid", consumer, "asset-x", "2020-05-01T11:00:00Z");
  create("agr-provider", ProcessRole::kProvider, "asset-x", "2020-05-01T13:00:00Z");
  create("agr-other-asset", consumer, "asset-y", "2020-05-01T14:00:00Z");
  ContractAgreementRecord born_retired =
      agreementFor("agr-retired", consumer, "asset-x", "2020-05-01T15:00:00Z");
  born_retired.retired_at = processTime("2020-05-02T00:00:00Z");
  this->expectOk(this->store_->createAgreement(born_retired));

  // Ties are in byte order of the id, whatever the database's collation: "B" before "a".
  EXPECT_EQ(this->agreementIds(consumer, "asset-x"), (Ids{"agr-B", "agr-a", "agr-mid", "agr-old"}));
  this->expectOk(
      this->store_->retireAgreement("agr-mid", "revoked", processTime("2020-06-01T00:00:00Z")));
  EXPECT_EQ(this->agreementIds(consumer, "asset-x"), (Ids{"agr-B", "agr-a", "agr-old"}));
  EXPECT_EQ(this->agreementIds(ProcessRole::kProvider, "asset-x"), (Ids{"agr-provider"}));
  EXPECT_EQ(this->agreementIds(consumer, "asset-y"), (Ids{"agr-other-asset"}));
  EXPECT_TRUE(this->agreementIds(consumer, "asset-z").empty());

  auto listed = this->store_->agreementsForAsset(consumer, "asset-y");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed.value().size(), 1U);
  EXPECT_EQ(listed.value()[0], this->storedAgreement("agr-other-asset"));
}

TYPED_TEST_P(ProcessStoreContract, TransfersForAgreementAreNewestFirst) {
  const ProcessRole consumer = ProcessRole::kConsumer;
  this->expectOk(this->store_->createTransfer(
      transferFor("tp-old", consumer, "agreement-1", "2020-05-01T10:00:00Z")));
  this->expectOk(this->store_->createTransfer(
      transferFor("tp-new", consumer, "agreement-1", "2020-05-01T12:00:00Z")));
  this->expectOk(this->store_->createTransfer(
      transferFor("tp-New", consumer, "agreement-1", "2020-05-01T12:00:00Z")));
  this->expectOk(this->store_->createTransfer(
      transferFor("tp-elsewhere", consumer, "agreement-2", "2020-05-01T11:00:00Z")));
  // An update changes updated_at, not the order.
  TransferProcessRecord old = this->storedTransfer("tp-old");
  old.state = "TERMINATED";
  ASSERT_TRUE(this->store_->updateTransfer(old).ok());

  EXPECT_EQ(this->transferIds("agreement-1"), (Ids{"tp-New", "tp-new", "tp-old"}));
  EXPECT_EQ(this->transferIds("agreement-2"), (Ids{"tp-elsewhere"}));
  EXPECT_TRUE(this->transferIds("agreement-3").empty());
  auto listed = this->store_->transfersForAgreement("agreement-1");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed.value().size(), 3U);
  EXPECT_EQ(listed.value()[2], this->storedTransfer("tp-old"));
  EXPECT_EQ(listed.value()[2].state, "TERMINATED");
}

TYPED_TEST_P(ProcessStoreContract, TwoThreadsSwappingOneVersionExactlyOneWins) {
  this->expectOk(this->store_->createNegotiation(negotiationFor("neg-1", ProcessRole::kProvider)));
  constexpr int kRounds = 20;
  for (int round = 0; round < kRounds; ++round) {
    const ContractNegotiationRecord read = this->storedNegotiation("neg-1");
    std::atomic<bool> go{false};
    Result<ContractNegotiationRecord> outcomes[2] = {Error{}, Error{}};
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t) {
      threads.emplace_back([&, t] {
        ContractNegotiationRecord mine = read;
        mine.state = "WON-BY-" + std::to_string(t);
        while (!go.load()) std::this_thread::yield();
        outcomes[t] = this->store_->updateNegotiation(mine);
      });
    }
    go = true;
    for (auto& thread : threads) thread.join();
    ASSERT_NE(outcomes[0].ok(), outcomes[1].ok())
        << "round " << round << ": exactly one update may win";
    const int winner = outcomes[0].ok() ? 0 : 1;
    EXPECT_EQ(outcomes[1 - winner].error().code, ErrorCode::kConflict)
        << outcomes[1 - winner].error().describe();
    const ContractNegotiationRecord stored = this->storedNegotiation("neg-1");
    EXPECT_EQ(stored.version, read.version + 1);
    EXPECT_EQ(stored.state, "WON-BY-" + std::to_string(winner));
    EXPECT_EQ(stored, outcomes[winner].value());
  }
}

TYPED_TEST_P(ProcessStoreContract, ConcurrentReadModifyWriteLosesNoUpdate) {
  TransferProcessRecord counter = transferFor("tp-counter", ProcessRole::kProvider);
  counter.state = "0";
  this->expectOk(this->store_->createTransfer(counter));
  constexpr int kThreads = 4;
  constexpr int kIncrements = 10;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, &failures] {
      for (int done = 0; done < kIncrements;) {
        auto read = this->store_->transfer("tp-counter");
        if (!read.ok() || !read.value()) {
          ++failures;
          return;
        }
        TransferProcessRecord next = *read.value();
        next.state = std::to_string(std::stoi(next.state) + 1);
        auto updated = this->store_->updateTransfer(next);
        if (updated.ok()) {
          ++done;
        } else if (updated.error().code != ErrorCode::kConflict) {
          ++failures;
          return;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  const TransferProcessRecord stored = this->storedTransfer("tp-counter");
  EXPECT_EQ(stored.state, std::to_string(kThreads * kIncrements));
  EXPECT_EQ(stored.version, kThreads * kIncrements + 1);
}

// What a reader that keeps records in memory relies on: by the time an update or a retirement
// returns, this store's subscribers have heard of it.
TYPED_TEST_P(ProcessStoreContract, SubscribersHearOfEveryChangeBeforeItReturns) {
  std::atomic<int> heard{0};
  auto subscription = this->store_->onChange([&heard] { ++heard; });
  this->expectOk(this->store_->createTransfer(transferFor("tp-1", ProcessRole::kProvider)));
  this->expectOk(this->store_->createAgreement(
      agreementFor("agr-1", ProcessRole::kProvider, "asset-1", "2020-05-01T10:00:00Z")));

  int before = heard.load();
  TransferProcessRecord started = this->storedTransfer("tp-1");
  started.state = "STARTED";
  ASSERT_TRUE(this->store_->updateTransfer(started).ok());
  EXPECT_GT(heard.load(), before) << "a transfer update must be heard before it returns";

  before = heard.load();
  this->expectOk(
      this->store_->retireAgreement("agr-1", "revoked", processTime("2021-01-01T00:00:00Z")));
  EXPECT_GT(heard.load(), before) << "a retirement must be heard before it returns";

  subscription.reset();
  before = heard.load();
  TransferProcessRecord terminated = this->storedTransfer("tp-1");
  terminated.state = "TERMINATED";
  ASSERT_TRUE(this->store_->updateTransfer(terminated).ok());
  EXPECT_EQ(heard.load(), before) << "an ended subscription hears nothing";
}

REGISTER_TYPED_TEST_SUITE_P(
    ProcessStoreContract, SubscribersHearOfEveryChangeBeforeItReturns,
    NegotiationReadsBackEveryFieldAtVersionOne, TransferReadsBackEveryFieldAtVersionOne,
    AgreementReadsBackEveryField, UnknownIdsReadAsNothing, DuplicateCreateConflictsAndKeepsTheFirst,
    NegotiationUpdateSwapsAndCountsVersions, TransferUpdateSwapsAndCountsVersions,
    StaleVersionConflictsAndChangesNothing, UpdateOfAnUnknownProcessIsNotFound,
    FixedFieldsCannotChangeButTheCounterpartyPidIsLearnedOnce,
    InvalidRecordsAreRejectedAndNothingIsStored, RetiringKeepsTheFirstRetirement,
    AgreementsForAssetAreValidOnesNewestFirst, TransfersForAgreementAreNewestFirst,
    TwoThreadsSwappingOneVersionExactlyOneWins, ConcurrentReadModifyWriteLosesNoUpdate);

}  // namespace cxgw::store
