#pragma once
// The StateStore contract (store/include/cxgw/store/state_store.hpp) as typed tests, run
// against every implementation. An implementation's test file defines a factory type with
// `static std::unique_ptr<cxgw::store::StateStore> create()` and instantiates the suite.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "cxgw/core/digest.hpp"
#include "cxgw/store/state_store.hpp"

namespace cxgw::store {

inline SyncBatch batchFor(std::string source, std::string stream) {
  SyncBatch batch;
  batch.source = std::move(source);
  batch.stream = std::move(stream);
  return batch;
}

template <typename Factory>
class StateStoreContract : public Factory {
 protected:
  void SetUp() override {
    Factory::SetUp();
    if (this->IsSkipped() || this->HasFatalFailure()) return;
    store_ = Factory::create();
    ASSERT_NE(store_, nullptr);
  }

  static Twin twin(const std::string& id,
                   std::vector<std::string> visible_to = {"BPNL000000000OEM"}) {
    return Twin{id,
                "part-" + id,
                "PartInstance",
                {{"manufacturerId", "BPNL00000000SUPP"}, {"partInstanceId", "SN-" + id}},
                std::move(visible_to)};
  }

  BatchOutcome commitOk(const SyncBatch& batch) {
    auto outcome = store_->commit(batch);
    EXPECT_TRUE(outcome.ok()) << (outcome.ok() ? "" : outcome.error().describe());
    return outcome.ok() ? outcome.value() : BatchOutcome{};
  }

  StoredAspect aspectOf(const std::string& id, const std::string& urn) {
    auto found = store_->aspect(id, urn);
    EXPECT_TRUE(found.ok() && found.value().has_value()) << id << " " << urn;
    return found.ok() && found.value() ? *found.value() : StoredAspect{};
  }

  std::unique_ptr<StateStore> store_;
};

TYPED_TEST_SUITE_P(StateStoreContract);

constexpr const char* kSerialPart = "urn:samm:io.catenax.serial_part:4.0.0#SerialPart";
constexpr const char* kBom =
    "urn:samm:io.catenax.single_level_bom_as_built:4.0.0#SingleLevelBomAsBuilt";

TYPED_TEST_P(StateStoreContract, CommitsTwinsAndAspectsAndReadsThemBack) {
  SyncBatch batch = batchFor("erp", "serial_parts");
  batch.twins = {this->twin("a"), this->twin("b", {"BPNL000000000OEM", "BPNL00000000OEM2"})};
  batch.aspects = {{"a", kSerialPart, R"({"x":1})"}, {"b", kSerialPart, R"({"x":2})"}};
  const BatchOutcome outcome = this->commitOk(batch);
  EXPECT_EQ(outcome.aspects_changed, 2U);
  EXPECT_EQ(outcome.aspects_unchanged, 0U);

  auto b = this->store_->twin("b");
  ASSERT_TRUE(b.ok() && b.value());
  EXPECT_EQ(b.value()->twin, batch.twins[1]);
  EXPECT_FALSE(b.value()->withdrawn);
  const StoredAspect stored = this->aspectOf("a", kSerialPart);
  EXPECT_EQ(stored.payload, R"({"x":1})");
  EXPECT_EQ(stored.content_hash, sha256Hex(R"({"x":1})"));
  EXPECT_GT(stored.change_sequence, 0);
  auto missing = this->store_->twin("zzz");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing.value().has_value());
}

TYPED_TEST_P(StateStoreContract, PayloadBytesSurviveExactly) {
  const std::string payload =
      "{\"serial\":\"SN-\xC3\x84-\xE2\x84\xA2\",\"note\":\"tab\\t and \\\\ "
      "back\\nslash\"}\t\\N\n\r";
  SyncBatch batch = batchFor("erp", "s");
  batch.twins = {this->twin("u\xC3\xBC")};
  batch.twins[0].specific_asset_ids.push_back({"customerPartId", "K\\1\t2"});
  batch.aspects = {{"u\xC3\xBC", kSerialPart, payload}};
  this->commitOk(batch);
  EXPECT_EQ(this->aspectOf("u\xC3\xBC", kSerialPart).payload, payload);
  auto stored = this->store_->twin("u\xC3\xBC");
  ASSERT_TRUE(stored.ok() && stored.value());
  EXPECT_EQ(stored.value()->twin, batch.twins[0]);
}

// Megabytes in one batch, new and then changed (the PostgreSQL store copies them into its
// table, then into its staging table), with every character the COPY text format escapes.
TYPED_TEST_P(StateStoreContract, ABatchOfMegabytesSurvivesByteForByte) {
  const auto payloadOf = [](int i, const std::string& version) {
    const std::string unit = version + "\t\\N\n\r\xC3\x84" + std::to_string(i);
    std::string payload;
    while (payload.size() < 5000) payload += unit;
    return payload;
  };
  for (const std::string version : {"new", "changed"}) {
    SyncBatch batch = batchFor("erp", "big");
    for (int i = 0; i < 400; ++i) {
      const std::string id = "big-" + std::to_string(i);
      batch.twins.push_back(this->twin(id));
      batch.aspects.push_back({id, kSerialPart, payloadOf(i, version)});
    }
    EXPECT_EQ(this->commitOk(batch).aspects_changed, 400U) << version;
    for (int i = 0; i < 400; ++i) {
      ASSERT_EQ(this->aspectOf("big-" + std::to_string(i), kSerialPart).payload,
                payloadOf(i, version))
          << version << " " << i;
    }
  }
}

TYPED_TEST_P(StateStoreContract, UnchangedPayloadKeepsItsChangeSequence) {
  SyncBatch batch = batchFor("erp", "s");
  batch.twins = {this->twin("a")};
  batch.aspects = {{"a", kSerialPart, R"({"x":1})"}};
  this->commitOk(batch);
  const int64_t first = this->aspectOf("a", kSerialPart).change_sequence;
  const BatchOutcome again = this->commitOk(batch);
  EXPECT_EQ(again.aspects_changed, 0U);
  EXPECT_EQ(again.aspects_unchanged, 1U);
  EXPECT_EQ(this->aspectOf("a", kSerialPart).change_sequence, first);
}

TYPED_TEST_P(StateStoreContract, ChangedPayloadMovesToTheEndOfTheChangeFeed) {
  SyncBatch batch = batchFor("erp", "s");
  batch.twins = {this->twin("a"), this->twin("b")};
  batch.aspects = {{"a", kSerialPart, "1"}, {"b", kSerialPart, "2"}, {"a", kBom, "3"}};
  this->commitOk(batch);
  SyncBatch update = batchFor("erp", "s");
  update.aspects = {{"a", kSerialPart, "1-changed"}};
  EXPECT_EQ(this->commitOk(update).aspects_changed, 1U);

  auto all = this->store_->changes({});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all.value().size(), 3U);
  EXPECT_EQ(all.value().back().global_asset_id, "a");
  EXPECT_EQ(all.value().back().aspect_urn, kSerialPart);
  EXPECT_EQ(all.value().back().content_hash, sha256Hex("1-changed"));
  for (size_t i = 1; i < all.value().size(); ++i) {
    EXPECT_LT(all.value()[i - 1].position, all.value()[i].position);
  }
  ChangeQuery next;
  next.after = all.value()[0].position;
  next.limit = 1;
  auto page = this->store_->changes(next);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page.value().size(), 1U);
  EXPECT_EQ(page.value()[0].position, all.value()[1].position);
  next.after = all.value().back().position;
  next.limit = 10;
  auto none = this->store_->changes(next);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none.value().empty());
}

TYPED_TEST_P(StateStoreContract, LatestChangeIsTheLastListedOne) {
  auto empty = this->store_->latestChange();
  ASSERT_TRUE(empty.ok()) << empty.error().describe();
  EXPECT_EQ(empty.value(), ChangePosition{});

  SyncBatch batch = batchFor("erp", "s");
  batch.twins = {this->twin("a"), this->twin("b")};
  batch.aspects = {{"a", kSerialPart, "1"}, {"b", kSerialPart, "2"}, {"a", kBom, "3"}};
  this->commitOk(batch);
  SyncBatch update = batchFor("erp", "s");
  update.aspects = {{"b", kSerialPart, "2-changed"}};
  this->commitOk(update);

  auto all = this->store_->changes({});
  auto latest = this->store_->latestChange();
  ASSERT_TRUE(all.ok() && latest.ok());
  ASSERT_EQ(all.value().size(), 3U);
  EXPECT_EQ(latest.value(), all.value().back().position);
  ChangeQuery after;
  after.after = latest.value();
  auto none = this->store_->changes(after);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none.value().empty());

  SyncBatch again = batchFor("erp", "s");
  again.aspects = {{"a", kBom, "3-changed"}};
  this->commitOk(again);
  auto next = this->store_->changes(after);
  ASSERT_TRUE(next.ok());
  ASSERT_EQ(next.value().size(), 1U);
  EXPECT_EQ(next.value()[0].aspect_urn, kBom);
  auto moved = this->store_->latestChange();
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved.value(), next.value()[0].position);
}

TYPED_TEST_P(StateStoreContract, ChangesAreThoseOfThePartnersTwinsAndTheAskedAspects) {
  SyncBatch batch = batchFor("erp", "s");
  batch.twins = {this->twin("a", {"BPNL000000000OEM"}), this->twin("b", {"BPNL00000000OEM2"}),
                 this->twin("c", {"BPNL000000000OEM", "BPNL00000000OEM2"})};
  batch.aspects = {{"a", kSerialPart, "1"},
                   {"b", kSerialPart, "2"},
                   {"c", kSerialPart, "3"},
                   {"a", kBom, "4"},
                   {"c", kBom, "5"}};
  this->commitOk(batch);
  SyncBatch withdraw = batchFor("erp", "s");
  withdraw.withdrawals = {{"a", "scrapped"}};
  this->commitOk(withdraw);

  const auto keys = [&](ChangeQuery query) {
    std::vector<std::string> out;
    auto found = this->store_->changes(query);
    EXPECT_TRUE(found.ok());
    if (!found.ok()) return out;
    for (const auto& change : found.value()) {
      out.push_back(change.global_asset_id + (change.aspect_urn == kBom ? "/bom" : "/serial") +
                    (change.withdrawn ? "-" : ""));
    }
    return out;
  };
  ChangeQuery oem;
  oem.visible_to_any = std::vector<std::string>{"BPNL000000000OEM"};
  // a's aspects were withdrawn last, so they come last: a partner hears of the withdrawal.
  EXPECT_EQ(keys(oem), (std::vector<std::string>{"c/serial", "c/bom", "a/serial-", "a/bom-"}));
  ChangeQuery oem2_serials;
  oem2_serials.visible_to_any = std::vector<std::string>{"BPNL00000000OEM2"};
  oem2_serials.aspect_urns = {kSerialPart};
  EXPECT_EQ(keys(oem2_serials), (std::vector<std::string>{"b/serial", "c/serial"}));
  ChangeQuery nobody;
  nobody.visible_to_any = std::vector<std::string>{};
  EXPECT_TRUE(keys(nobody).empty()) << "an empty partner list sees nothing, never everything";
  EXPECT_EQ(keys(ChangeQuery{}).size(), 5U) << "the gateway's own view: every twin";
}

TYPED_TEST_P(StateStoreContract, SubscribersHearOfCommitsThatChangeAspects) {
  std::mutex mutex;
  std::condition_variable heard;
  int calls = 0;
  auto subscription = this->store_->onChange([&] {
    std::lock_guard lock(mutex);
    ++calls;
    heard.notify_all();
  });
  // Whatever the store says on subscribing (PostgreSQL: "I may have missed something" once it
  // listens) is let pass before the commit, so that the wait below is for the commit's own call.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  int before = 0;
  {
    std::lock_guard lock(mutex);
    before = calls;
  }
  SyncBatch batch = batchFor("erp", "s");
  batch.twins = {this->twin("a")};
  batch.aspects = {{"a", kSerialPart, "1"}};
  this->commitOk(batch);
  std::unique_lock lock(mutex);
  EXPECT_TRUE(heard.wait_for(lock, std::chrono::seconds(10), [&] { return calls > before; }))
      << "no call after a commit that changed an aspect";
  lock.unlock();
  subscription.reset();
  lock.lock();
  const int after_unsubscribe = calls;
  lock.unlock();
  batch.aspects = {{"a", kSerialPart, "2"}};
  this->commitOk(batch);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  lock.lock();
  EXPECT_EQ(calls, after_unsubscribe) << "a call after the subscription ended";
}

// A twin taken from a partner must reach a reader that keeps twins in memory, though no aspect
// changed; a twin written again unchanged is no change.
TYPED_TEST_P(StateStoreContract, SubscribersHearOfCommitsThatChangeOnlyATwin) {
  std::atomic<int> calls{0};
  auto subscription = this->store_->onChange([&calls] { ++calls; });
  SyncBatch batch = batchFor("erp", "s");
  batch.twins = {this->twin("a", {"BPNL000000000OEM", "BPNL0000000OEM2"})};
  batch.aspects = {{"a", kSerialPart, "1"}};
  EXPECT_EQ(this->commitOk(batch).twins_changed, 0U) << "a new twin is no change";
  for (int i = 0; i < 200 && !this->store_->hearsEveryChange(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(this->store_->hearsEveryChange());

  batch.aspects.clear();
  EXPECT_EQ(this->commitOk(batch).twins_changed, 0U) << "the same twin again";
  const int before = calls.load();
  batch.twins = {this->twin("a", {"BPNL000000000OEM"})};
  EXPECT_EQ(this->commitOk(batch).twins_changed, 1U);
  for (int i = 0; i < 200 && calls.load() == before; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_GT(calls.load(), before) << "no call after a commit that changed only a twin";
}

TYPED_TEST_P(StateStoreContract, WithdrawalIsInTheChangeFeedAndUpsertRevives) {
  SyncBatch batch = batchFor("erp", "s");
  batch.twins = {this->twin("a")};
  batch.aspects = {{"a", kSerialPart, "1"}, {"a", kBom, "2"}};
  this->commitOk(batch);
  const int64_t before = this->aspectOf("a", kBom).change_sequence;

  SyncBatch withdraw = batchFor("erp", "s");
  withdraw.withdrawals = {{"a", "production order cancelled"}, {"unknown", "deleted"}};
  EXPECT_EQ(this->commitOk(withdraw).twins_withdrawn, 1U);
  auto twin = this->store_->twin("a");
  ASSERT_TRUE(twin.ok() && twin.value());
  EXPECT_TRUE(twin.value()->withdrawn);
  const StoredAspect withdrawn = this->aspectOf("a", kBom);
  EXPECT_TRUE(withdrawn.withdrawn);
  EXPECT_GT(withdrawn.change_sequence, before);
  auto counts = this->store_->counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts.value().twins, 0U);
  EXPECT_EQ(counts.value().aspects, 0U);

  const BatchOutcome revived = this->commitOk(batch);
  EXPECT_EQ(revived.aspects_changed, 2U);
  EXPECT_FALSE(this->aspectOf("a", kSerialPart).withdrawn);
  twin = this->store_->twin("a");
  ASSERT_TRUE(twin.ok() && twin.value());
  EXPECT_FALSE(twin.value()->withdrawn);
}

TYPED_TEST_P(StateStoreContract, TwinUpsertReplacesAssetIdsAndVisibility) {
  SyncBatch batch = batchFor("erp", "s");
  batch.twins = {this->twin("a", {"BPNL000000000OEM", "BPNL00000000OEM2"})};
  this->commitOk(batch);
  SyncBatch change = batchFor("erp", "s");
  change.twins = {this->twin("a", {"BPNL00000000OEM2"})};
  change.twins[0].specific_asset_ids = {{"partInstanceId", "SN-a"}};
  this->commitOk(change);
  auto stored = this->store_->twin("a");
  ASSERT_TRUE(stored.ok() && stored.value());
  EXPECT_EQ(stored.value()->twin, change.twins[0]);
}

TYPED_TEST_P(StateStoreContract, WatermarkIsKeptPerSourceAndStream) {
  SyncBatch batch = batchFor("erp", "serial_parts");
  batch.watermark = SyncWatermark{{"2026-11-23 07:00:00+00", "42"}};
  this->commitOk(batch);
  auto mark = this->store_->watermark("erp", "serial_parts");
  ASSERT_TRUE(mark.ok());
  ASSERT_TRUE(mark.value().has_value());
  EXPECT_EQ(*mark.value(), *batch.watermark);
  auto other = this->store_->watermark("erp", "batches");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other.value().has_value());
}

TYPED_TEST_P(StateStoreContract, QuarantineCountsRepeatsAndClearsFixedRows) {
  SyncBatch batch = batchFor("erp", "s");
  batch.quarantined = {{"serial_no=SN-1", kSerialPart, "/manufacturerId", "does not match", "{}"},
                       {"serial_no=SN-2", kSerialPart, "/x", "missing", "{}"}};
  EXPECT_EQ(this->commitOk(batch).quarantined, 2U);
  this->commitOk(batch);
  auto entries = this->store_->quarantine("erp");
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries.value().size(), 2U);
  EXPECT_EQ(entries.value()[0].entry.row_key, "serial_no=SN-1");
  EXPECT_EQ(entries.value()[0].entry.field, "/manufacturerId");
  EXPECT_EQ(entries.value()[0].occurrences, 2U);
  EXPECT_LE(entries.value()[0].first_seen, entries.value()[0].last_seen);

  SyncBatch fixed = batchFor("erp", "s");
  fixed.cleared_row_keys = {"serial_no=SN-1"};
  this->commitOk(fixed);
  entries = this->store_->quarantine("");
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries.value().size(), 1U);
  EXPECT_EQ(entries.value()[0].entry.row_key, "serial_no=SN-2");
  auto keys = this->store_->quarantinedRowKeys("erp", "s");
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys.value(), std::set<std::string>{"serial_no=SN-2"});
  auto other_stream = this->store_->quarantinedRowKeys("erp", "t");
  ASSERT_TRUE(other_stream.ok());
  EXPECT_TRUE(other_stream.value().empty());
  auto other_source = this->store_->quarantine("other");
  ASSERT_TRUE(other_source.ok());
  EXPECT_TRUE(other_source.value().empty());
}

TYPED_TEST_P(StateStoreContract, AspectOfUnknownTwinIsQuarantinedNotStored) {
  SyncBatch batch = batchFor("erp", "s");
  batch.twins = {this->twin("a")};
  batch.aspects = {{"a", kSerialPart, "1", "serial_no=a"},
                   {"no-such-twin", kSerialPart, "2", "serial_no=x"}};
  batch.watermark = SyncWatermark{{"1"}};
  const BatchOutcome outcome = this->commitOk(batch);
  EXPECT_EQ(outcome.aspects_changed, 1U);
  EXPECT_EQ(outcome.quarantined, 1U);
  auto orphan = this->store_->aspect("no-such-twin", kSerialPart);
  ASSERT_TRUE(orphan.ok());
  EXPECT_FALSE(orphan.value().has_value());
  auto entries = this->store_->quarantine("erp");
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries.value().size(), 1U);
  EXPECT_EQ(entries.value()[0].entry.row_key, "serial_no=x");
  EXPECT_EQ(entries.value()[0].entry.field, "/globalAssetId");
  EXPECT_NE(entries.value()[0].entry.reason.find("no twin no-such-twin"), std::string::npos)
      << entries.value()[0].entry.reason;
  auto mark = this->store_->watermark("erp", "s");
  ASSERT_TRUE(mark.ok() && mark.value());
}

// The stored keys sit between new ones, away from the first, middle and last row of the batch
// (where the PostgreSQL store samples whether a batch is a first load), so they are found only
// when a store takes a batch that looked new for one that is not.
TYPED_TEST_P(StateStoreContract, ABatchOfMostlyNewKeysStillUpdatesTheStoredOnesAmongIt) {
  SyncBatch first = batchFor("erp", "s");
  first.twins = {this->twin("t2"), this->twin("t3")};
  first.aspects = {{"t2", kSerialPart, "t2-old"}, {"t3", kSerialPart, "t3-same"}};
  this->commitOk(first);

  SyncBatch mixed = batchFor("erp", "s");
  mixed.twins = {this->twin("n0"), this->twin("t2", {"BPNL00000000OEM2"}),
                 this->twin("n1"), this->twin("n2"),
                 this->twin("t3"), this->twin("n3")};
  mixed.aspects = {{"n0", kSerialPart, "n0"},
                   {"t2", kSerialPart, "t2-new"},
                   {"ghost", kSerialPart, "g", "serial_no=ghost"},
                   {"n1", kSerialPart, "n1"},
                   {"n2", kSerialPart, "n2"},
                   {"t3", kSerialPart, "t3-same"},
                   {"n3", kSerialPart, "n3"}};
  const BatchOutcome outcome = this->commitOk(mixed);
  EXPECT_EQ(outcome.aspects_changed, 5U);
  EXPECT_EQ(outcome.aspects_unchanged, 1U);
  EXPECT_EQ(outcome.quarantined, 1U);

  for (const std::string id : {"n0", "n1", "n2", "n3"}) {
    EXPECT_EQ(this->aspectOf(id, kSerialPart).payload, id);
  }
  EXPECT_EQ(this->aspectOf("t2", kSerialPart).payload, "t2-new");
  auto t2 = this->store_->twin("t2");
  ASSERT_TRUE(t2.ok() && t2.value());
  EXPECT_EQ(t2.value()->twin.visible_to, std::vector<std::string>{"BPNL00000000OEM2"});
  auto changes = this->store_->changes({});
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes.value().size(), 6U);
  EXPECT_EQ(changes.value()[0].global_asset_id, "t3") << "t3 did not change, so it stays first";
  auto ghost = this->store_->aspect("ghost", kSerialPart);
  ASSERT_TRUE(ghost.ok());
  EXPECT_FALSE(ghost.value().has_value());
}

TYPED_TEST_P(StateStoreContract, RowQuarantinedAgainInTheBatchThatClearsItStaysQuarantined) {
  SyncBatch first = batchFor("erp", "s");
  first.aspects = {{"no-such-twin", kSerialPart, "1", "serial_no=x"}};
  EXPECT_EQ(this->commitOk(first).quarantined, 1U);
  SyncBatch again = batchFor("erp", "s");
  again.aspects = first.aspects;
  again.cleared_row_keys = {"serial_no=x"};
  this->commitOk(again);
  auto entries = this->store_->quarantine("erp");
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries.value().size(), 1U) << "a row must not flip out of quarantine";
  EXPECT_EQ(entries.value()[0].occurrences, 2U);
}

std::vector<std::string> idsOf(const Result<std::vector<ListedTwin>>& listed) {
  EXPECT_TRUE(listed.ok()) << (listed.ok() ? "" : listed.error().describe());
  std::vector<std::string> ids;
  if (listed.ok()) {
    for (const auto& twin : listed.value()) ids.push_back(twin.twin.global_asset_id);
  }
  return ids;
}

TYPED_TEST_P(StateStoreContract, VisibleTwinsAreThoseOfThePartnerInIdOrderAPageAtATime) {
  SyncBatch batch = batchFor("erp", "s");
  batch.twins = {this->twin("d"), this->twin("b"), this->twin("c", {"BPNL00000000OEM2"}),
                 this->twin("a", {"BPNL00000000OEM2", "BPNL000000000OEM"}),
                 this->twin("e", {kPublicReadable})};
  batch.aspects = {{"b", kSerialPart, "{}"}, {"b", kBom, "{}"}, {"d", kBom, "{}"}};
  this->commitOk(batch);
  SyncBatch withdraw = batchFor("erp", "s");
  withdraw.withdrawals = {{"d", "cancelled"}};
  this->commitOk(withdraw);

  TwinQuery query;
  query.visible_to_any = {"BPNL000000000OEM"};
  query.limit = 1;
  EXPECT_EQ(idsOf(this->store_->visibleTwins(query)), std::vector<std::string>{"a"});
  query.after = "a";
  auto page = this->store_->visibleTwins(query);
  ASSERT_EQ(idsOf(page), std::vector<std::string>{"b"});
  EXPECT_EQ(page.value()[0].twin, batch.twins[1]);
  EXPECT_EQ(page.value()[0].aspect_urns, (std::vector<std::string>{kSerialPart, kBom}));
  query.after = "b";
  EXPECT_TRUE(idsOf(this->store_->visibleTwins(query)).empty());  // d is withdrawn

  query = {};
  query.visible_to_any = {"BPNL00000000OEM2", kPublicReadable};
  EXPECT_EQ(idsOf(this->store_->visibleTwins(query)), (std::vector<std::string>{"a", "c", "e"}));
  query.global_asset_id = "c";
  EXPECT_EQ(idsOf(this->store_->visibleTwins(query)), std::vector<std::string>{"c"});
  query.global_asset_id = "b";
  EXPECT_TRUE(idsOf(this->store_->visibleTwins(query)).empty());
  query.visible_to_any = {};
  query.global_asset_id.reset();
  EXPECT_TRUE(idsOf(this->store_->visibleTwins(query)).empty());
}

TYPED_TEST_P(StateStoreContract, VisibleTwinsMatchEverySpecificAssetIdAndTheCreationTime) {
  SyncBatch first = batchFor("erp", "s");
  first.twins = {this->twin("a"), this->twin("b")};
  this->commitOk(first);
  TwinQuery query;
  query.visible_to_any = {"BPNL000000000OEM"};
  auto listed = this->store_->visibleTwins(query);
  ASSERT_TRUE(listed.ok() && listed.value().size() == 2);
  const auto created_a = listed.value()[0].created_at;
  EXPECT_LE(created_a, std::chrono::system_clock::now());
  query.with_asset_ids = {{"partInstanceId", "SN-b"}};
  EXPECT_EQ(idsOf(this->store_->visibleTwins(query)), std::vector<std::string>{"b"});
  query.with_asset_ids = {{"partInstanceId", "SN-b"}, {"manufacturerId", "BPNL00000000SUPP"}};
  EXPECT_EQ(idsOf(this->store_->visibleTwins(query)), std::vector<std::string>{"b"});
  query.with_asset_ids = {{"partInstanceId", "SN-b"}, {"manufacturerId", "BPNL0000000OTHER"}};
  EXPECT_TRUE(idsOf(this->store_->visibleTwins(query)).empty());
  query.with_asset_ids = {{"partInstanceId", "SN-"}};
  EXPECT_TRUE(idsOf(this->store_->visibleTwins(query)).empty());

  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  SyncBatch second = batchFor("erp", "s");
  second.twins = {this->twin("c"), this->twin("a")};  // a is updated, not created again
  this->commitOk(second);
  query = {};
  query.visible_to_any = {"BPNL000000000OEM"};
  query.created_after = created_a + std::chrono::milliseconds(10);
  EXPECT_EQ(idsOf(this->store_->visibleTwins(query)), std::vector<std::string>{"c"});
}

REGISTER_TYPED_TEST_SUITE_P(
    StateStoreContract, CommitsTwinsAndAspectsAndReadsThemBack,
    VisibleTwinsAreThoseOfThePartnerInIdOrderAPageAtATime,
    VisibleTwinsMatchEverySpecificAssetIdAndTheCreationTime, PayloadBytesSurviveExactly,
    ABatchOfMegabytesSurvivesByteForByte, UnchangedPayloadKeepsItsChangeSequence,
    ChangedPayloadMovesToTheEndOfTheChangeFeed, LatestChangeIsTheLastListedOne,
    ChangesAreThoseOfThePartnersTwinsAndTheAskedAspects, SubscribersHearOfCommitsThatChangeAspects,
    SubscribersHearOfCommitsThatChangeOnlyATwin, WithdrawalIsInTheChangeFeedAndUpsertRevives,
    TwinUpsertReplacesAssetIdsAndVisibility, WatermarkIsKeptPerSourceAndStream,
    QuarantineCountsRepeatsAndClearsFixedRows, AspectOfUnknownTwinIsQuarantinedNotStored,
    ABatchOfMostlyNewKeysStillUpdatesTheStoredOnesAmongIt,
    RowQuarantinedAgainInTheBatchThatClearsItStaysQuarantined);

}  // namespace cxgw::store
