// The change feed over real sockets and real TLS, against its contract (change_feed.hpp): pages
// and cursors, Server-Sent Events with resume after a disconnect (no loss, no duplicate), scope
// by the token's asset and the partner's visibility, refusals, and a randomized isolation test.
#include "cxgw/gateway/dataplane/change_feed.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "cxgw/gateway/dsp/offered_assets.hpp"
#include "cxgw/gateway/http/https_client.hpp"
#include "cxgw/gateway/http/server_sent_events.hpp"
#include "gateway/edr_served_fixture.hpp"

namespace cxgw::gateway {
namespace {

using namespace testing_support;
using testing::HttpReply;

constexpr const char* kSerialPart = "urn:samm:io.catenax.serial_part:3.0.0#SerialPart";
constexpr const char* kBom =
    "urn:samm:io.catenax.single_level_bom_as_built:3.0.0#SingleLevelBomAsBuilt";

std::string twinId(int n) {
  return "urn:uuid:00000000-0000-4000-8000-" + std::string(12 - std::to_string(n).size(), '0') +
         std::to_string(n);
}

store::Twin makeTwin(int n, std::vector<std::string> visible_to) {
  return store::Twin{twinId(n),
                     "part-" + std::to_string(n),
                     "PartInstance",
                     {{"partInstanceId", "SN-" + std::to_string(n)}},
                     std::move(visible_to)};
}

std::string serialAsset() {
  return dsp::aspectAssetId(schemas::parseAspectUrn(kSerialPart).value());
}

// A change as the feed reported it.
struct Seen {
  std::string twin;
  std::string urn;
  std::string change;
  std::string cursor;
  std::string href;
};

Seen seenOf(const rapidjson::Value& change) {
  return Seen{change["globalAssetId"].GetString(), change["semanticId"].GetString(),
              change["change"].GetString(), change["cursor"].GetString(),
              change.HasMember("href") ? change["href"].GetString() : ""};
}

// Server-Sent Events as they arrive (ServerSentEventReader), collected for the test to wait on.
class EventReader {
 public:
  void feed(std::string_view bytes) {
    std::lock_guard lock(mutex_);
    for (const ServerSentEvent& event : reader_.feed(bytes)) {
      if (event.comment_only) {
        ++comments_;
        continue;
      }
      EXPECT_EQ(event.event, "change");
      rapidjson::Document document;
      document.Parse(event.data.c_str());
      EXPECT_FALSE(document.HasParseError()) << event.data;
      if (document.HasParseError()) continue;
      Seen seen = seenOf(document);
      EXPECT_EQ(seen.cursor, event.id) << "the event id is the change's cursor";
      events_.push_back(std::move(seen));
    }
    arrived_.notify_all();
  }

  // Waits until `count` events have arrived, for up to `timeout`.
  bool waitFor(size_t count, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mutex_);
    return arrived_.wait_for(lock, timeout, [&] { return events_.size() >= count; });
  }

  std::vector<Seen> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }
  size_t comments() {
    std::lock_guard lock(mutex_);
    return comments_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  ServerSentEventReader reader_;
  std::vector<Seen> events_;
  size_t comments_ = 0;
};

class ChangeFeedTest : public EdrServedTest {
 protected:
  void SetUp() override {
    EdrServedTest::SetUp();
    if (HasFatalFailure()) return;
    oem_serial_ = seedTransfer(kOem, "serial-oem", serialAsset());
    oem_token_ = issue(oem_serial_).access_token;
    other_token_ = issue(seedTransfer(kOther, "serial-other", serialAsset())).access_token;
    HttpsClientSettings settings;
    settings.ca_file = files_.ca_certificate;
    settings.request_timeout = 5s;
    auto client = HttpsClient::create(settings);
    ASSERT_TRUE(client.ok()) << client.error().describe();
    client_ = std::move(client).value();
  }

  void TearDown() override {
    feed_.reset();  // ends open streams, so that the server's drain does not wait for them
    EdrServedTest::TearDown();
  }

  void addRoutes(Router& router) override {
    std::vector<schemas::AspectUrn> aspects;
    for (const char* urn : {kSerialPart, kBom})
      aspects.push_back(schemas::parseAspectUrn(urn).value());
    ChangeFeedSettings settings;
    settings.public_url = "https://supplier.example";
    settings.heartbeat = 200ms;
    settings.poll = 100ms;
    feed_ = std::make_unique<ChangeFeed>(
        settings, aspects, ChangeFeed::Dependencies{*gate_, *state_, *visibility_, *workers_});
    feed_->addRoutes(router);
  }

  HttpReply page(const std::string& query, const std::string& token) {
    return call("GET", std::string(kChangeFeedPath) + query, token);
  }

  // Every change of the feed from `cursor` on, a page of `limit` at a time; the last cursor.
  std::vector<Seen> allPages(const std::string& token, size_t limit, std::string& cursor) {
    std::vector<Seen> out;
    for (int pages = 0; pages < 1000; ++pages) {
      const HttpReply reply = page(
          "?limit=" + std::to_string(limit) + (cursor.empty() ? "" : "&since=" + cursor), token);
      EXPECT_EQ(reply.status, 200U) << reply.body;
      if (reply.status != 200U) break;
      rapidjson::Document document;
      document.Parse(reply.body.c_str());
      EXPECT_LE(document["changes"].Size(), limit);
      for (const auto& change : document["changes"].GetArray()) out.push_back(seenOf(change));
      cursor = document["cursor"].GetString();
      if (!document["more"].GetBool()) break;
    }
    return out;
  }

  // Follows the stream until `stop` is set (checked whenever bytes arrive: heartbeats included).
  std::future<Result<OutboundResponse>> follow(const std::string& token,
                                               const std::string& last_event_id,
                                               EventReader& reader, std::atomic<bool>& stop) {
    OutboundRequest request;
    request.method = "GET";
    request.url =
        "https://localhost:" + std::to_string(server_->port()) + std::string(kChangeFeedPath);
    request.headers = {{"Authorization", token}, {"Accept", "text/event-stream"}};
    if (!last_event_id.empty()) request.headers.emplace_back("Last-Event-ID", last_event_id);
    request.on_body = [&reader, &stop](unsigned, std::string_view bytes) {
      reader.feed(bytes);
      return !stop.load();
    };
    return std::async(std::launch::async, [this, request] { return client_->send(request); });
  }

  std::unique_ptr<ChangeFeed> feed_;
  std::unique_ptr<HttpsClient> client_;
  store::TransferProcessRecord oem_serial_;
  std::string oem_token_;
  std::string other_token_;
};

TEST_F(ChangeFeedTest, PagesCarryTheTokensAspectOfVisibleTwinsAndResumeAtTheCursor) {
  commit({makeTwin(1, {kOem}), makeTwin(2, {kOther}), makeTwin(3, {kOem, kOther})},
         {{twinId(1), kSerialPart, "1"},
          {twinId(2), kSerialPart, "2"},
          {twinId(3), kSerialPart, "3"},
          {twinId(1), kBom, "b1"}});
  std::string cursor;
  auto seen = allPages(oem_token_, 1, cursor);
  ASSERT_EQ(seen.size(), 2U);
  EXPECT_EQ(seen[0].twin, twinId(1));
  EXPECT_EQ(seen[1].twin, twinId(3));
  for (const auto& change : seen) {
    EXPECT_EQ(change.urn, kSerialPart) << "a SerialPart token shows SerialPart changes only";
    EXPECT_EQ(change.change, "updated");
    EXPECT_EQ(change.href,
              "https://supplier.example/api/public" + submodelPath(change.twin, serialAsset()));
  }

  // Nothing new: the cursor stays, the page is empty.
  const std::string before = cursor;
  EXPECT_TRUE(allPages(oem_token_, 10, cursor).empty());
  EXPECT_EQ(cursor, before);

  commit({}, {{twinId(3), kSerialPart, "3-changed"}, {twinId(2), kSerialPart, "2-changed"}});
  commit({}, {}, {{twinId(1), "scrapped"}});
  seen = allPages(oem_token_, 10, cursor);
  ASSERT_EQ(seen.size(), 2U) << "the update of 3 and the withdrawal of 1, nothing else";
  EXPECT_EQ(seen[0].twin, twinId(3));
  EXPECT_EQ(seen[0].change, "updated");
  EXPECT_EQ(seen[1].twin, twinId(1));
  EXPECT_EQ(seen[1].change, "withdrawn");
  EXPECT_TRUE(seen[1].href.empty());

  std::string other_cursor;
  const auto other = allPages(other_token_, 100, other_cursor);
  std::vector<std::string> twins;
  for (const auto& change : other) twins.push_back(change.twin);
  EXPECT_EQ(twins, (std::vector<std::string>{twinId(3), twinId(2)}))
      << "3 moved behind 2 with its update; 2's update is its latest; 1 was never visible";
}

TEST_F(ChangeFeedTest, TheRegistryTokenShowsEveryAspectOnOffer) {
  const auto token =
      issue(seedTransfer(kOem, "dtr-oem", std::string(dsp::kTwinRegistryAssetId))).access_token;
  commit({makeTwin(1, {kOem})},
         {{twinId(1), kSerialPart, "1"},
          {twinId(1), kBom, "b"},
          {twinId(1), "urn:samm:io.catenax.batch:3.0.0#Batch", "not on offer"}});
  std::string cursor;
  const auto seen = allPages(token, 10, cursor);
  std::set<std::string> urns;
  for (const auto& change : seen) urns.insert(change.urn);
  EXPECT_EQ(urns, (std::set<std::string>{kSerialPart, kBom}));
}

TEST_F(ChangeFeedTest, BadRequestsAreRefusedNamingWhatIsWrong) {
  commit({makeTwin(1, {kOem})}, {{twinId(1), kSerialPart, "1"}});
  for (const char* since : {"not-base64!", "YWJj", "MS4", "LTEuMQ"}) {  // abc, "1.", "-1.1"
    const HttpReply reply = page(std::string("?since=") + since, oem_token_);
    EXPECT_EQ(reply.status, 400U) << since;
    EXPECT_NE(reply.body.find("since"), std::string::npos) << reply.body;
  }
  for (const char* limit : {"0", "1001", "ten", "-1", ""}) {
    const HttpReply reply = page(std::string("?limit=") + limit, oem_token_);
    EXPECT_EQ(reply.status, 400U) << limit;
    EXPECT_NE(reply.body.find("limit"), std::string::npos) << reply.body;
  }
  EXPECT_EQ(page("", "").status, 401U);
  EXPECT_EQ(page("", "Bearer not.a.token").status, 401U);
  const auto unknown_asset = issue(seedTransfer(kOem, "other-asset", "some-other-asset"));
  const HttpReply wrong_asset = page("", unknown_asset.access_token);
  EXPECT_EQ(wrong_asset.status, 403U) << wrong_asset.body;
  EXPECT_EQ(wrong_asset.body.find(twinId(1)), std::string::npos);

  store::TransferProcessRecord terminated = oem_serial_;
  terminated.state = "TERMINATED";
  ASSERT_TRUE(processes_->updateTransfer(terminated).ok());
  const HttpReply revoked = page("", oem_token_);
  EXPECT_EQ(revoked.status, 401U);
  EXPECT_EQ(revoked.body.find(twinId(1)), std::string::npos);

  size_t denials = 0;
  for (const auto& record : audit())
    denials += record.entry.decision == store::AuditDecision::kDeny;
  EXPECT_GE(denials, 12U) << "every refusal is audited";
}

TEST_F(ChangeFeedTest, AStreamDeliversChangesAsTheyCommitAndResumesWithoutLossOrRepeat) {
  commit({makeTwin(1, {kOem}), makeTwin(2, {kOem}), makeTwin(9, {kOther})},
         {{twinId(1), kSerialPart, "1"}, {twinId(9), kSerialPart, "9"}});
  EventReader first;
  std::atomic<bool> stop{false};
  auto stream = follow(oem_token_, "", first, stop);
  ASSERT_TRUE(first.waitFor(1)) << "the history first";
  commit({}, {{twinId(2), kSerialPart, "2"}});
  ASSERT_TRUE(first.waitFor(2)) << "a commit reaches an open stream";
  EXPECT_EQ(first.events()[1].twin, twinId(2));

  stop = true;  // the client goes away at the next bytes (a heartbeat)
  auto ended = stream.get();
  ASSERT_TRUE(ended.ok()) << ended.error().describe();
  EXPECT_EQ(ended.value().status, 200U);
  EXPECT_EQ(ended.value().header("content-type").value_or(""), "text/event-stream");
  const std::string last_id = first.events().back().cursor;

  // While disconnected: 1 changes, 9 (not visible) changes, 2 changes twice.
  commit({}, {{twinId(1), kSerialPart, "1b"}, {twinId(9), kSerialPart, "9b"}});
  commit({}, {{twinId(2), kSerialPart, "2b"}});
  commit({}, {{twinId(2), kSerialPart, "2c"}});

  EventReader second;
  stop = false;
  auto resumed = follow(oem_token_, last_id, second, stop);
  ASSERT_TRUE(second.waitFor(2));
  std::this_thread::sleep_for(500ms);  // a duplicate, were there one, would arrive by now
  const auto events = second.events();
  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(events[0].twin, twinId(1));
  EXPECT_EQ(events[1].twin, twinId(2)) << "2 once, at its latest change";
  EXPECT_GE(second.comments(), 1U) << "heartbeats keep an idle stream alive";
  stop = true;
  ASSERT_TRUE(resumed.get().ok());
}

TEST_F(ChangeFeedTest, AStreamEndsOnceItsTransferIsRevoked) {
  commit({makeTwin(1, {kOem})}, {{twinId(1), kSerialPart, "1"}});
  EventReader reader;
  std::atomic<bool> stop{false};
  auto stream = follow(oem_token_, "", reader, stop);
  ASSERT_TRUE(reader.waitFor(1));
  store::TransferProcessRecord suspended = oem_serial_;
  suspended.state = "SUSPENDED";
  ASSERT_TRUE(processes_->updateTransfer(suspended).ok());
  commit({}, {{twinId(1), kSerialPart, "after revocation"}});
  ASSERT_EQ(stream.wait_for(10s), std::future_status::ready) << "the stream did not end";
  ASSERT_TRUE(stream.get().ok());
  EXPECT_EQ(reader.events().size(), 1U) << "nothing after the revocation";
}

// N partners x M twins with random visibility, changed over several commits: through pages and
// through a stream, each partner gets exactly the changes of the twins it may see, each once.
TEST_F(ChangeFeedTest, RandomizedIsolationAcrossPartners) {
  std::mt19937 random(20261124);
  const std::vector<std::string> partners = {kOem, kOther, "BPNL000000000THD"};
  const std::map<std::string, std::string> tokens = {{kOem, oem_token_}, {kOther, other_token_}};
  constexpr int kTwins = 60;
  std::map<std::string, std::set<std::string>> visible;  // partner -> twins
  std::vector<store::Twin> twins;
  std::vector<store::AspectPayload> aspects;
  for (int n = 0; n < kTwins; ++n) {
    std::vector<std::string> to;
    for (const auto& partner : partners) {
      if (random() % 2 == 0) {
        to.push_back(partner);
        visible[partner].insert(twinId(n));
      }
    }
    twins.push_back(makeTwin(n, to));
    aspects.push_back({twinId(n), kSerialPart, "v0-" + std::to_string(n)});
  }
  commit(twins, aspects);

  std::map<std::string, EventReader> readers;
  std::atomic<bool> stop{false};
  std::vector<std::future<Result<OutboundResponse>>> streams;
  for (const auto& [partner, token] : tokens)
    streams.push_back(follow(token, "", readers[partner], stop));

  std::map<std::string, std::string> cursors;
  std::map<std::string, std::multiset<std::string>> paged;
  for (const auto& [partner, token] : tokens) {
    for (const auto& change : allPages(token, 7, cursors[partner]))
      paged[partner].insert(change.twin);
  }
  // Three more rounds of changes to random twins; pages resume at their cursors.
  std::map<std::string, size_t> expected_count;  // partner -> changes its pages must carry
  for (const auto& partner : partners) expected_count[partner] = visible[partner].size();
  for (int round = 1; round <= 3; ++round) {
    std::vector<store::AspectPayload> updates;
    for (int n = 0; n < kTwins; ++n) {
      if (random() % 3 == 0) {
        updates.push_back({twinId(n), kSerialPart, "v" + std::to_string(round)});
        for (const auto& partner : partners) {
          if (visible[partner].count(twinId(n)) > 0) ++expected_count[partner];
        }
      }
    }
    commit({}, updates);
    for (const auto& [partner, token] : tokens) {
      for (const auto& change : allPages(token, 7, cursors[partner])) {
        paged[partner].insert(change.twin);
      }
    }
  }
  for (const auto& [partner, token] : tokens) {
    const auto& expected = visible[partner];
    const std::set<std::string> distinct(paged[partner].begin(), paged[partner].end());
    EXPECT_EQ(distinct, expected) << partner << " pages";
    // Each twin once for the initial state, plus once per round it changed in (the pages were
    // read between rounds, so no change could merge with the next).
    EXPECT_EQ(paged[partner].size(), expected_count[partner]) << partner;
    for (const auto& twin : paged[partner]) {
      EXPECT_EQ(expected.count(twin), 1U) << partner << " saw " << twin;
    }
  }
  for (auto& [partner, reader] : readers) {
    // The stream's events: nothing invisible, every visible twin at least once.
    ASSERT_TRUE(reader.waitFor(visible[partner].size()));
    std::this_thread::sleep_for(300ms);
    std::set<std::string> streamed;
    for (const auto& event : reader.events()) {
      EXPECT_EQ(visible[partner].count(event.twin), 1U) << partner << " streamed " << event.twin;
      streamed.insert(event.twin);
    }
    EXPECT_EQ(streamed, visible[partner]) << partner << " stream";
  }
  stop = true;
  for (auto& stream : streams) ASSERT_TRUE(stream.get().ok());
}

}  // namespace
}  // namespace cxgw::gateway
