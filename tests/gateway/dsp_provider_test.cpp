// The DSP provider over real sockets and real TLS with mutual authentication: a test-owned
// callback server plays the consumer's connector and records what the provider sends it.
#include "cxgw/gateway/dsp/dsp_provider.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <condition_variable>
#include <deque>
#include <mutex>

#include "cxgw/core/metrics.hpp"
#include "cxgw/gateway/http/https_server.hpp"
#include "cxgw/gateway/identity/mtls_partner_authenticator.hpp"
#include "cxgw/gateway/tls/dev_certificates.hpp"
#include "cxgw/store/postgres_process_store.hpp"
#include "support/https_test_client.hpp"
#include "support/postgres_cluster.hpp"
#include "support/temp_directory.hpp"

namespace cxgw::gateway::dsp {
namespace {

using namespace std::chrono_literals;
using testing::HttpReply;
using testing::HttpsTestClient;
using testing::TlsClientOptions;

constexpr const char* kSupplier = "BPNL000000000SUP";
constexpr const char* kOem = "BPNL000000000OEM";
constexpr const char* kOtherMember = "BPNL000000000OTH";
constexpr const char* kNonMember = "BPNL000000000NMB";
constexpr const char* kStranger = "BPNL000000000XXX";  // certificate from our CA, not registered

const char* kLibrary = R"([
  {"@context": ["https://w3id.org/catenax/2025/9/policy/odrl.jsonld",
                "https://w3id.org/catenax/2025/9/policy/context.jsonld",
                {"@vocab": "https://w3id.org/edc/v0.0.1/ns/"}],
   "@type": "PolicyDefinition", "@id": "access-members",
   "policy": {"@type": "Set", "permission": [{"action": "access",
     "constraint": [{"leftOperand": "Membership", "operator": "eq", "rightOperand": "active"}]}]}},
  {"@context": ["https://w3id.org/catenax/2025/9/policy/odrl.jsonld",
                "https://w3id.org/catenax/2025/9/policy/context.jsonld",
                {"@vocab": "https://w3id.org/edc/v0.0.1/ns/"}],
   "@type": "PolicyDefinition", "@id": "usage-members",
   "policy": {"@type": "Set", "permission": [{"action": "use",
     "constraint": [{"leftOperand": "Membership", "operator": "eq", "rightOperand": "active"}]}]}},
  {"@context": {"@vocab": "https://w3id.org/edc/v0.0.1/ns/"}, "@type": "ContractDefinition",
   "@id": "members", "accessPolicyId": "access-members", "contractPolicyId": "usage-members",
   "assetsSelector": []}
])";

// What the provider sent to the consumer's callback address.
struct Callback {
  std::string path;
  std::string body;
  std::string sender;  // CN of the provider's client certificate
};

class CallbackInbox {
 public:
  void add(Callback callback) {
    std::lock_guard lock(mutex_);
    items_.push_back(std::move(callback));
    changed_.notify_all();
  }
  // The first callback whose path ends with `suffix`, waiting for it up to 20 s (a bound on a
  // hang, not a timing assertion).
  std::optional<Callback> await(const std::string& suffix) {
    std::unique_lock lock(mutex_);
    std::optional<Callback> found;
    changed_.wait_for(lock, 20s, [&] {
      for (auto it = items_.begin(); it != items_.end(); ++it) {
        if (it->path.size() >= suffix.size() &&
            it->path.compare(it->path.size() - suffix.size(), suffix.size(), suffix) == 0) {
          found = *it;
          items_.erase(it);
          return true;
        }
      }
      return false;
    });
    return found;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Callback> items_;
};

// Posts with the supplier's client certificate, as the production transport does.
class TestTransport final : public DspTransport {
 public:
  TestTransport(uint16_t port, TlsClientOptions options) : port_(port), options_(options) {}
  Result<unsigned> post(const std::string& url, const std::string& body) override {
    const std::string prefix = "https://localhost:" + std::to_string(port_);
    if (url.compare(0, prefix.size(), prefix) != 0) {
      return Error{ErrorCode::kUnavailable, "unexpected callback host " + url, "", "", 0};
    }
    try {
      HttpsTestClient client(port_, options_);
      client.connect();
      return client
          .request("POST", url.substr(prefix.size()), body, {{"content-type", "application/json"}})
          .status;
    } catch (const std::exception& e) {
      return Error{ErrorCode::kUnavailable, e.what(), "", "", 0};
    }
  }

 private:
  uint16_t port_;
  TlsClientOptions options_;
};

std::string member(const rapidjson::Value& object, const char* name) {
  const auto it = object.FindMember(name);
  return it != object.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

// The data address of a 2025-1 TransferStartMessage; nothing (and a test failure) otherwise.
std::optional<DataAddress> startedAddress(const std::string& body) {
  const DspCodec codec(DspVersion::k2025_1, schemas::JsonLdExpander());
  auto message = codec.read(body, {"TransferStartMessage"});
  if (!message.ok()) {
    ADD_FAILURE() << message.error().describe();
    return std::nullopt;
  }
  const auto& address = std::get<TransferStartMessage>(message.value()).data_address;
  if (!address) ADD_FAILURE() << "TransferStartMessage without a data address: " << body;
  return address;
}

class DspProviderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = new testing::TempDirectory("cxgw-dsp-pki");
    auto ours = writeDevCertificates(
        {pki_->path() / "ours", {kSupplier, kOem, kOtherMember, kNonMember, kStranger}});
    ASSERT_TRUE(ours.ok()) << ours.error().describe();
    auto theirs = writeDevCertificates({pki_->path() / "other-ca", {kOem}});
    ASSERT_TRUE(theirs.ok()) << theirs.error().describe();
    ours_ = new DevCertificateFiles(ours.value());
    other_ca_ = new DevCertificateFiles(theirs.value());
  }
  static void TearDownTestSuite() {
    delete ours_;
    delete other_ca_;
    delete pki_;
  }

  ServerSettings serverSettings() const {
    ServerSettings s;
    s.bind_address = "127.0.0.1";
    s.port = 0;
    s.threads = 2;
    s.shutdown_grace = 5s;
    s.limits.max_body_bytes = 64 * 1024;
    s.tls.certificate_chain_file = ours_->server_certificate;
    s.tls.private_key_file = ours_->server_private_key;
    s.tls.client_ca_file = ours_->ca_certificate;
    s.tls.client_certificates = ClientCertificateMode::kOptional;
    return s;
  }

  static TlsClientOptions as(const std::string& bpn, const DevCertificateFiles* issuer = nullptr) {
    if (issuer == nullptr) issuer = ours_;
    TlsClientOptions o;
    o.ca_file = ours_->ca_certificate;
    for (const auto& client : issuer->clients) {
      if (client.bpn == bpn) {
        o.certificate_file = client.certificate;
        o.private_key_file = client.private_key;
      }
    }
    return o;
  }

  static TlsClientOptions anonymous() {
    TlsClientOptions o;
    o.ca_file = ours_->ca_certificate;
    return o;
  }

  void SetUp() override {
    // The consumer's callback server.
    auto consumer = HttpsServer::create(serverSettings(), metrics_);
    ASSERT_TRUE(consumer.ok()) << consumer.error().describe();
    consumer_ = std::move(consumer).value();
    auto consumer_routes = std::make_shared<Router>();
    for (const char* suffix : {"agreement", "events", "termination", "start", "offers"}) {
      for (const char* area : {"negotiations", "transfers"}) {
        consumer_routes->add(
            "POST", std::string("/cb/") + area + "/{pid}/" + suffix,
            Handler([this](const HttpRequest& r) {
              inbox_.add({r.path, r.body, r.peer ? r.peer->common_name : std::string()});
              return HttpResponse::json(200, "{}");
            }));
      }
    }
    consumer_->start(consumer_routes, false);
    callback_ = "https://localhost:" + std::to_string(consumer_->port()) + "/cb";

    std::vector<policies::PartnerClaims> partners(3);
    partners[0].bpn = kOem;
    partners[0].catena_x_member = true;
    partners[1].bpn = kOtherMember;
    partners[1].catena_x_member = true;
    partners[2].bpn = kNonMember;
    auto registry = PartnerRegistry::create(partners);
    ASSERT_TRUE(registry.ok());
    authenticator_ = std::make_unique<MtlsPartnerAuthenticator>(registry.value());

    policies::PolicyLibraryBuilder builder;
    auto expanded = schemas::JsonLdExpander().expand(kLibrary);
    ASSERT_TRUE(expanded.ok()) << expanded.error().describe();
    builder.addDocument("library.jsonld", expanded.value());
    auto library = builder.build();
    ASSERT_TRUE(library.ok()) << library.error().describe();
    library_ = library.value();
    decisions_ = std::make_unique<PolicyDecisionPoint>(
        [this] { return library_; }, *audit_, [] { return std::chrono::system_clock::now(); });
    auto key = EdrSigningKey::generate();
    ASSERT_TRUE(key.ok());
    tokens_ = std::make_unique<EdrTokenIssuer>(key.value(), kSupplier);
    transport_ = std::make_unique<TestTransport>(consumer_->port(), as(kSupplier));
    callbacks_ = std::make_unique<DspCallbackDispatcher>(*transport_,
                                                         CallbackRetryPolicy{3, 50ms, 200ms}, 2);

    auto assets = std::make_shared<std::vector<policies::AssetDescription>>();
    assets->push_back({"digital-twin-registry",
                       {{"https://w3id.org/edc/v0.0.1/ns/id", "digital-twin-registry"},
                        {"http://purl.org/dc/terms/type",
                         "https://w3id.org/catenax/taxonomy#DigitalTwinRegistry"}}});
    assets->push_back({"SerialPart-3.0.0",
                       {{"https://w3id.org/edc/v0.0.1/ns/id", "SerialPart-3.0.0"},
                        {"https://admin-shell.io/aas/3/0/HasSemantics/semanticId",
                         "urn:samm:io.catenax.serial_part:3.0.0#SerialPart"}}});
    assets_ = assets;

    auto provider = HttpsServer::create(serverSettings(), metrics_);
    ASSERT_TRUE(provider.ok()) << provider.error().describe();
    provider_server_ = std::move(provider).value();
    provider_ = std::make_unique<DspProvider>(
        DspProviderSettings{
            kSupplier, "https://localhost:" + std::to_string(provider_server_->port()), 300s, 1000},
        DspProvider::Dependencies{*authenticator_, *decisions_, [this] { return assets_; },
                                  *processes_, *callbacks_, *tokens_, *workers_,
                                  [] { return std::chrono::system_clock::now(); },
                                  schemas::JsonLdExpander()});
    auto router = std::make_shared<Router>();
    provider_->addRoutes(*router);
    provider_server_->start(router, false);
  }

  void TearDown() override {
    for (auto* server : {provider_server_.get(), consumer_.get()}) {
      if (server) {
        server->shutdown();
        server->wait();
      }
    }
    // Jobs still queued hold responders into the servers' sessions: finish them while the
    // servers exist, and stop the callbacks before what they use goes away.
    workers_.reset();
    callbacks_.reset();
  }

  HttpReply call(const std::string& bpn, const std::string& method, const std::string& target,
                 const std::string& body = "", const DevCertificateFiles* issuer = nullptr) {
    HttpsTestClient client(provider_server_->port(), as(bpn, issuer));
    client.connect();
    return client.request(method, target, body, {{"content-type", "application/json"}});
  }

  static rapidjson::Document parse(const std::string& text) {
    rapidjson::Document d;
    d.Parse(text.c_str());
    EXPECT_FALSE(d.HasParseError()) << text;
    return d;
  }

  std::string base(DspVersion version) const {
    return version == DspVersion::kV08 ? "/api/v1/dsp" : "/api/v1/dsp/2025-1";
  }

  static std::string context(DspVersion version) {
    return version == DspVersion::kV08 ? R"("https://w3id.org/dspace/v0.8/context.json")"
                                       : R"(["https://w3id.org/dspace/2025/1/context.jsonld",
                                            "https://w3id.org/catenax/2025/9/policy/context.jsonld"])";
  }
  static std::string term(DspVersion version, const std::string& name) {
    return version == DspVersion::kV08 ? "dspace:" + name : name;
  }

  // The first offer of `asset` in the partner's catalog, as JSON text.
  std::string offerFor(DspVersion version, const std::string& bpn, const std::string& asset) {
    const HttpReply reply = call(bpn, "POST", base(version) + "/catalog/request",
                                 "{\"@context\":" + context(version) + ",\"@type\":\"" +
                                     term(version, "CatalogRequestMessage") + "\"}");
    EXPECT_EQ(reply.status, 200U) << reply.body;
    auto catalog = parse(reply.body);
    const char* datasets = version == DspVersion::kV08 ? "dcat:dataset" : "dataset";
    const char* has_policy = version == DspVersion::kV08 ? "odrl:hasPolicy" : "hasPolicy";
    if (!catalog.HasMember(datasets)) return "";
    for (const auto& dataset : catalog[datasets].GetArray()) {
      if (member(dataset, "@id") != asset) continue;
      rapidjson::StringBuffer buffer;
      rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
      dataset[has_policy][0].Accept(writer);
      return buffer.GetString();
    }
    return "";
  }

  // Adds "target" to an offer object taken from the catalog.
  static std::string withTarget(DspVersion version, std::string offer, const std::string& asset) {
    const std::string target = version == DspVersion::kV08
                                   ? "\"odrl:target\":{\"@id\":\"" + asset + "\"},"
                                   : "\"target\":\"" + asset + "\",";
    offer.insert(1, target);
    return offer;
  }

  HttpReply requestContract(DspVersion version, const std::string& bpn, const std::string& offer,
                            const std::string& consumer_pid) {
    return call(bpn, "POST", base(version) + "/negotiations/request",
                "{\"@context\":" + context(version) + ",\"@type\":\"" +
                    term(version, "ContractRequestMessage") + "\",\"" +
                    term(version, "consumerPid") + "\":\"" + consumer_pid + "\",\"" +
                    term(version, "offer") + "\":" + offer + ",\"" +
                    term(version, "callbackAddress") + "\":\"" + callback_ + "\"}");
  }

  std::string processMessage(DspVersion version, const std::string& type,
                             const std::string& provider_pid, const std::string& consumer_pid,
                             const std::string& extra = "") {
    return "{\"@context\":" + context(version) + ",\"@type\":\"" + term(version, type) + "\",\"" +
           term(version, "providerPid") + "\":\"" + provider_pid + "\",\"" +
           term(version, "consumerPid") + "\":\"" + consumer_pid + "\"" + extra + "}";
  }

  // Runs a negotiation to FINALIZED; returns the agreement id.
  std::string negotiate(DspVersion version, const std::string& consumer_pid) {
    const std::string offer = offerFor(version, kOem, "SerialPart-3.0.0");
    EXPECT_FALSE(offer.empty());
    const HttpReply created = requestContract(
        version, kOem, withTarget(version, offer, "SerialPart-3.0.0"), consumer_pid);
    EXPECT_EQ(created.status, 201U) << created.body;
    const std::string provider_pid =
        member(parse(created.body), term(version, "providerPid").c_str());
    const auto agreement = inbox_.await("/negotiations/" + consumer_pid + "/agreement");
    EXPECT_TRUE(agreement.has_value());
    if (!agreement) {
      const auto termination = inbox_.await("/negotiations/" + consumer_pid + "/termination");
      ADD_FAILURE() << "terminated instead: " << (termination ? termination->body : "(nothing)");
      return "";
    }
    EXPECT_EQ(agreement->sender, kSupplier);
    auto message = parse(agreement->body);
    const auto& node = message[term(version, "agreement").c_str()];
    const std::string agreement_id = member(node, "@id");
    const HttpReply verified = call(
        kOem, "POST", base(version) + "/negotiations/" + provider_pid + "/agreement/verification",
        processMessage(version, "ContractAgreementVerificationMessage", provider_pid,
                       consumer_pid));
    EXPECT_EQ(verified.status, 200U) << verified.body;
    EXPECT_TRUE(inbox_.await("/negotiations/" + consumer_pid + "/events").has_value());
    const HttpReply state = call(kOem, "GET", base(version) + "/negotiations/" + provider_pid);
    EXPECT_EQ(member(parse(state.body), term(version, "state").c_str()),
              version == DspVersion::kV08 ? "dspace:FINALIZED" : "FINALIZED");
    return agreement_id;
  }

  static testing::TempDirectory* pki_;
  static DevCertificateFiles* ours_;
  static DevCertificateFiles* other_ca_;
  MetricsRegistry metrics_;
  CallbackInbox inbox_;
  std::unique_ptr<HttpsServer> consumer_;
  std::string callback_;
  std::unique_ptr<PartnerAuthenticator> authenticator_;
  std::shared_ptr<const policies::PolicyLibrary> library_;
  std::unique_ptr<store::AuditTrail> audit_ = store::createMemoryAuditTrail();
  std::unique_ptr<PolicyDecisionPoint> decisions_;
  std::unique_ptr<EdrTokenIssuer> tokens_;
  std::unique_ptr<TestTransport> transport_;
  std::unique_ptr<DspCallbackDispatcher> callbacks_;
  std::unique_ptr<store::ProcessStore> processes_ = store::createMemoryProcessStore();
  std::unique_ptr<WorkerPool> workers_ = std::make_unique<WorkerPool>(2, 64);
  DspProvider::Assets assets_;
  std::unique_ptr<HttpsServer> provider_server_;
  std::unique_ptr<DspProvider> provider_;
};

testing::TempDirectory* DspProviderTest::pki_ = nullptr;
DevCertificateFiles* DspProviderTest::ours_ = nullptr;
DevCertificateFiles* DspProviderTest::other_ca_ = nullptr;

TEST_F(DspProviderTest, VersionDocumentIsServedWithoutAuthentication) {
  HttpsTestClient client(provider_server_->port(), anonymous());
  client.connect();
  for (const char* path :
       {"/.well-known/dspace-version", "/api/v1/dsp/.well-known/dspace-version"}) {
    const HttpReply reply = client.request("GET", path);
    ASSERT_EQ(reply.status, 200U) << path;
    auto document = parse(reply.body);
    ASSERT_TRUE(document["protocolVersions"].IsArray());
    std::map<std::string, std::string> paths;
    for (const auto& version : document["protocolVersions"].GetArray()) {
      paths[member(version, "version")] = member(version, "path");
    }
    EXPECT_EQ(paths["2025-1"], "/api/v1/dsp/2025-1");
    EXPECT_EQ(paths["v0.8"], "/api/v1/dsp");
  }
}

TEST_F(DspProviderTest, WithoutAClientCertificateNothingOfTheCatalogLeaks) {
  HttpsTestClient client(provider_server_->port(), anonymous());
  client.connect();
  const HttpReply reply = client.request(
      "POST", "/api/v1/dsp/2025-1/catalog/request",
      R"({"@context": ["https://w3id.org/dspace/2025/1/context.jsonld"], "@type": "CatalogRequestMessage"})");
  EXPECT_EQ(reply.status, 401U);
  EXPECT_EQ(reply.body.find("SerialPart"), std::string::npos) << reply.body;
  EXPECT_EQ(reply.body.find("dataset"), std::string::npos) << reply.body;
}

TEST_F(DspProviderTest, AnUnregisteredPartnerIsRefused) {
  const HttpReply reply = call(kStranger, "POST", "/api/v1/dsp/2025-1/catalog/request",
                               R"({"@context": ["https://w3id.org/dspace/2025/1/context.jsonld"],
                                   "@type": "CatalogRequestMessage"})");
  EXPECT_EQ(reply.status, 401U);
  EXPECT_EQ(reply.body.find("SerialPart"), std::string::npos) << reply.body;
}

TEST_F(DspProviderTest, ACertificateFromAnotherCaFailsTheHandshake) {
  EXPECT_THROW(call(kOem, "GET", "/api/v1/dsp/2025-1/negotiations/x", "", other_ca_),
               std::runtime_error);
}

TEST_F(DspProviderTest, TheCatalogShowsOffersOnlyToPartnersTheAccessPolicyAdmits) {
  for (DspVersion version : {DspVersion::k2025_1, DspVersion::kV08}) {
    SCOPED_TRACE(std::string(dspVersionName(version)));
    EXPECT_FALSE(offerFor(version, kOem, "SerialPart-3.0.0").empty());
    EXPECT_FALSE(offerFor(version, kOem, "digital-twin-registry").empty());
    EXPECT_TRUE(offerFor(version, kNonMember, "SerialPart-3.0.0").empty());
  }
  const HttpReply dataset =
      call(kNonMember, "GET", "/api/v1/dsp/2025-1/catalog/datasets/SerialPart-3.0.0");
  EXPECT_EQ(dataset.status, 404U);
  const HttpReply visible =
      call(kOem, "GET", "/api/v1/dsp/2025-1/catalog/datasets/SerialPart-3.0.0");
  EXPECT_EQ(visible.status, 200U) << visible.body;
}

TEST_F(DspProviderTest, CatalogPagesWithTheFilterLimitAndALinkToTheNextPage) {
  const HttpReply reply = call(kOem, "POST", "/api/v1/dsp/catalog/request",
                               R"({"@context": {"@vocab": "https://w3id.org/edc/v0.0.1/ns/",
                                     "dspace": "https://w3id.org/dspace/v0.8/"},
                                   "@type": "dspace:CatalogRequestMessage",
                                   "dspace:filter": {"offset": 0, "limit": 1}})");
  ASSERT_EQ(reply.status, 200U) << reply.body;
  auto catalog = parse(reply.body);
  EXPECT_EQ(catalog["dcat:dataset"].Size(), 1U);
  ASSERT_TRUE(reply.headers.count("link")) << reply.body;
  EXPECT_NE(reply.headers.at("link").find("offset=1"), std::string::npos);
}

TEST_F(DspProviderTest, NegotiationReachesFinalizedInBothVersions) {
  for (DspVersion version : {DspVersion::k2025_1, DspVersion::kV08}) {
    SCOPED_TRACE(std::string(dspVersionName(version)));
    const std::string agreement =
        negotiate(version, "urn:uuid:consumer-" + std::string(dspVersionName(version)));
    EXPECT_FALSE(agreement.empty());
    auto stored = processes_->agreement(agreement);
    ASSERT_TRUE(stored.ok() && stored.value());
    EXPECT_EQ(stored.value()->consumer_bpn, kOem);
  }
}

TEST_F(DspProviderTest, AChangedPolicyIsTerminatedWithAReason) {
  std::string offer = offerFor(DspVersion::k2025_1, kOem, "SerialPart-3.0.0");
  ASSERT_FALSE(offer.empty());
  const size_t at = offer.find("active");
  ASSERT_NE(at, std::string::npos) << offer;
  offer.replace(at, 6, "passive");
  const HttpReply created = requestContract(DspVersion::k2025_1, kOem, offer, "urn:uuid:c-changed");
  ASSERT_EQ(created.status, 201U) << created.body;
  const auto termination = inbox_.await("/negotiations/urn:uuid:c-changed/termination");
  ASSERT_TRUE(termination.has_value());
  EXPECT_NE(termination->body.find("ContractNegotiationTerminationMessage"), std::string::npos);
  const std::string pid = member(parse(created.body), "providerPid");
  const HttpReply state = call(kOem, "GET", "/api/v1/dsp/2025-1/negotiations/" + pid);
  EXPECT_EQ(member(parse(state.body), "state"), "TERMINATED") << state.body;
}

TEST_F(DspProviderTest, AnotherPartnersProcessIsNotFound) {
  const std::string offer = offerFor(DspVersion::k2025_1, kOem, "SerialPart-3.0.0");
  const HttpReply created = requestContract(DspVersion::k2025_1, kOem, offer, "urn:uuid:c-own");
  ASSERT_EQ(created.status, 201U);
  const std::string pid = member(parse(created.body), "providerPid");
  EXPECT_EQ(call(kOem, "GET", "/api/v1/dsp/2025-1/negotiations/" + pid).status, 200U);
  const HttpReply foreign = call(kOtherMember, "GET", "/api/v1/dsp/2025-1/negotiations/" + pid);
  EXPECT_EQ(foreign.status, 404U);
  EXPECT_EQ(call(kOem, "GET", "/api/v1/dsp/2025-1/negotiations/urn:uuid:none").status, 404U);
}

TEST_F(DspProviderTest, AnInvalidTransitionIsAnErrorMessage) {
  const std::string offer = offerFor(DspVersion::k2025_1, kOem, "SerialPart-3.0.0");
  const HttpReply created = requestContract(DspVersion::k2025_1, kOem, offer, "urn:uuid:c-invalid");
  const std::string pid = member(parse(created.body), "providerPid");
  ASSERT_TRUE(inbox_.await("/negotiations/urn:uuid:c-invalid/agreement").has_value());
  const HttpReply accepted =
      call(kOem, "POST", "/api/v1/dsp/2025-1/negotiations/" + pid + "/events",
           processMessage(DspVersion::k2025_1, "ContractNegotiationEventMessage", pid,
                          "urn:uuid:c-invalid", R"(,"eventType":"ACCEPTED")"));
  EXPECT_EQ(accepted.status, 400U);
  auto error = parse(accepted.body);
  EXPECT_EQ(member(error, "@type"), "ContractNegotiationError");
  EXPECT_NE(accepted.body.find("AGREED"), std::string::npos) << accepted.body;
}

TEST_F(DspProviderTest, TransferStartsWithAVerifiableEdrAndEndsOnTermination) {
  const std::string agreement = negotiate(DspVersion::k2025_1, "urn:uuid:c-transfer");
  ASSERT_FALSE(agreement.empty());
  const std::string request =
      R"({"@context": ["https://w3id.org/dspace/2025/1/context.jsonld"], "@type": "TransferRequestMessage",
          "consumerPid": "urn:uuid:t-1", "agreementId": ")" +
      agreement + R"(", "format": "HttpData-PULL", "callbackAddress": ")" + callback_ + "\"}";
  const HttpReply foreign =
      call(kOtherMember, "POST", "/api/v1/dsp/2025-1/transfers/request", request);
  EXPECT_EQ(foreign.status, 400U) << foreign.body;
  const HttpReply created = call(kOem, "POST", "/api/v1/dsp/2025-1/transfers/request", request);
  ASSERT_EQ(created.status, 201U) << created.body;
  const std::string pid = member(parse(created.body), "providerPid");
  const auto start = inbox_.await("/transfers/urn:uuid:t-1/start");
  ASSERT_TRUE(start.has_value());
  const auto address = startedAddress(start->body);
  ASSERT_TRUE(address.has_value());
  const auto token = address->property("https://w3id.org/edc/v0.0.1/ns/authorization");
  ASSERT_TRUE(token.has_value());
  auto claims = tokens_->verify(*token, EdrTokenKind::kAccess, std::chrono::system_clock::now());
  ASSERT_TRUE(claims.ok()) << claims.error().describe();
  EXPECT_EQ(claims.value().agreement_id, agreement);
  EXPECT_EQ(claims.value().partner_bpn, kOem);
  EXPECT_EQ(claims.value().transfer_process_id, pid);
  EXPECT_TRUE(address->property("https://w3id.org/tractusx/auth/refreshToken").has_value());

  const HttpReply terminated =
      call(kOem, "POST", "/api/v1/dsp/2025-1/transfers/" + pid + "/termination",
           processMessage(DspVersion::k2025_1, "TransferTerminationMessage", pid, "urn:uuid:t-1"));
  EXPECT_EQ(terminated.status, 200U) << terminated.body;
  auto stored = processes_->transfer(pid);
  ASSERT_TRUE(stored.ok() && stored.value());
  EXPECT_EQ(stored.value()->state, "TERMINATED");
  const HttpReply restart =
      call(kOem, "POST", "/api/v1/dsp/2025-1/transfers/" + pid + "/start",
           processMessage(DspVersion::k2025_1, "TransferStartMessage", pid, "urn:uuid:t-1"));
  EXPECT_EQ(restart.status, 400U) << restart.body;
}

TEST_F(DspProviderTest, BadBodiesAreRefusedWithTheSpecsStatus) {
  const HttpReply malformed =
      call(kOem, "POST", "/api/v1/dsp/2025-1/negotiations/request", "{not json");
  EXPECT_EQ(malformed.status, 400U);
  const HttpReply remote =
      call(kOem, "POST", "/api/v1/dsp/2025-1/negotiations/request",
           R"({"@context": "https://evil.example/ctx.jsonld", "@type": "ContractRequestMessage"})");
  EXPECT_EQ(remote.status, 400U);
  EXPECT_NE(remote.body.find("https://evil.example/ctx.jsonld"), std::string::npos) << remote.body;
  const HttpReply oversized =
      call(kOem, "POST", "/api/v1/dsp/2025-1/catalog/request", std::string(70 * 1024, ' '));
  EXPECT_EQ(oversized.status, 413U);
}

// Two replicas of the provider, each with its own server, store connection and worker pool, on
// one PostgreSQL database and one EDR key: a negotiation started on replica A is verified on
// replica B, and B's transfer answers with an EDR that A's issuer verifies.
class DspProviderReplicasTest : public testing::PostgresTestSuite {
 protected:
  struct Replica {
    std::unique_ptr<HttpsServer> server;
    std::unique_ptr<store::ProcessStore> processes;
    std::unique_ptr<store::AuditTrail> audit = store::createMemoryAuditTrail();
    std::unique_ptr<PolicyDecisionPoint> decisions;
    std::unique_ptr<DspCallbackDispatcher> callbacks;
    std::unique_ptr<WorkerPool> workers = std::make_unique<WorkerPool>(2, 64);
    std::unique_ptr<DspProvider> provider;
    ~Replica() {
      if (server) {
        server->shutdown();
        server->wait();
      }
      workers.reset();
      callbacks.reset();
    }
  };

  void SetUp() override {
    PostgresTestSuite::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    pki_ = std::make_unique<testing::TempDirectory>("cxgw-dsp-replicas");
    auto files = writeDevCertificates({pki_->path(), {kSupplier, kOem}});
    ASSERT_TRUE(files.ok()) << files.error().describe();
    files_ = files.value();
    ServerSettings settings;
    settings.bind_address = "127.0.0.1";
    settings.port = 0;
    settings.threads = 2;
    settings.shutdown_grace = 5s;
    settings.tls.certificate_chain_file = files_.server_certificate;
    settings.tls.private_key_file = files_.server_private_key;
    settings.tls.client_ca_file = files_.ca_certificate;
    settings.tls.client_certificates = ClientCertificateMode::kOptional;

    auto consumer = HttpsServer::create(settings, metrics_);
    ASSERT_TRUE(consumer.ok());
    consumer_ = std::move(consumer).value();
    auto routes = std::make_shared<Router>();
    for (const char* path : {"/cb/negotiations/{pid}/agreement", "/cb/negotiations/{pid}/events",
                             "/cb/negotiations/{pid}/termination", "/cb/transfers/{pid}/start",
                             "/cb/transfers/{pid}/termination"}) {
      routes->add("POST", path, Handler([this](const HttpRequest& r) {
                    inbox_.add({r.path, r.body, r.peer ? r.peer->common_name : std::string()});
                    return HttpResponse::json(200, "{}");
                  }));
    }
    consumer_->start(routes, false);
    callback_ = "https://localhost:" + std::to_string(consumer_->port()) + "/cb";

    policies::PartnerClaims oem;
    oem.bpn = kOem;
    oem.catena_x_member = true;
    auto registry = PartnerRegistry::create({oem});
    ASSERT_TRUE(registry.ok());
    authenticator_ = std::make_unique<MtlsPartnerAuthenticator>(registry.value());
    policies::PolicyLibraryBuilder builder;
    auto expanded = schemas::JsonLdExpander().expand(kLibrary);
    ASSERT_TRUE(expanded.ok());
    builder.addDocument("library.jsonld", expanded.value());
    auto library = builder.build();
    ASSERT_TRUE(library.ok());
    library_ = library.value();
    auto key = EdrSigningKey::generate();
    ASSERT_TRUE(key.ok());
    tokens_ = std::make_unique<EdrTokenIssuer>(key.value(), kSupplier);
    TlsClientOptions supplier;
    supplier.ca_file = files_.ca_certificate;
    supplier.certificate_file = files_.clients.at(0).certificate;
    supplier.private_key_file = files_.clients.at(0).private_key;
    transport_ = std::make_unique<TestTransport>(consumer_->port(), supplier);
    assets_ = std::make_shared<std::vector<policies::AssetDescription>>(
        std::vector<policies::AssetDescription>{
            {"SerialPart-3.0.0", {{"https://w3id.org/edc/v0.0.1/ns/id", "SerialPart-3.0.0"}}}});

    for (auto& replica : replicas_) {
      replica = std::make_unique<Replica>();
      auto server = HttpsServer::create(settings, metrics_);
      ASSERT_TRUE(server.ok());
      replica->server = std::move(server).value();
      auto processes = store::openPostgresProcessStore({connectionString()});
      ASSERT_TRUE(processes.ok()) << processes.error().describe();
      replica->processes = std::move(processes).value();
      replica->decisions =
          std::make_unique<PolicyDecisionPoint>([this] { return library_; }, *replica->audit,
                                                [] { return std::chrono::system_clock::now(); });
      replica->callbacks = std::make_unique<DspCallbackDispatcher>(
          *transport_, CallbackRetryPolicy{3, 50ms, 200ms}, 2);
      replica->provider = std::make_unique<DspProvider>(
          DspProviderSettings{kSupplier, "https://localhost:8443", 300s, 1000},
          DspProvider::Dependencies{
              *authenticator_, *replica->decisions, [this] { return assets_; }, *replica->processes,
              *replica->callbacks, *tokens_, *replica->workers,
              [] { return std::chrono::system_clock::now(); }, schemas::JsonLdExpander()});
      auto router = std::make_shared<Router>();
      replica->provider->addRoutes(*router);
      replica->server->start(router, false);
    }
  }

  void TearDown() override {
    for (auto& replica : replicas_) replica.reset();
    if (consumer_) {
      consumer_->shutdown();
      consumer_->wait();
    }
  }

  HttpReply call(size_t replica, const std::string& method, const std::string& target,
                 const std::string& body = "") {
    TlsClientOptions oem;
    oem.ca_file = files_.ca_certificate;
    oem.certificate_file = files_.clients.at(1).certificate;
    oem.private_key_file = files_.clients.at(1).private_key;
    HttpsTestClient client(replicas_[replica]->server->port(), oem);
    client.connect();
    return client.request(method, target, body, {{"content-type", "application/json"}});
  }

  std::unique_ptr<testing::TempDirectory> pki_;
  DevCertificateFiles files_;
  MetricsRegistry metrics_;
  CallbackInbox inbox_;
  std::unique_ptr<HttpsServer> consumer_;
  std::string callback_;
  std::unique_ptr<PartnerAuthenticator> authenticator_;
  std::shared_ptr<const policies::PolicyLibrary> library_;
  std::unique_ptr<EdrTokenIssuer> tokens_;
  std::unique_ptr<TestTransport> transport_;
  DspProvider::Assets assets_;
  std::array<std::unique_ptr<Replica>, 2> replicas_;
};

TEST_F(DspProviderReplicasTest, AReplicaContinuesANegotiationAndTransferStartedOnAnother) {
  const std::string context =
      R"("@context": ["https://w3id.org/dspace/2025/1/context.jsonld", "https://w3id.org/catenax/2025/9/policy/context.jsonld"])";
  const HttpReply catalog = call(0, "POST", "/api/v1/dsp/2025-1/catalog/request",
                                 "{" + context + R"(, "@type": "CatalogRequestMessage"})");
  ASSERT_EQ(catalog.status, 200U) << catalog.body;
  rapidjson::Document document;
  document.Parse(catalog.body.c_str());
  rapidjson::StringBuffer offer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(offer);
  document["dataset"][0]["hasPolicy"][0].Accept(writer);

  // Requested on replica 0 …
  const HttpReply created = call(
      0, "POST", "/api/v1/dsp/2025-1/negotiations/request",
      "{" + context +
          R"(, "@type": "ContractRequestMessage", "consumerPid": "urn:uuid:c-replicas", "offer": )" +
          offer.GetString() + R"(, "callbackAddress": ")" + callback_ + "\"}");
  ASSERT_EQ(created.status, 201U) << created.body;
  rapidjson::Document ack;
  ack.Parse(created.body.c_str());
  const std::string pid = member(ack, "providerPid");
  const auto agreement = inbox_.await("/negotiations/urn:uuid:c-replicas/agreement");
  ASSERT_TRUE(agreement.has_value());
  rapidjson::Document agreement_message;
  agreement_message.Parse(agreement->body.c_str());
  const std::string agreement_id = member(agreement_message["agreement"], "@id");

  // … verified on replica 1, which finalizes it and sends the event.
  const HttpReply verified = call(
      1, "POST", "/api/v1/dsp/2025-1/negotiations/" + pid + "/agreement/verification",
      "{" + context + R"(, "@type": "ContractAgreementVerificationMessage", "providerPid": ")" +
          pid + R"(", "consumerPid": "urn:uuid:c-replicas"})");
  EXPECT_EQ(verified.status, 200U) << verified.body;
  EXPECT_TRUE(inbox_.await("/negotiations/urn:uuid:c-replicas/events").has_value());
  const HttpReply state = call(0, "GET", "/api/v1/dsp/2025-1/negotiations/" + pid);
  EXPECT_NE(state.body.find("FINALIZED"), std::string::npos) << state.body;

  // The transfer, on replica 1, for the agreement replica 0 made.
  const HttpReply transfer = call(
      1, "POST", "/api/v1/dsp/2025-1/transfers/request",
      "{" + context +
          R"(, "@type": "TransferRequestMessage", "consumerPid": "urn:uuid:t-replicas", "agreementId": ")" +
          agreement_id + R"(", "format": "HttpData-PULL", "callbackAddress": ")" + callback_ +
          "\"}");
  ASSERT_EQ(transfer.status, 201U) << transfer.body;
  const auto start = inbox_.await("/transfers/urn:uuid:t-replicas/start");
  ASSERT_TRUE(start.has_value());
  const auto address = startedAddress(start->body);
  ASSERT_TRUE(address.has_value());
  auto claims = tokens_->verify(*address->property("https://w3id.org/edc/v0.0.1/ns/authorization"),
                                EdrTokenKind::kAccess, std::chrono::system_clock::now());
  ASSERT_TRUE(claims.ok()) << claims.error().describe();
  EXPECT_EQ(claims.value().agreement_id, agreement_id);
}

}  // namespace
}  // namespace cxgw::gateway::dsp
