// cxgw as DSP consumer against cxgw as DSP provider, over real sockets and real TLS with mutual
// authentication: two in-process gateways (the supplier and the OEM), each with its own store,
// client certificate and partner registry that lists the other.
#include "cxgw/gateway/dsp/dsp_consumer.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

#include "cxgw/core/metrics.hpp"
#include "cxgw/gateway/dsp/https_dsp_transport.hpp"
#include "cxgw/gateway/http/https_server.hpp"
#include "cxgw/gateway/identity/mtls_partner_authenticator.hpp"
#include "cxgw/gateway/tls/dev_certificates.hpp"
#include "cxgw/policies/policy_library.hpp"
#include "cxgw/store/audit_trail.hpp"
#include "support/https_test_client.hpp"
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

constexpr const char* kSerialPart = "SerialPart-3.0.0";
constexpr const char* kSecret = "Secret-1.0.0";      // offered to kOtherMember only
constexpr const char* kGoverned = "Governed-1.0.0";  // its contract policy refuses the OEM

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
   "@type": "PolicyDefinition", "@id": "access-other",
   "policy": {"@type": "Set", "permission": [{"action": "access",
     "constraint": [{"leftOperand": "BusinessPartnerNumber", "operator": "isAnyOf",
                     "rightOperand": ["BPNL000000000OTH"]}]}]}},
  {"@context": ["https://w3id.org/catenax/2025/9/policy/odrl.jsonld",
                "https://w3id.org/catenax/2025/9/policy/context.jsonld",
                {"@vocab": "https://w3id.org/edc/v0.0.1/ns/"}],
   "@type": "PolicyDefinition", "@id": "usage-members",
   "policy": {"@type": "Set", "permission": [{"action": "use",
     "constraint": [{"leftOperand": "Membership", "operator": "eq", "rightOperand": "active"}]}]}},
  {"@context": ["https://w3id.org/catenax/2025/9/policy/odrl.jsonld",
                "https://w3id.org/catenax/2025/9/policy/context.jsonld",
                {"@vocab": "https://w3id.org/edc/v0.0.1/ns/"}],
   "@type": "PolicyDefinition", "@id": "usage-governance",
   "policy": {"@type": "Set", "permission": [{"action": "use",
     "constraint": [{"leftOperand": "FrameworkAgreement", "operator": "eq",
                     "rightOperand": "DataExchangeGovernance:1.0"}]}]}},
  {"@context": {"@vocab": "https://w3id.org/edc/v0.0.1/ns/"}, "@type": "ContractDefinition",
   "@id": "members", "accessPolicyId": "access-members", "contractPolicyId": "usage-members",
   "assetsSelector": [{"operandLeft": "https://w3id.org/edc/v0.0.1/ns/id", "operator": "=",
                       "operandRight": "SerialPart-3.0.0"}]},
  {"@context": {"@vocab": "https://w3id.org/edc/v0.0.1/ns/"}, "@type": "ContractDefinition",
   "@id": "secret", "accessPolicyId": "access-other", "contractPolicyId": "usage-members",
   "assetsSelector": [{"operandLeft": "https://w3id.org/edc/v0.0.1/ns/id", "operator": "=",
                       "operandRight": "Secret-1.0.0"}]},
  {"@context": {"@vocab": "https://w3id.org/edc/v0.0.1/ns/"}, "@type": "ContractDefinition",
   "@id": "governed", "accessPolicyId": "access-members", "contractPolicyId": "usage-governance",
   "assetsSelector": [{"operandLeft": "https://w3id.org/edc/v0.0.1/ns/id", "operator": "=",
                       "operandRight": "Governed-1.0.0"}]}
])";

// What a gateway's callback dispatcher sent, on top of sending it over HTTPS.
class RecordingTransport final : public DspTransport {
 public:
  struct Sent {
    std::string url;
    std::string body;
  };
  explicit RecordingTransport(DspTransport& inner) : inner_(inner) {}
  Result<unsigned> post(const std::string& url, const std::string& body) override {
    {
      std::lock_guard lock(mutex_);
      sent_.push_back({url, body});
    }
    return inner_.post(url, body);
  }
  std::vector<Sent> sentTo(const std::string& suffix) const {
    std::lock_guard lock(mutex_);
    std::vector<Sent> out;
    for (const auto& sent : sent_) {
      if (sent.url.size() >= suffix.size() &&
          sent.url.compare(sent.url.size() - suffix.size(), suffix.size(), suffix) == 0) {
        out.push_back(sent);
      }
    }
    return out;
  }

 private:
  DspTransport& inner_;
  mutable std::mutex mutex_;
  std::vector<Sent> sent_;
};

// One cxgw: HTTPS server, partner registry, store, DSP provider and consumer.
struct Gateway {
  std::string bpn;
  std::string url;  // https://localhost:<port>
  std::unique_ptr<HttpsServer> server;
  std::unique_ptr<PartnerAuthenticator> authenticator;
  std::unique_ptr<store::AuditTrail> audit = store::createMemoryAuditTrail();
  std::unique_ptr<PolicyDecisionPoint> decisions;
  std::unique_ptr<EdrTokenIssuer> tokens;
  std::unique_ptr<HttpsClient> client;
  std::unique_ptr<HttpsDspTransport> https_transport;
  std::unique_ptr<RecordingTransport> transport;
  std::unique_ptr<DspCallbackDispatcher> callbacks;
  std::unique_ptr<store::ProcessStore> processes = store::createMemoryProcessStore();
  std::unique_ptr<WorkerPool> workers = std::make_unique<WorkerPool>(4, 64);
  DspProvider::Assets assets;
  std::unique_ptr<DspProvider> provider;
  std::unique_ptr<DspConsumer> consumer;
  std::atomic<int64_t> clock_offset_seconds{0};  // the consumer's clock runs ahead by this

  ~Gateway() {
    // Stop everything that runs handlers or callbacks before the parts they use go.
    if (server) {
      server->shutdown();
      server->wait();
    }
    workers.reset();
    callbacks.reset();
  }
};

class DspConsumerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = new testing::TempDirectory("cxgw-dsp-consumer-pki");
    auto files = writeDevCertificates({pki_->path() / "pki", {kSupplier, kOem, kOtherMember}});
    ASSERT_TRUE(files.ok()) << files.error().describe();
    pki_files_ = new DevCertificateFiles(files.value());
  }
  static void TearDownTestSuite() {
    delete pki_files_;
    delete pki_;
  }

  static TlsClientOptions as(const std::string& bpn) {
    TlsClientOptions o;
    o.ca_file = pki_files_->ca_certificate;
    for (const auto& client : pki_files_->clients) {
      if (client.bpn == bpn) {
        o.certificate_file = client.certificate;
        o.private_key_file = client.private_key;
      }
    }
    return o;
  }

  ServerSettings serverSettings() const {
    ServerSettings s;
    s.bind_address = "127.0.0.1";
    s.port = 0;
    s.threads = 2;
    s.shutdown_grace = 5s;
    s.limits.max_body_bytes = 256 * 1024;
    s.tls.certificate_chain_file = pki_files_->server_certificate;
    s.tls.private_key_file = pki_files_->server_private_key;
    s.tls.client_ca_file = pki_files_->ca_certificate;
    s.tls.client_certificates = ClientCertificateMode::kOptional;
    return s;
  }

  static policies::PartnerClaims member(const std::string& bpn) {
    policies::PartnerClaims claims;
    claims.bpn = bpn;
    claims.catena_x_member = true;
    return claims;
  }

  std::unique_ptr<Gateway> makeGateway(const std::string& bpn,
                                       std::vector<policies::PartnerClaims> partners,
                                       DspProvider::Assets assets, bool with_provider) {
    auto g = std::make_unique<Gateway>();
    g->bpn = bpn;
    g->assets = std::move(assets);
    auto server = HttpsServer::create(serverSettings(), metrics_);
    EXPECT_TRUE(server.ok()) << server.error().describe();
    if (!server) return nullptr;
    g->server = std::move(server).value();
    g->url = "https://localhost:" + std::to_string(g->server->port());
    auto registry = PartnerRegistry::create(std::move(partners));
    EXPECT_TRUE(registry.ok());
    g->authenticator = std::make_unique<MtlsPartnerAuthenticator>(registry.value());
    g->decisions = std::make_unique<PolicyDecisionPoint>(
        [this] { return library_; }, *g->audit, [] { return std::chrono::system_clock::now(); });
    auto key = EdrSigningKey::generate();
    EXPECT_TRUE(key.ok());
    g->tokens = std::make_unique<EdrTokenIssuer>(key.value(), bpn);
    HttpsClientSettings client;
    client.ca_file = pki_files_->ca_certificate;
    for (const auto& certificate : pki_files_->clients) {
      if (certificate.bpn == bpn) {
        client.certificate_chain_file = certificate.certificate;
        client.private_key_file = certificate.private_key;
      }
    }
    auto created = HttpsClient::create(client);
    EXPECT_TRUE(created.ok()) << created.error().describe();
    g->client = std::move(created).value();
    g->https_transport = std::make_unique<HttpsDspTransport>(*g->client);
    g->transport = std::make_unique<RecordingTransport>(*g->https_transport);
    g->callbacks = std::make_unique<DspCallbackDispatcher>(*g->transport,
                                                           CallbackRetryPolicy{3, 50ms, 200ms}, 2);
    Gateway* raw = g.get();
    const auto now = [] { return std::chrono::system_clock::now(); };
    auto router = std::make_shared<Router>();
    g->consumer = std::make_unique<DspConsumer>(
        DspConsumerSettings{bpn, g->url + "/api/v1/dsp/2025-1", 10s},
        DspConsumer::Dependencies{*g->client, *g->processes, *g->authenticator, *g->workers,
                                  [raw] {
                                    return std::chrono::system_clock::now() +
                                           std::chrono::seconds(raw->clock_offset_seconds.load());
                                  },
                                  schemas::JsonLdExpander()});
    if (with_provider) {
      g->provider = std::make_unique<DspProvider>(
          DspProviderSettings{bpn, g->url, 300s, 1000},
          DspProvider::Dependencies{*g->authenticator, *g->decisions, [raw] { return raw->assets; },
                                    *g->processes, *g->callbacks, *g->tokens, *g->workers, now,
                                    schemas::JsonLdExpander()});
      g->provider->addRoutes(*router);
      g->consumer->attachTo(*g->provider);
    }
    for (DspVersion version : {DspVersion::kV08, DspVersion::k2025_1}) {
      g->consumer->addRoutes(*router, version);
      if (!with_provider) g->consumer->addSharedRoutes(*router, version);
    }
    g->server->start(router, false);
    return g;
  }

  void SetUp() override {
    policies::PolicyLibraryBuilder builder;
    auto expanded = schemas::JsonLdExpander().expand(kLibrary);
    ASSERT_TRUE(expanded.ok()) << expanded.error().describe();
    builder.addDocument("library.jsonld", expanded.value());
    auto library = builder.build();
    ASSERT_TRUE(library.ok()) << library.error().describe();
    library_ = library.value();

    auto assets = std::make_shared<std::vector<policies::AssetDescription>>();
    for (const char* id : {kSerialPart, kSecret, kGoverned}) {
      assets->push_back({id, {{std::string(policies::kAssetIdProperty), id}}});
    }
    supplier_ = makeGateway(kSupplier, {member(kOem), member(kOtherMember)}, assets, true);
    ASSERT_TRUE(supplier_);
    startOem(true);
  }

  void startOem(bool with_provider) {
    oem_.reset();
    oem_ = makeGateway(kOem, {member(kSupplier), member(kOtherMember)},
                       std::make_shared<std::vector<policies::AssetDescription>>(), with_provider);
    ASSERT_TRUE(oem_);
  }

  void TearDown() override {
    oem_.reset();
    supplier_.reset();
  }

  static std::string base(DspVersion version) {
    return version == DspVersion::kV08 ? "/api/v1/dsp" : "/api/v1/dsp/2025-1";
  }

  FetchRequest request(const std::string& asset, DspVersion version = DspVersion::k2025_1) const {
    return {supplier_->url + base(version), version, asset, kSupplier};
  }

  // A request to the OEM gateway with `bpn`'s client certificate.
  HttpReply callOem(const std::string& bpn, const std::string& target, const std::string& body) {
    HttpsTestClient client(oem_->server->port(), as(bpn));
    client.connect();
    return client.request("POST", target, body, {{"content-type", "application/json"}});
  }

  // The path of a URL of the OEM gateway.
  std::string pathOf(const std::string& url) const {
    EXPECT_EQ(url.compare(0, oem_->url.size(), oem_->url), 0) << url;
    return url.substr(oem_->url.size());
  }

  static std::string processMessage(const std::string& type, const std::string& provider_pid,
                                    const std::string& consumer_pid,
                                    const std::string& extra = "") {
    return R"({"@context": ["https://w3id.org/dspace/2025/1/context.jsonld"], "@type": ")" + type +
           R"(", "providerPid": ")" + provider_pid + R"(", "consumerPid": ")" + consumer_pid +
           "\"" + extra + "}";
  }

  store::ContractNegotiationRecord oemNegotiation(const std::string& id) {
    auto record = oem_->processes->negotiation(id);
    EXPECT_TRUE(record.ok() && record.value()) << id;
    return record.ok() && record.value() ? *record.value() : store::ContractNegotiationRecord{};
  }
  store::TransferProcessRecord oemTransfer(const std::string& id) {
    auto record = oem_->processes->transfer(id);
    EXPECT_TRUE(record.ok() && record.value()) << id;
    return record.ok() && record.value() ? *record.value() : store::TransferProcessRecord{};
  }

  size_t agreementsHeld(Gateway& gateway, store::ProcessRole role, const std::string& asset) {
    auto agreements = gateway.processes->agreementsForAsset(role, asset);
    EXPECT_TRUE(agreements.ok());
    return agreements.ok() ? agreements.value().size() : 0;
  }

  void expectFullFetch(DspVersion version) {
    auto outcome = oem_->consumer->fetch(request(kSerialPart, version));
    ASSERT_TRUE(outcome.ok()) << outcome.error().describe();
    const FetchOutcome& o = outcome.value();
    EXPECT_FALSE(o.reused_agreement);
    EXPECT_FALSE(o.reused_transfer);
    EXPECT_FALSE(o.agreement_id.empty());

    auto claims = supplier_->tokens->verify(o.edr.access_token, EdrTokenKind::kAccess,
                                            std::chrono::system_clock::now());
    ASSERT_TRUE(claims.ok()) << claims.error().describe();
    EXPECT_EQ(claims.value().agreement_id, o.agreement_id);
    EXPECT_EQ(claims.value().asset_id, kSerialPart);
    EXPECT_EQ(claims.value().partner_bpn, kOem);
    EXPECT_EQ(claims.value().transfer_process_id, o.transfer_provider_pid);
    EXPECT_TRUE(
        supplier_->tokens
            ->verify(o.edr.refresh_token, EdrTokenKind::kRefresh, std::chrono::system_clock::now())
            .ok());
    EXPECT_EQ(o.edr.endpoint, supplier_->url + "/api/public");
    ASSERT_TRUE(o.edr.expires_at.has_value());
    EXPECT_EQ(std::chrono::time_point_cast<std::chrono::seconds>(*o.edr.expires_at),
              std::chrono::time_point_cast<std::chrono::seconds>(claims.value().expires_at));

    // Reported, not asserted against a budget.
    EXPECT_GT(o.latencies.catalog.count(), 0);
    EXPECT_GT(o.latencies.negotiation.count(), 0);
    EXPECT_GT(o.latencies.transfer.count(), 0);

    // Both sides agree on the outcome.
    const auto negotiation = oemNegotiation(o.negotiation_pid);
    EXPECT_EQ(negotiation.role, store::ProcessRole::kConsumer);
    EXPECT_EQ(negotiation.state, "FINALIZED");
    EXPECT_EQ(negotiation.protocol, dspProtocolId(version));
    auto provider_side = supplier_->processes->negotiation(negotiation.provider_pid);
    ASSERT_TRUE(provider_side.ok() && provider_side.value());
    EXPECT_EQ(provider_side.value()->state, "FINALIZED");
    EXPECT_EQ(provider_side.value()->consumer_pid, o.negotiation_pid);
    const auto transfer = oemTransfer(o.transfer_pid);
    EXPECT_EQ(transfer.state, "STARTED");
    EXPECT_EQ(transfer.provider_pid, o.transfer_provider_pid);
    EXPECT_NE(transfer.data_address_json.find(o.edr.access_token), std::string::npos);
    auto agreement = oem_->processes->agreement(o.agreement_id);
    ASSERT_TRUE(agreement.ok() && agreement.value());
    EXPECT_EQ(agreement.value()->role, store::ProcessRole::kConsumer);
    EXPECT_EQ(agreement.value()->provider_bpn, kSupplier);
    EXPECT_EQ(agreement.value()->consumer_bpn, kOem);
    EXPECT_EQ(agreement.value()->asset_id, kSerialPart);
  }

  static testing::TempDirectory* pki_;
  static DevCertificateFiles* pki_files_;
  MetricsRegistry metrics_;
  std::shared_ptr<const policies::PolicyLibrary> library_;
  std::unique_ptr<Gateway> supplier_;
  std::unique_ptr<Gateway> oem_;
};

testing::TempDirectory* DspConsumerTest::pki_ = nullptr;
DevCertificateFiles* DspConsumerTest::pki_files_ = nullptr;

TEST_F(DspConsumerTest, FetchReachesAVerifiableEdrInVersion2025_1) {
  expectFullFetch(DspVersion::k2025_1);
}

TEST_F(DspConsumerTest, FetchReachesAVerifiableEdrInVersion0_8) {
  expectFullFetch(DspVersion::kV08);
}

TEST_F(DspConsumerTest, AConsumerWithoutAProviderServesTheSharedCallbacksItself) {
  startOem(false);
  expectFullFetch(DspVersion::k2025_1);
}

TEST_F(DspConsumerTest, ACallbackThatReachesAnotherReplicaCompletesTheFetchThroughTheStore) {
  // This replica serves no routes: the provider's callbacks reach the OEM gateway's server, which
  // shares its store, so the fetch learns of them by reading the store.
  WorkerPool workers(1, 8);
  DspConsumer replica(
      DspConsumerSettings{kOem, oem_->url + "/api/v1/dsp/2025-1", 10s},
      DspConsumer::Dependencies{*oem_->client, *oem_->processes, *oem_->authenticator, workers,
                                [] { return std::chrono::system_clock::now(); },
                                schemas::JsonLdExpander()});
  auto outcome = replica.fetch(request(kSerialPart));
  ASSERT_TRUE(outcome.ok()) << outcome.error().describe();
  EXPECT_TRUE(supplier_->tokens
                  ->verify(outcome.value().edr.access_token, EdrTokenKind::kAccess,
                           std::chrono::system_clock::now())
                  .ok());
  auto reused = oem_->consumer->fetch(request(kSerialPart));
  ASSERT_TRUE(reused.ok()) << reused.error().describe();
  EXPECT_TRUE(reused.value().reused_transfer);
  EXPECT_EQ(reused.value().transfer_pid, outcome.value().transfer_pid);
}

TEST_F(DspConsumerTest, ASecondFetchReusesTheAgreementAndTheEdr) {
  auto first = oem_->consumer->fetch(request(kSerialPart));
  ASSERT_TRUE(first.ok()) << first.error().describe();
  auto second = oem_->consumer->fetch(request(kSerialPart));
  ASSERT_TRUE(second.ok()) << second.error().describe();
  EXPECT_TRUE(second.value().reused_agreement);
  EXPECT_TRUE(second.value().reused_transfer);
  EXPECT_EQ(second.value().agreement_id, first.value().agreement_id);
  EXPECT_EQ(second.value().transfer_pid, first.value().transfer_pid);
  EXPECT_EQ(second.value().edr.access_token, first.value().edr.access_token);
  EXPECT_EQ(second.value().latencies.catalog.count(), 0);
  EXPECT_EQ(agreementsHeld(*supplier_, store::ProcessRole::kProvider, kSerialPart), 1U);
  EXPECT_EQ(supplier_->transport->sentTo("/agreement").size(), 1U);
  EXPECT_EQ(supplier_->transport->sentTo("/start").size(), 1U);
}

TEST_F(DspConsumerTest, AnExpiredEdrIsReplacedUnderTheSameAgreement) {
  auto first = oem_->consumer->fetch(request(kSerialPart));
  ASSERT_TRUE(first.ok()) << first.error().describe();
  oem_->clock_offset_seconds = 3600;  // the supplier's EDRs live 300 s
  auto second = oem_->consumer->fetch(request(kSerialPart));
  ASSERT_TRUE(second.ok()) << second.error().describe();
  EXPECT_TRUE(second.value().reused_agreement);
  EXPECT_FALSE(second.value().reused_transfer);
  EXPECT_EQ(second.value().agreement_id, first.value().agreement_id);
  EXPECT_NE(second.value().transfer_pid, first.value().transfer_pid);
  EXPECT_EQ(second.value().latencies.negotiation.count(), 0);
  EXPECT_GT(second.value().latencies.transfer.count(), 0);
  EXPECT_TRUE(supplier_->tokens
                  ->verify(second.value().edr.access_token, EdrTokenKind::kAccess,
                           std::chrono::system_clock::now())
                  .ok());
  EXPECT_EQ(agreementsHeld(*supplier_, store::ProcessRole::kProvider, kSerialPart), 1U);
  EXPECT_EQ(supplier_->transport->sentTo("/start").size(), 2U);
}

TEST_F(DspConsumerTest, AnAssetTheConsumerMayNotSeeFailsAtTheCatalog) {
  auto outcome = oem_->consumer->fetch(request(kSecret));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().key, "catalog");
  EXPECT_EQ(outcome.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(outcome.error().describe().rfind("catalog: ", 0), 0U) << outcome.error().describe();
  EXPECT_NE(outcome.error().message.find(kSecret), std::string::npos);
  EXPECT_EQ(supplier_->transport->sentTo("/agreement").size(), 0U);

  // The asset exists: the supplier offers it to another partner.
  HttpsTestClient other(supplier_->server->port(), as(kOtherMember));
  other.connect();
  const HttpReply catalog =
      other.request("POST", "/api/v1/dsp/2025-1/catalog/request",
                    R"({"@context": ["https://w3id.org/dspace/2025/1/context.jsonld"],
          "@type": "CatalogRequestMessage"})",
                    {{"content-type", "application/json"}});
  EXPECT_EQ(catalog.status, 200U);
  EXPECT_NE(catalog.body.find(kSecret), std::string::npos) << catalog.body;
}

TEST_F(DspConsumerTest, ACatalogOfAnotherParticipantIsRefused) {
  FetchRequest wrong = request(kSerialPart);
  wrong.provider_bpn = kOtherMember;
  auto outcome = oem_->consumer->fetch(wrong);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().key, "catalog");
  EXPECT_NE(outcome.error().message.find(kSupplier), std::string::npos);
}

TEST_F(DspConsumerTest, BadRequestsAndAnUnreachableProviderNameTheirStep) {
  FetchRequest plain = request(kSerialPart);
  plain.provider_dsp_url = "http://localhost:1/api/v1/dsp/2025-1";
  auto refused = oem_->consumer->fetch(plain);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().key, "request");

  FetchRequest nowhere = request(kSerialPart);
  nowhere.provider_dsp_url = "https://localhost:1/api/v1/dsp/2025-1";
  auto unreachable = oem_->consumer->fetch(nowhere);
  ASSERT_FALSE(unreachable.ok());
  EXPECT_EQ(unreachable.error().key, "catalog");
  EXPECT_EQ(unreachable.error().code, ErrorCode::kUnavailable);
}

TEST_F(DspConsumerTest, APolicyTheProviderRefusesFailsWithTheProvidersReason) {
  auto outcome = oem_->consumer->fetch(request(kGoverned));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().key, "negotiation");
  EXPECT_EQ(outcome.error().code, ErrorCode::kPermissionDenied);
  const auto terminations = supplier_->transport->sentTo("/termination");
  ASSERT_EQ(terminations.size(), 1U);
  const DspCodec codec(DspVersion::k2025_1, schemas::JsonLdExpander());
  auto message = codec.read(terminations[0].body, {"ContractNegotiationTerminationMessage"});
  ASSERT_TRUE(message.ok()) << message.error().describe();
  const auto& reasons = std::get<NegotiationTerminationMessage>(message.value()).reasons;
  ASSERT_FALSE(reasons.empty());
  ASSERT_FALSE(reasons[0].empty());
  EXPECT_NE(outcome.error().message.find(reasons[0]), std::string::npos)
      << outcome.error().message << " / " << reasons[0];
  EXPECT_EQ(agreementsHeld(*oem_, store::ProcessRole::kConsumer, kGoverned), 0U);
}

TEST_F(DspConsumerTest, ACallbackFromAThirdPartyForOurProcessIsNotFound) {
  auto outcome = oem_->consumer->fetch(request(kSerialPart));
  ASSERT_TRUE(outcome.ok()) << outcome.error().describe();
  const std::string negotiation = outcome.value().negotiation_pid;
  const std::string transfer = outcome.value().transfer_pid;
  const std::string provider_negotiation = oemNegotiation(negotiation).provider_pid;
  const std::string provider_transfer = outcome.value().transfer_provider_pid;
  const auto agreement = supplier_->transport->sentTo("/agreement");
  ASSERT_EQ(agreement.size(), 1U);

  const HttpReply foreign_termination = callOem(
      kOtherMember, base(DspVersion::k2025_1) + "/negotiations/" + negotiation + "/termination",
      processMessage("ContractNegotiationTerminationMessage", provider_negotiation, negotiation));
  EXPECT_EQ(foreign_termination.status, 404U) << foreign_termination.body;
  EXPECT_NE(foreign_termination.body.find("ContractNegotiationError"), std::string::npos);
  const HttpReply foreign_agreement =
      callOem(kOtherMember, pathOf(agreement[0].url), agreement[0].body);
  EXPECT_EQ(foreign_agreement.status, 404U) << foreign_agreement.body;
  const HttpReply foreign_transfer =
      callOem(kOtherMember, base(DspVersion::k2025_1) + "/transfers/" + transfer + "/termination",
              processMessage("TransferTerminationMessage", provider_transfer, transfer));
  EXPECT_EQ(foreign_transfer.status, 404U) << foreign_transfer.body;
  EXPECT_NE(foreign_transfer.body.find("TransferError"), std::string::npos);
  EXPECT_EQ(oemNegotiation(negotiation).state, "FINALIZED");
  EXPECT_EQ(oemTransfer(transfer).state, "STARTED");

  // The same message from the provider is taken.
  const HttpReply own_transfer =
      callOem(kSupplier, base(DspVersion::k2025_1) + "/transfers/" + transfer + "/termination",
              processMessage("TransferTerminationMessage", provider_transfer, transfer,
                             R"(, "code": "done", "reason": ["no longer needed"])"));
  EXPECT_EQ(own_transfer.status, 200U) << own_transfer.body;
  const auto terminated = oemTransfer(transfer);
  EXPECT_EQ(terminated.state, "TERMINATED");
  EXPECT_NE(terminated.error_detail.find("no longer needed"), std::string::npos);
  // A terminated transfer's EDR is not handed out again.
  auto again = oem_->consumer->fetch(request(kSerialPart));
  ASSERT_TRUE(again.ok()) << again.error().describe();
  EXPECT_TRUE(again.value().reused_agreement);
  EXPECT_FALSE(again.value().reused_transfer);
}

TEST_F(DspConsumerTest, ARepeatedAgreementIsAcceptedAndStoredOnce) {
  auto outcome = oem_->consumer->fetch(request(kSerialPart));
  ASSERT_TRUE(outcome.ok()) << outcome.error().describe();
  const auto before = oemNegotiation(outcome.value().negotiation_pid);
  const auto agreement = supplier_->transport->sentTo("/agreement");
  ASSERT_EQ(agreement.size(), 1U);
  const HttpReply repeated = callOem(kSupplier, pathOf(agreement[0].url), agreement[0].body);
  EXPECT_EQ(repeated.status, 200U) << repeated.body;
  EXPECT_EQ(agreementsHeld(*oem_, store::ProcessRole::kConsumer, kSerialPart), 1U);
  const auto after = oemNegotiation(outcome.value().negotiation_pid);
  EXPECT_EQ(after.version, before.version);
  EXPECT_EQ(after.state, "FINALIZED");
  // A repeated FINALIZED event too.
  const auto events = supplier_->transport->sentTo("/events");
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(callOem(kSupplier, pathOf(events[0].url), events[0].body).status, 200U);
  EXPECT_EQ(oemNegotiation(outcome.value().negotiation_pid).version, before.version);
}

TEST_F(DspConsumerTest, AnAgreementForAnotherAssetOrPolicyIsRefusedAndTerminated) {
  auto outcome = oem_->consumer->fetch(request(kSerialPart));
  ASSERT_TRUE(outcome.ok()) << outcome.error().describe();
  const auto real = oemNegotiation(outcome.value().negotiation_pid);
  const auto agreement = supplier_->transport->sentTo("/agreement");
  ASSERT_EQ(agreement.size(), 1U);

  const auto pending = [&](const std::string& id, const std::string& asset,
                           const std::string& policy) {
    store::ContractNegotiationRecord record = real;
    record.id = id;
    record.consumer_pid = id;
    record.provider_pid.clear();
    record.agreement_id.clear();
    record.asset_id = asset;
    record.policy_json = policy;
    record.state = "REQUESTED";
    ASSERT_TRUE(oem_->processes->createNegotiation(record).ok());
  };
  const auto replay = [&](const std::string& id) {
    std::string body = agreement[0].body;
    const size_t at = body.find(real.id);
    EXPECT_NE(at, std::string::npos);
    body.replace(at, real.id.size(), id);
    return callOem(kSupplier, base(DspVersion::k2025_1) + "/negotiations/" + id + "/agreement",
                   body);
  };

  pending("urn:uuid:c-other-asset", "Other-1.0.0", real.policy_json);
  const HttpReply other_asset = replay("urn:uuid:c-other-asset");
  EXPECT_EQ(other_asset.status, 400U) << other_asset.body;
  const auto refused_asset = oemNegotiation("urn:uuid:c-other-asset");
  EXPECT_EQ(refused_asset.state, "TERMINATED");
  EXPECT_NE(refused_asset.error_detail.find("target"), std::string::npos)
      << refused_asset.error_detail;

  std::string changed = real.policy_json;
  const size_t active = changed.find("active");
  ASSERT_NE(active, std::string::npos) << changed;
  changed.replace(active, 6, "inactive");
  pending("urn:uuid:c-other-policy", kSerialPart, changed);
  const HttpReply other_policy = replay("urn:uuid:c-other-policy");
  EXPECT_EQ(other_policy.status, 400U) << other_policy.body;
  const auto refused_policy = oemNegotiation("urn:uuid:c-other-policy");
  EXPECT_EQ(refused_policy.state, "TERMINATED");
  EXPECT_NE(refused_policy.error_detail.find("policy"), std::string::npos)
      << refused_policy.error_detail;
  EXPECT_EQ(agreementsHeld(*oem_, store::ProcessRole::kConsumer, kSerialPart), 1U);

  // Asset and offer match, but the agreement id belongs to the first negotiation: refused,
  // nothing stored twice.
  pending("urn:uuid:c-same", kSerialPart, real.policy_json);
  const HttpReply same = replay("urn:uuid:c-same");
  EXPECT_EQ(same.status, 400U) << same.body;
  EXPECT_NE(same.body.find("already in use"), std::string::npos) << same.body;
  EXPECT_EQ(agreementsHeld(*oem_, store::ProcessRole::kConsumer, kSerialPart), 1U);
}

TEST_F(DspConsumerTest, InvalidTransitionsCounterOffersAndUnknownPidsAreRefused) {
  store::ContractNegotiationRecord record;
  record.id = "urn:uuid:c-early";
  record.role = store::ProcessRole::kConsumer;
  record.consumer_pid = record.id;
  record.counterparty_bpn = kSupplier;
  record.counterparty_address = supplier_->url + base(DspVersion::k2025_1);
  record.protocol = std::string(dspProtocolId(DspVersion::k2025_1));
  record.state = "REQUESTED";
  record.asset_id = kSerialPart;
  ASSERT_TRUE(oem_->processes->createNegotiation(record).ok());
  const std::string negotiations = base(DspVersion::k2025_1) + "/negotiations/";

  const HttpReply early =
      callOem(kSupplier, negotiations + record.id + "/events",
              processMessage("ContractNegotiationEventMessage", "urn:uuid:p-early", record.id,
                             R"(, "eventType": "FINALIZED")"));
  EXPECT_EQ(early.status, 400U) << early.body;
  EXPECT_NE(early.body.find("ContractNegotiationError"), std::string::npos) << early.body;
  EXPECT_NE(early.body.find("REQUESTED"), std::string::npos) << early.body;

  const HttpReply counter =
      callOem(kSupplier, negotiations + record.id + "/offers",
              processMessage("ContractOfferMessage", "urn:uuid:p-early", record.id));
  EXPECT_EQ(counter.status, 400U) << counter.body;
  EXPECT_NE(counter.body.find("ContractNegotiationError"), std::string::npos) << counter.body;
  EXPECT_EQ(oemNegotiation(record.id).state, "REQUESTED");

  const HttpReply terminated = callOem(
      kSupplier, negotiations + record.id + "/termination",
      processMessage("ContractNegotiationTerminationMessage", "urn:uuid:p-early", record.id));
  EXPECT_EQ(terminated.status, 200U) << terminated.body;
  EXPECT_EQ(oemNegotiation(record.id).state, "TERMINATED");
  const HttpReply again = callOem(
      kSupplier, negotiations + record.id + "/termination",
      processMessage("ContractNegotiationTerminationMessage", "urn:uuid:p-early", record.id));
  EXPECT_EQ(again.status, 200U) << again.body;

  const std::pair<const char*, const char*> unknown_pids[] = {
      {"/negotiations/urn:uuid:none/termination", "ContractNegotiationTerminationMessage"},
      {"/negotiations/urn:uuid:none/agreement", "ContractAgreementMessage"},
      {"/negotiations/urn:uuid:none/offers", "ContractOfferMessage"},
      {"/transfers/urn:uuid:none/start", "TransferStartMessage"},
      {"/transfers/urn:uuid:none/completion", "TransferCompletionMessage"}};
  for (const auto& [path, type] : unknown_pids) {
    const HttpReply unknown = callOem(kSupplier, base(DspVersion::k2025_1) + path,
                                      processMessage(type, "urn:uuid:p", "urn:uuid:none"));
    EXPECT_EQ(unknown.status, 404U) << path << ": " << unknown.body;
  }
  // Without a client certificate nothing is answered but 401.
  HttpsTestClient anonymous(oem_->server->port(), [] {
    TlsClientOptions o;
    o.ca_file = pki_files_->ca_certificate;
    return o;
  }());
  anonymous.connect();
  EXPECT_EQ(anonymous.request("POST", negotiations + record.id + "/agreement", "{}").status, 401U);
}

}  // namespace
}  // namespace cxgw::gateway::dsp
