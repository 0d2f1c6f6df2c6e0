// The data plane over real sockets and real TLS: aspect payloads behind EDR tokens, each check
// of the contract in data_plane.hpp, the audit record of every request, and the refresh grant.
#include "cxgw/gateway/dataplane/data_plane.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <atomic>
#include <future>
#include <thread>

#include "cxgw/core/base64url.hpp"
#include "gateway/edr_served_fixture.hpp"

namespace cxgw::gateway {
namespace {

using namespace std::chrono_literals;
using namespace testing_support;
using testing::HttpReply;
using testing::HttpsTestClient;
using testing::TlsClientOptions;

constexpr const char* kAsset = "SerialPart-3.0.0";
constexpr const char* kAspectUrn = "urn:samm:io.catenax.serial_part:3.0.0#SerialPart";
constexpr const char* kOemTwin = "urn:uuid:11111111-1111-4111-8111-111111111111";
constexpr const char* kOtherTwin = "urn:uuid:22222222-2222-4222-8222-222222222222";

class DataPlaneTest : public EdrServedTest {
 protected:
  void SetUp() override {
    EdrServedTest::SetUp();
    if (HasFatalFailure()) return;
    seedTwins();
    transfer_ = seedTransfer(kOem, "agreement-oem");
  }

  void addRoutes(Router& router) override {
    auto urn = schemas::parseAspectUrn(kAspectUrn);
    ASSERT_TRUE(urn.ok());
    DataPlaneSettings settings;
    settings.public_url = "https://supplier.example";
    settings.access_lifetime = 300s;
    payloads_ = std::make_unique<PayloadCache>(*state_, PayloadCacheSettings{});
    data_plane_ =
        std::make_unique<DataPlane>(settings, std::vector<schemas::AspectUrn>{urn.value()},
                                    DataPlane::Dependencies{*authenticator_, *gate_, *state_,
                                                            *payloads_, *visibility_, *workers_});
    data_plane_->addRoutes(router);
  }

  void seedTwins() {
    store::SyncBatch batch;
    batch.source = "erp";
    batch.stream = "serial_part";
    for (const auto& [twin, bpn] : {std::pair{kOemTwin, kOem}, std::pair{kOtherTwin, kOther}}) {
      store::Twin t;
      t.global_asset_id = twin;
      t.id_short = "part";
      t.digital_twin_type = "PartInstance";
      t.visible_to = {bpn};
      batch.twins.push_back(t);
      batch.aspects.push_back({twin, kAspectUrn, payloadOf(twin)});
    }
    ASSERT_TRUE(state_->commit(batch).ok());
  }

  static std::string payloadOf(const std::string& twin) {
    return "{\"catenaXId\":\"" + twin + "\",\"marker\":\"payload-of-" + twin + "\"}";
  }

  store::TransferProcessRecord seedTransfer(const std::string& bpn,
                                            const std::string& agreement_id) {
    return EdrServedTest::seedTransfer(bpn, agreement_id, kAsset);
  }

  HttpReply get(const std::string& twin, const std::string& asset, const std::string& token,
                const std::string& suffix = "") {
    return call("GET", std::string(kDataPlanePath) + submodelPath(twin, asset) + suffix, token);
  }

  HttpReply refresh(const std::string& form, const std::string& as_bpn) {
    TlsClientOptions options;
    options.ca_file = files_.ca_certificate;
    for (const auto& client : files_.clients) {
      if (client.bpn == as_bpn) {
        options.certificate_file = client.certificate;
        options.private_key_file = client.private_key;
      }
    }
    HttpsTestClient client(server_->port(), options);
    client.connect();
    return client.request("POST", std::string(kTokenRefreshPath), form,
                          {{"content-type", "application/x-www-form-urlencoded"}});
  }

  // Refused, with no payload of any twin in the answer, and one deny record for it.
  void expectRefused(const HttpReply& reply, unsigned status, const std::string& reason_part) {
    EXPECT_EQ(reply.status, status) << reply.body;
    EXPECT_EQ(reply.body.find("payload-of-"), std::string::npos) << reply.body;
    const auto records = audit();
    ASSERT_FALSE(records.empty());
    EXPECT_EQ(records.back().entry.decision, store::AuditDecision::kDeny);
    EXPECT_EQ(records.back().entry.scope, "data_access");
    EXPECT_NE(records.back().entry.reason.find(reason_part), std::string::npos)
        << records.back().entry.reason;
  }

  store::TransferProcessRecord transfer_;
  std::unique_ptr<PayloadCache> payloads_;
  std::unique_ptr<DataPlane> data_plane_;
};

TEST_F(DataPlaneTest, ServesThePayloadInBothFormsAndAuditsEachRequest) {
  const EdrTokens tokens = issue(transfer_);
  for (const std::string suffix : {"", "/$value"}) {
    for (const std::string scheme : {"", "Bearer "}) {
      const size_t before = audit().size();
      const HttpReply reply = get(kOemTwin, kAsset, scheme + tokens.access_token, suffix);
      EXPECT_EQ(reply.status, 200U) << reply.body;
      EXPECT_EQ(reply.body, payloadOf(kOemTwin));
      const auto records = audit();
      ASSERT_EQ(records.size(), before + 1);
      EXPECT_EQ(records.back().entry.decision, store::AuditDecision::kAllow);
      EXPECT_EQ(records.back().entry.scope, "data_access");
      EXPECT_EQ(records.back().entry.partner_bpn, kOem);
      EXPECT_EQ(records.back().entry.twin_id, kOemTwin);
      EXPECT_EQ(records.back().entry.agreement_id, "agreement-oem");
    }
  }
}

// Once memory holds the transfer, agreement, twin and payload, a request is answered on the
// server's own thread: it does not wait for a worker. A refusal still goes to the workers, which
// audit it once.
TEST_F(DataPlaneTest, ARequestMemoryCanAnswerDoesNotWaitForAWorker) {
  const EdrTokens tokens = issue(transfer_);
  ASSERT_EQ(get(kOemTwin, kAsset, tokens.access_token).status, 200U);  // read from the store

  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> blocked{0};
  for (int i = 0; i < 2; ++i) {  // every thread of the fixture's pool
    ASSERT_TRUE(workers_->tryPost([released, &blocked] {
      ++blocked;
      released.wait();
    }));
  }
  while (blocked.load() < 2) std::this_thread::sleep_for(1ms);
  const size_t before = audit().size();
  auto served =
      std::async(std::launch::async, [&] { return get(kOemTwin, kAsset, tokens.access_token); });
  auto refused = std::async(std::launch::async, [&] {
    return get(kOemTwin, "SerialPart-4.0.0", tokens.access_token);  // the token's is 3.0.0
  });
  const bool answered = served.wait_for(10s) == std::future_status::ready;
  const bool refused_early = refused.wait_for(100ms) == std::future_status::ready;
  release.set_value();
  ASSERT_TRUE(answered) << "the request waited for a worker";
  EXPECT_FALSE(refused_early) << "a refusal was answered without a worker to audit it";
  const HttpReply reply = served.get();
  EXPECT_EQ(reply.status, 200U) << reply.body;
  EXPECT_EQ(reply.body, payloadOf(kOemTwin));
  EXPECT_EQ(refused.get().status, 403U);
  const auto records = audit();
  ASSERT_EQ(records.size(), before + 2) << "one record for each request";
  size_t allowed = 0;
  for (size_t i = before; i < records.size(); ++i) {
    allowed += records[i].entry.decision == store::AuditDecision::kAllow ? 1 : 0;
  }
  EXPECT_EQ(allowed, 1U);
}

TEST_F(DataPlaneTest, MissingExpiredForeignKeyAndUnsignedTokensAre401) {
  expectRefused(get(kOemTwin, kAsset, ""), 401, "no token");
  const EdrTokens expired = issue(transfer_, std::chrono::system_clock::now() - 1h, 60s);
  expectRefused(get(kOemTwin, kAsset, expired.access_token), 401, "expired");

  auto other_key = EdrSigningKey::generate();
  ASSERT_TRUE(other_key.ok());
  const EdrTokenIssuer forger(other_key.value(), kSupplier);
  const EdrTokens forged =
      issueEdrTokens(forger, transfer_, std::chrono::system_clock::now(), 300s);
  expectRefused(get(kOemTwin, kAsset, forged.access_token), 401, "token refused");

  const std::string valid = issue(transfer_).access_token;
  const std::string payload =
      valid.substr(valid.find('.') + 1, valid.rfind('.') - valid.find('.') - 1);
  const std::string unsigned_token =
      base64UrlEncode(R"({"alg":"none","typ":"JWT"})") + "." + payload + ".";
  expectRefused(get(kOemTwin, kAsset, unsigned_token), 401, "token refused");
  // The refresh token is no access token.
  expectRefused(get(kOemTwin, kAsset, issue(transfer_).refresh_token), 401, "token refused");
}

TEST_F(DataPlaneTest, ATokenForAnotherAssetIs403) {
  expectRefused(get(kOemTwin, "Batch-3.0.0", issue(transfer_).access_token), 403,
                "token for asset SerialPart-3.0.0");
}

TEST_F(DataPlaneTest, ATwinOfAnotherPartnerDoesNotExistForTheCaller) {
  const std::string token = issue(transfer_).access_token;
  const HttpReply foreign = get(kOtherTwin, kAsset, token);
  expectRefused(foreign, 404, "not visible");
  const HttpReply unknown = get("urn:uuid:33333333-3333-4333-8333-333333333333", kAsset, token);
  expectRefused(unknown, 404, "no such twin");
  // The same answer for both, so that the caller cannot tell them apart.
  EXPECT_EQ(rapidjson::Document().Parse(foreign.body.c_str())["error"]["message"],
            rapidjson::Document().Parse(unknown.body.c_str())["error"]["message"]);
}

TEST_F(DataPlaneTest, AShellIdThatIsNotBase64UrlIs400) {
  TlsClientOptions options;
  options.ca_file = files_.ca_certificate;
  HttpsTestClient client(server_->port(), options);
  client.connect();
  const HttpReply reply = client.request(
      "GET", std::string(kDataPlanePath) + "/shells/a+b=/submodels/" + kAsset + "/submodel", "",
      {{"Authorization", issue(transfer_).access_token}});
  expectRefused(reply, 400, "not base64url");
}

TEST_F(DataPlaneTest, TerminatedSuspendedAndCompletedTransfersRevokeTheirTokensAtOnce) {
  for (const char* state : {"TERMINATED", "SUSPENDED", "COMPLETED"}) {
    store::TransferProcessRecord transfer = seedTransfer(kOem, std::string("agreement-") + state);
    const std::string token = issue(transfer).access_token;
    ASSERT_EQ(get(kOemTwin, kAsset, token).status, 200U);
    transfer.state = state;
    ASSERT_TRUE(processes_->updateTransfer(transfer).ok());
    expectRefused(get(kOemTwin, kAsset, token), 401, std::string("is ") + state);
  }
}

TEST_F(DataPlaneTest, ThePolicyIsReevaluatedOnTheCurrentClaimsOfEachRequest) {
  const std::string token = issue(transfer_).access_token;
  lapsed_ = kOem;
  const HttpReply lapsed = get(kOemTwin, kAsset, token);
  EXPECT_EQ(lapsed.status, 403U);
  EXPECT_EQ(lapsed.body.find("payload-of-"), std::string::npos);
  EXPECT_EQ(audit().back().entry.decision, store::AuditDecision::kDeny);
  lapsed_.clear();
  removed_ = kOem;
  expectRefused(get(kOemTwin, kAsset, token), 403, "not in the partner registry");
  removed_.clear();
  ASSERT_TRUE(
      processes_
          ->retireAgreement("agreement-oem", "contract ended", std::chrono::system_clock::now())
          .ok());
  const HttpReply retired = get(kOemTwin, kAsset, token);
  EXPECT_EQ(retired.status, 403U);
  EXPECT_NE(audit().back().entry.reason.find("retired"), std::string::npos);
}

TEST_F(DataPlaneTest, RefreshRotatesTheRefreshTokenAndRefusesItsReplay) {
  const EdrTokens first = issue(transfer_);
  const HttpReply refreshed =
      refresh("grant_type=refresh_token&refresh_token=" + first.refresh_token, kOem);
  ASSERT_EQ(refreshed.status, 200U) << refreshed.body;
  rapidjson::Document answer;
  answer.Parse(refreshed.body.c_str());
  ASSERT_TRUE(answer.IsObject());
  EXPECT_STREQ(answer["token_type"].GetString(), "bearer");
  EXPECT_EQ(answer["expires_in"].GetInt(), 300);
  EXPECT_STREQ(answer["refresh_endpoint"].GetString(), "https://supplier.example/api/public/token");
  const std::string access = answer["access_token"].GetString();
  const std::string next_refresh = answer["refresh_token"].GetString();
  EXPECT_EQ(get(kOemTwin, kAsset, access).status, 200U);

  const HttpReply replay =
      refresh("grant_type=refresh_token&refresh_token=" + first.refresh_token, kOem);
  EXPECT_EQ(replay.status, 400U);
  EXPECT_NE(replay.body.find("invalid_grant"), std::string::npos);
  EXPECT_EQ(replay.body.find("access_token"), std::string::npos);
  EXPECT_EQ(refresh("grant_type=refresh_token&refresh_token=" + next_refresh, kOem).status, 200U);
}

TEST_F(DataPlaneTest, RefreshIsRefusedToOtherPartnersAfterRevocationAndForBadForms) {
  const EdrTokens tokens = issue(transfer_);
  const std::string form = "grant_type=refresh_token&refresh_token=" + tokens.refresh_token;
  EXPECT_EQ(refresh(form, "").status, 401U);  // no client certificate
  const HttpReply other = refresh(form, kOther);
  EXPECT_EQ(other.status, 400U);
  EXPECT_NE(other.body.find("invalid_grant"), std::string::npos);
  EXPECT_NE(
      refresh("grant_type=password&refresh_token=x", kOem).body.find("unsupported_grant_type"),
      std::string::npos);
  EXPECT_NE(refresh("refresh_token=x", kOem).body.find("invalid_request"), std::string::npos);
  EXPECT_NE(refresh("grant_type=refresh_token", kOem).body.find("invalid_request"),
            std::string::npos);
  EXPECT_NE(refresh("grant_type=refresh_token&refresh_token=" + tokens.access_token, kOem)
                .body.find("invalid_grant"),
            std::string::npos);

  store::TransferProcessRecord terminated = processes_->transfer(transfer_.id).value().value();
  terminated.state = "TERMINATED";
  ASSERT_TRUE(processes_->updateTransfer(terminated).ok());
  // The token would be stale anyway after the update; issue one for the current version.
  const EdrTokens current = issue(processes_->transfer(transfer_.id).value().value());
  const HttpReply revoked =
      refresh("grant_type=refresh_token&refresh_token=" + current.refresh_token, kOem);
  EXPECT_EQ(revoked.status, 400U);
  EXPECT_EQ(revoked.body.find("access_token"), std::string::npos);
}

}  // namespace
}  // namespace cxgw::gateway
