// The twin registry over real sockets and real TLS, against its contract (twin_registry.hpp):
// paging without loss or duplicates, base64url ids, lookups by each kind of specific asset id,
// visibility (404, never 403), PUBLIC_READABLE, the gate, and a randomized isolation test.
#include "cxgw/gateway/dtr/twin_registry.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <map>
#include <random>
#include <set>
#include <thread>
#include <tuple>

#include "cxgw/core/base64url.hpp"
#include "cxgw/core/timestamp.hpp"
#include "cxgw/gateway/dsp/offered_assets.hpp"
#include "gateway/edr_served_fixture.hpp"

namespace cxgw::gateway::dtr {
namespace {

using namespace testing_support;
using store::kPublicReadable;
using testing::HttpReply;

constexpr const char* kSerialPart = "urn:samm:io.catenax.serial_part:3.0.0#SerialPart";
constexpr const char* kBom =
    "urn:samm:io.catenax.single_level_bom_as_built:3.0.0#SingleLevelBomAsBuilt";
constexpr const char* kNotOffered = "urn:samm:io.catenax.batch:3.0.0#Batch";

std::string twinId(int n) {
  char id[64];
  std::snprintf(id, sizeof id, "urn:uuid:00000000-0000-4000-8000-%012d", n);
  return id;
}

store::Twin makeTwin(int n, std::vector<std::string> visible_to) {
  store::Twin twin;
  twin.global_asset_id = twinId(n);
  twin.id_short = "part-" + std::to_string(n);
  twin.digital_twin_type = "PartInstance";
  twin.specific_asset_ids = {{"manufacturerId", kSupplier},
                             {"manufacturerPartId", "MPN-" + std::to_string(n % 3)},
                             {"partInstanceId", "SN-" + std::to_string(n)},
                             {"customerPartId", "CPN-" + std::to_string(n)}};
  twin.visible_to = std::move(visible_to);
  return twin;
}

rapidjson::Document parse(const HttpReply& reply) {
  rapidjson::Document document;
  document.Parse(reply.body.c_str());
  EXPECT_FALSE(document.HasParseError()) << reply.body;
  return document;
}

std::string assetIdQuery(const std::string& name, const std::string& value) {
  return base64UrlEncode(R"({"name":")" + name + R"(","value":")" + value + R"("})");
}

class TwinRegistryTest : public EdrServedTest {
 protected:
  void SetUp() override {
    EdrServedTest::SetUp();
    if (HasFatalFailure()) return;
    oem_token_ =
        issue(seedTransfer(kOem, "dtr-oem", std::string(dsp::kTwinRegistryAssetId))).access_token;
    other_token_ = issue(seedTransfer(kOther, "dtr-other", std::string(dsp::kTwinRegistryAssetId)))
                       .access_token;
  }

  void addRoutes(Router& router) override {
    std::vector<schemas::AspectUrn> aspects;
    for (const char* urn : {kSerialPart, kBom})
      aspects.push_back(schemas::parseAspectUrn(urn).value());
    registry_api_ = std::make_unique<TwinRegistry>(
        TwinRegistrySettings{"https://supplier.example"}, aspects,
        TwinRegistry::Dependencies{*gate_, *state_, *visibility_, *workers_});
    registry_api_->addRoutes(router);
  }

  std::vector<std::string> publicReadableIdTypes() const override {
    return {"manufacturerId", "manufacturerPartId", "digitalTwinType"};
  }

  HttpReply get(const std::string& path, const std::string& token) {
    return call("GET", std::string(kTwinRegistryPath) + path, token);
  }

  // Every page of `path` (which has a query already when `joiner` is '&').
  std::vector<std::string> allPages(const std::string& path, const std::string& token, size_t limit,
                                    bool ids_only, char joiner = '?') {
    std::vector<std::string> ids;
    std::string cursor;
    for (int pages = 0; pages < 1000; ++pages) {
      std::string target = path + joiner + "limit=" + std::to_string(limit);
      if (!cursor.empty()) target += "&cursor=" + cursor;
      const HttpReply reply = get(target, token);
      EXPECT_EQ(reply.status, 200U) << reply.body;
      if (reply.status != 200U) break;
      const auto page = parse(reply);
      EXPECT_LE(page["result"].Size(), limit);
      for (const auto& item : page["result"].GetArray()) {
        ids.push_back(ids_only ? item.GetString() : item["id"].GetString());
      }
      if (!page["paging_metadata"].HasMember("cursor")) break;
      cursor = page["paging_metadata"]["cursor"].GetString();
    }
    return ids;
  }

  std::unique_ptr<TwinRegistry> registry_api_;
  std::string oem_token_;
  std::string other_token_;
};

TEST_F(TwinRegistryTest, ShellDescriptorFollowsTheIndustryCoreConventions) {
  commit({makeTwin(1, {kOem})},
         {{twinId(1), kSerialPart, "{}"}, {twinId(1), kBom, "{}"}, {twinId(1), kNotOffered, "{}"}});
  const HttpReply reply = get("/shell-descriptors/" + base64UrlEncode(twinId(1)), oem_token_);
  ASSERT_EQ(reply.status, 200U) << reply.body;
  const auto shell = parse(reply);
  EXPECT_EQ(shell["id"].GetString(), twinId(1));
  EXPECT_EQ(shell["globalAssetId"].GetString(), twinId(1));
  EXPECT_STREQ(shell["idShort"].GetString(), "part-1");
  std::map<std::string, std::string> ids;
  for (const auto& id : shell["specificAssetIds"].GetArray()) {
    ids[id["name"].GetString()] = id["value"].GetString();
    EXPECT_STREQ(id["externalSubjectId"]["keys"][0]["value"].GetString(), kOem);
  }
  EXPECT_EQ(ids, (std::map<std::string, std::string>{{"manufacturerId", kSupplier},
                                                     {"manufacturerPartId", "MPN-1"},
                                                     {"partInstanceId", "SN-1"},
                                                     {"customerPartId", "CPN-1"},
                                                     {"digitalTwinType", "PartInstance"}}));
  const auto& submodels = shell["submodelDescriptors"];
  ASSERT_EQ(submodels.Size(), 2U);  // the Batch aspect is not on offer
  const auto& serial = submodels[0];
  EXPECT_STREQ(serial["semanticId"]["keys"][0]["value"].GetString(), kSerialPart);
  EXPECT_STREQ(serial["idShort"].GetString(), "SerialPart");
  EXPECT_EQ(serial["id"].GetString(), submodelDescriptorId(twinId(1), kSerialPart));
  const auto& endpoint = serial["endpoints"][0];
  EXPECT_STREQ(endpoint["interface"].GetString(), "SUBMODEL-3.0");
  const auto& protocol = endpoint["protocolInformation"];
  EXPECT_EQ(protocol["href"].GetString(),
            "https://supplier.example/api/public" + submodelPath(twinId(1), "SerialPart-3.0.0"));
  EXPECT_STREQ(protocol["subprotocol"].GetString(), "DSP");
  EXPECT_STREQ(protocol["subprotocolBody"].GetString(),
               "id=SerialPart-3.0.0;dspEndpoint=https://supplier.example/api/v1/dsp");

  // The submodel descriptors on their own, listed and by id (padded base64url accepted).
  const HttpReply listed =
      get("/shell-descriptors/" + base64UrlEncode(twinId(1)) + "/submodel-descriptors?limit=1",
          oem_token_);
  ASSERT_EQ(listed.status, 200U) << listed.body;
  EXPECT_EQ(parse(listed)["result"].Size(), 1U);
  std::string padded = base64UrlEncode(submodelDescriptorId(twinId(1), kBom));
  while (padded.size() % 4 != 0) padded += '=';
  const HttpReply bom =
      get("/shell-descriptors/" + base64UrlEncode(twinId(1)) + "/submodel-descriptors/" + padded,
          oem_token_);
  ASSERT_EQ(bom.status, 200U) << bom.body;
  EXPECT_STREQ(parse(bom)["semanticId"]["keys"][0]["value"].GetString(), kBom);
}

TEST_F(TwinRegistryTest, PagingReturnsEveryVisibleTwinOnceWhateverTheLimit) {
  std::vector<store::Twin> twins;
  std::set<std::string> expected;
  for (int n = 0; n < 57; ++n) {
    twins.push_back(makeTwin(
        n, n % 4 == 0 ? std::vector<std::string>{kOther} : std::vector<std::string>{kOem}));
    if (n % 4 != 0) expected.insert(twinId(n));
  }
  commit(twins);
  for (size_t limit : {1U, 7U, 42U, 1000U}) {
    const auto ids = allPages("/shell-descriptors", oem_token_, limit, false);
    EXPECT_EQ(ids.size(), expected.size()) << "limit " << limit;
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), expected) << "limit " << limit;
  }
}

TEST_F(TwinRegistryTest, CreatedAfterListsOnlyTwinsCreatedLater) {
  commit({makeTwin(1, {kOem})});
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const auto between = std::chrono::system_clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  commit({makeTwin(2, {kOem})});
  const HttpReply reply =
      get("/shell-descriptors?createdAfter=" + formatIsoTimestampMicros(between), oem_token_);
  ASSERT_EQ(reply.status, 200U) << reply.body;
  const auto page = parse(reply);
  ASSERT_EQ(page["result"].Size(), 1U);
  EXPECT_EQ(page["result"][0]["id"].GetString(), twinId(2));
  EXPECT_EQ(get("/shell-descriptors?createdAfter=yesterday", oem_token_).status, 400U);
}

TEST_F(TwinRegistryTest, LookupFindsATwinByEachKindOfSpecificAssetId) {
  commit({makeTwin(1, {kOem}), makeTwin(2, {kOem}), makeTwin(4, {kOem})});
  for (const auto& [name, value, expected] :
       std::vector<std::tuple<std::string, std::string, std::vector<std::string>>>{
           {"partInstanceId", "SN-2", {twinId(2)}},
           {"customerPartId", "CPN-4", {twinId(4)}},
           {"manufacturerPartId", "MPN-1", {twinId(1), twinId(4)}},
           {"manufacturerId", kSupplier, {twinId(1), twinId(2), twinId(4)}},
           {"digitalTwinType", "PartInstance", {twinId(1), twinId(2), twinId(4)}},
           {"digitalTwinType", "PartType", {}},
           {"partInstanceId", "SN-3", {}}}) {
    EXPECT_EQ(
        allPages("/lookup/shells?assetIds=" + assetIdQuery(name, value), oem_token_, 2, true, '&'),
        expected)
        << name << "=" << value;
  }
  // Several ids: all must match.
  EXPECT_EQ(allPages("/lookup/shells?assetIds=" + assetIdQuery("manufacturerPartId", "MPN-1") +
                         "&assetIds=" + assetIdQuery("partInstanceId", "SN-4"),
                     oem_token_, 10, true, '&'),
            std::vector<std::string>{twinId(4)});
  const HttpReply by_body =
      call("POST", std::string(kTwinRegistryPath) + "/lookup/shellsByAssetLink", oem_token_,
           R"([{"name":"partInstanceId","value":"SN-1"},{"name":"manufacturerId","value":")" +
               std::string(kSupplier) + R"("}])");
  ASSERT_EQ(by_body.status, 200U) << by_body.body;
  EXPECT_EQ(parse(by_body)["result"][0].GetString(), twinId(1));
}

TEST_F(TwinRegistryTest, BadIdentifiersCursorsLimitsAndBodiesAre400NamingTheParameter) {
  commit({makeTwin(1, {kOem})});
  for (const auto& [path, parameter] : std::vector<std::pair<std::string, std::string>>{
           {"/shell-descriptors/a+b", "aasIdentifier"},
           {"/shell-descriptors/" + base64UrlEncode(twinId(1)) + "/submodel-descriptors/%2F%2F",
            "submodelIdentifier"},
           {"/shell-descriptors?cursor=***", "cursor"},
           {"/shell-descriptors?limit=0", "limit"},
           {"/shell-descriptors?limit=abc", "limit"},
           {"/shell-descriptors?limit=1001", "limit"},
           {"/lookup/shells", "assetIds"},
           {"/lookup/shells?assetIds=notjson", "assetIds"},
           {"/lookup/shells?assetIds=" + base64UrlEncode(R"({"name":1})"), "assetIds"}}) {
    const HttpReply reply = get(path, oem_token_);
    EXPECT_EQ(reply.status, 400U) << path;
    const auto body = parse(reply);
    ASSERT_TRUE(body.HasMember("messages")) << reply.body;
    EXPECT_STREQ(body["messages"][0]["messageType"].GetString(), "Error");
    EXPECT_NE(std::string(body["messages"][0]["text"].GetString()).find(parameter),
              std::string::npos)
        << reply.body;
  }
  for (const std::string body : {"", "{}", "[]", R"([{"name":"x"}])", "[1]"}) {
    const HttpReply reply =
        call("POST", std::string(kTwinRegistryPath) + "/lookup/shellsByAssetLink", oem_token_,
             body.empty() ? " " : body);
    EXPECT_EQ(reply.status, 400U) << body;
    EXPECT_NE(reply.body.find("body"), std::string::npos) << reply.body;
  }
}

TEST_F(TwinRegistryTest, ATwinThePartnerMayNotSeeIs404LikeOneThatDoesNotExist) {
  commit({makeTwin(1, {kOther})}, {{twinId(1), kSerialPart, "{}"}});
  const HttpReply hidden = get("/shell-descriptors/" + base64UrlEncode(twinId(1)), oem_token_);
  const HttpReply unknown = get("/shell-descriptors/" + base64UrlEncode(twinId(9)), oem_token_);
  EXPECT_EQ(hidden.status, 404U);
  EXPECT_EQ(unknown.status, 404U);
  EXPECT_EQ(hidden.body.find("SN-1"), std::string::npos);
  EXPECT_EQ(get("/shell-descriptors/" + base64UrlEncode(twinId(1)) + "/submodel-descriptors/" +
                    base64UrlEncode(submodelDescriptorId(twinId(1), kSerialPart)),
                oem_token_)
                .status,
            404U);
  EXPECT_EQ(parse(get("/lookup/shells?assetIds=" + assetIdQuery("partInstanceId", "SN-1"),
                      oem_token_))["result"]
                .Size(),
            0U);
  EXPECT_EQ(get("/shell-descriptors/" + base64UrlEncode(twinId(1)), other_token_).status, 200U);
}

TEST_F(TwinRegistryTest, PublicReadableTwinsShowOnlyTheirPublicIdsAndAreFoundOnlyByThem) {
  commit({makeTwin(1, {kPublicReadable})});
  const HttpReply reply = get("/shell-descriptors/" + base64UrlEncode(twinId(1)), oem_token_);
  ASSERT_EQ(reply.status, 200U) << reply.body;
  std::set<std::string> names;
  const auto shell = parse(reply);
  for (const auto& id : shell["specificAssetIds"].GetArray()) {
    names.insert(id["name"].GetString());
    EXPECT_STREQ(id["externalSubjectId"]["keys"][0]["value"].GetString(), kPublicReadable);
  }
  EXPECT_EQ(names,
            (std::set<std::string>{"manufacturerId", "manufacturerPartId", "digitalTwinType"}));
  EXPECT_EQ(reply.body.find("CPN-1"), std::string::npos);
  EXPECT_EQ(reply.body.find("SN-1"), std::string::npos);
  EXPECT_EQ(allPages("/lookup/shells?assetIds=" + assetIdQuery("manufacturerPartId", "MPN-1"),
                     oem_token_, 10, true, '&'),
            std::vector<std::string>{twinId(1)});
  // A hidden id must not find it: that would tell which twin carries it.
  EXPECT_TRUE(allPages("/lookup/shells?assetIds=" + assetIdQuery("customerPartId", "CPN-1"),
                       oem_token_, 10, true, '&')
                  .empty());
}

TEST_F(TwinRegistryTest, OnlyTokensOfAStartedRegistryTransferAreAdmitted) {
  commit({makeTwin(1, {kOem})});
  EXPECT_EQ(get("/shell-descriptors", "").status, 401U);
  EXPECT_EQ(get("/description", "").status, 401U);
  const std::string serial_part_token =
      issue(seedTransfer(kOem, "sp-oem", "SerialPart-3.0.0")).access_token;
  const HttpReply wrong_asset = get("/shell-descriptors", serial_part_token);
  EXPECT_EQ(wrong_asset.status, 403U);
  EXPECT_EQ(wrong_asset.body.find("SN-1"), std::string::npos);

  store::TransferProcessRecord transfer =
      seedTransfer(kOem, "dtr-oem-2", std::string(dsp::kTwinRegistryAssetId));
  const std::string token = issue(transfer).access_token;
  ASSERT_EQ(get("/shell-descriptors", token).status, 200U);
  transfer.state = "TERMINATED";
  ASSERT_TRUE(processes_->updateTransfer(transfer).ok());
  const HttpReply revoked = get("/shell-descriptors", token);
  EXPECT_EQ(revoked.status, 401U);
  EXPECT_EQ(revoked.body.find("SN-1"), std::string::npos);
  EXPECT_EQ(audit().back().entry.decision, store::AuditDecision::kDeny);

  const HttpReply description = get("/description", oem_token_);
  ASSERT_EQ(description.status, 200U);
  EXPECT_NE(description.body.find("AssetAdministrationShellRegistryServiceSpecification"),
            std::string::npos);
}

// N partners x M twins with random visibility: through listing, lookup and descriptor reads no
// partner sees a twin or an id it should not, and each sees all that it should.
TEST_F(TwinRegistryTest, RandomizedVisibilityNeverLeaksAndNeverHides) {
  const std::vector<std::string> partners = {kOem, kOther};
  std::map<std::string, std::string> tokens = {{kOem, oem_token_}, {kOther, other_token_}};
  std::mt19937 random(20261123);
  std::vector<store::Twin> twins;
  std::map<std::string, std::set<std::string>> expected;  // partner -> twin ids
  for (int n = 0; n < 60; ++n) {
    std::vector<std::string> visible_to;
    for (const auto& partner : partners) {
      if (random() % 2 == 0) visible_to.push_back(partner);
    }
    if (random() % 10 == 0) visible_to.push_back("BPNL0000000OTHER");
    twins.push_back(makeTwin(n, visible_to));
    for (const auto& partner : visible_to) expected[partner].insert(twinId(n));
  }
  commit(twins);
  for (const auto& partner : partners) {
    const std::string& token = tokens[partner];
    const auto listed = allPages("/shell-descriptors", token, 9, false);
    EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()), expected[partner]) << partner;
    EXPECT_EQ(listed.size(), expected[partner].size());
    for (int n = 0; n < 60; ++n) {
      const bool visible = expected[partner].count(twinId(n)) > 0;
      const auto found = allPages(
          "/lookup/shells?assetIds=" + assetIdQuery("partInstanceId", "SN-" + std::to_string(n)),
          token, 5, true, '&');
      EXPECT_EQ(found.size(), visible ? 1U : 0U) << partner << " " << n;
      const HttpReply shell = get("/shell-descriptors/" + base64UrlEncode(twinId(n)), token);
      EXPECT_EQ(shell.status, visible ? 200U : 404U) << partner << " " << n;
      if (visible) {
        // The caller's own BPN is the only one named in the answer.
        for (const auto& other : partners) {
          if (other != partner) {
            EXPECT_EQ(shell.body.find(other), std::string::npos);
          }
        }
        EXPECT_EQ(shell.body.find("BPNL0000000OTHER"), std::string::npos);
      } else {
        EXPECT_EQ(shell.body.find("CPN-"), std::string::npos);
      }
    }
  }
}

}  // namespace
}  // namespace cxgw::gateway::dtr
