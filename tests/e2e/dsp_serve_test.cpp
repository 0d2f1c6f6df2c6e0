// The Dataspace Protocol endpoints of a real `cxgw serve` process, configured as an operator
// would (dsp.*, a partner registry, the example policy library), over HTTPS with client
// certificates from `cxgw dev-certs`. The test plays the partner's connector, including the
// callback server the gateway posts its agreement to (with its own client certificate,
// verified against dsp.partner_ca).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <fstream>
#include <mutex>
#include <pqxx/pqxx>

#include "cxgw/adapters/twin_identity.hpp"
#include "cxgw/core/metrics.hpp"
#include "cxgw/gateway/http/https_server.hpp"
#include "integration/test_erp.hpp"
#include "support/cxgw_process.hpp"
#include "support/https_test_client.hpp"
#include "support/postgres_cluster.hpp"
#include "support/temp_directory.hpp"

namespace cxgw {
namespace {

using namespace std::chrono_literals;

constexpr const char* kOem = "BPNL000000000OEM";
constexpr const char* kNonMember = "BPNL0000000TRUCK";
const std::filesystem::path kExamples =
    std::filesystem::path(CXGW_SOURCE_DIR) / "policies/examples";

class DspServe : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto certs = testing::runCxgw({"dev-certs", (dir_.path() / "certs").string(),
                                         "--client-bpn", kOem, "--client-bpn", kNonMember});
    ASSERT_EQ(certs.exit_code, 0) << certs.output;
    std::filesystem::create_directories(dir_.path() / "policies");
    for (const auto& entry : std::filesystem::directory_iterator(kExamples)) {
      std::filesystem::copy_file(entry.path(), dir_.path() / "policies" / entry.path().filename());
    }
    dir_.write("partners.yaml", std::string("partners:\n") + "  - bpn: " + kOem +
                                    "\n    membership: true\n"
                                    "    framework_agreements: [DataExchangeGovernance:1.0]\n" +
                                    "  - bpn: " + kNonMember + "\n    membership: false\n");
    const auto config =
        dir_.write("gateway.yaml",
                   "server:\n  bind_address: 127.0.0.1\n  port: 0\n  tls:\n"
                   "    certificate_chain: certs/server.crt\n    private_key: certs/server.key\n"
                   "    client_certificates: optional\n    client_ca: certs/ca.crt\n"
                   "supplier:\n  bpnl: BPNL00000000SUPP\n"
                   "policies:\n  directory: policies\n"
                   "dsp:\n  public_url: https://localhost:8443\n  partner_registry: partners.yaml\n"
                   "  token_signing_key: certs/edr-signing.key\n  callback_attempts: 2\n");
    server_ = testing::startCxgw({"serve", "--config", config.string()});
    ASSERT_TRUE(server_);
    const auto listening = testing::awaitLogLine(*server_, "listening");
    ASSERT_TRUE(listening.IsObject());
    port_ = static_cast<uint16_t>(listening["port"].GetUint());
  }

  void TearDown() override {
    if (server_) {
      server_->sendSignal(SIGTERM);
      EXPECT_EQ(server_->waitFor(30s), 0);
    }
  }

  testing::TlsClientOptions as(const std::string& bpn) const {
    testing::TlsClientOptions options;
    options.ca_file = dir_.path() / "certs/ca.crt";
    if (!bpn.empty()) {
      options.certificate_file = dir_.path() / ("certs/client-" + bpn + ".crt");
      options.private_key_file = dir_.path() / ("certs/client-" + bpn + ".key");
    }
    return options;
  }

  testing::HttpReply post(const std::string& bpn, const std::string& path,
                          const std::string& body) {
    testing::HttpsTestClient client(port_, as(bpn));
    client.connect();
    return client.request("POST", path, body, {{"content-type", "application/json"}});
  }

  testing::HttpReply catalog(const std::string& bpn) {
    return post(bpn, "/api/v1/dsp/2025-1/catalog/request",
                R"({"@context": ["https://w3id.org/dspace/2025/1/context.jsonld"],
                    "@type": "CatalogRequestMessage"})");
  }

  testing::TempDirectory dir_{"cxgw-dsp-e2e"};
  std::unique_ptr<testing::ChildProcess> server_;
  uint16_t port_ = 0;
};

TEST_F(DspServe, TheVersionDocumentNamesBothVersions) {
  const auto reply = testing::httpsGet(port_, as(""), "/.well-known/dspace-version");
  ASSERT_EQ(reply.status, 200U);
  EXPECT_NE(reply.body.find("\"/api/v1/dsp/2025-1\""), std::string::npos) << reply.body;
  EXPECT_NE(reply.body.find("\"/api/v1/dsp\""), std::string::npos) << reply.body;
}

TEST_F(DspServe, TheCatalogFollowsTheAccessPolicyAndNeedsACertificate) {
  const auto member = catalog(kOem);
  ASSERT_EQ(member.status, 200U) << member.body;
  EXPECT_NE(member.body.find("\"@id\":\"digital-twin-registry\""), std::string::npos)
      << member.body;
  EXPECT_NE(member.body.find("DigitalTwinRegistry"), std::string::npos) << member.body;
  const auto outsider = catalog(kNonMember);
  ASSERT_EQ(outsider.status, 200U) << outsider.body;
  EXPECT_EQ(outsider.body.find("digital-twin-registry"), std::string::npos) << outsider.body;
  const auto anonymous = catalog("");
  EXPECT_EQ(anonymous.status, 401U);
  EXPECT_EQ(anonymous.body.find("digital-twin-registry"), std::string::npos) << anonymous.body;
}

TEST_F(DspServe, ANegotiationGetsItsAgreementAtTheCallbackAddress) {
  // The partner's callback server, with the same dev CA (the gateway verifies it with
  // dsp.partner_ca, which defaults to server.tls.client_ca).
  MetricsRegistry metrics;
  ServerSettings settings;
  settings.bind_address = "127.0.0.1";
  settings.port = 0;
  settings.threads = 1;
  settings.shutdown_grace = 2s;
  settings.tls.certificate_chain_file = dir_.path() / "certs/server.crt";
  settings.tls.private_key_file = dir_.path() / "certs/server.key";
  settings.tls.client_ca_file = dir_.path() / "certs/ca.crt";
  settings.tls.client_certificates = ClientCertificateMode::kRequired;
  auto callbacks = gateway::HttpsServer::create(settings, metrics);
  ASSERT_TRUE(callbacks.ok()) << callbacks.error().describe();
  std::mutex mutex;
  std::condition_variable arrived;
  std::string agreement;
  std::string sender;
  auto routes = std::make_shared<gateway::Router>();
  routes->add("POST", "/cb/negotiations/{pid}/agreement",
              gateway::Handler([&](const gateway::HttpRequest& request) {
                std::lock_guard lock(mutex);
                agreement = request.body;
                sender = request.peer ? request.peer->common_name : "";
                arrived.notify_all();
                return gateway::HttpResponse::json(200, "{}");
              }));
  callbacks.value()->start(routes, false);

  const auto offered = catalog(kOem);
  rapidjson::Document document;
  document.Parse(offered.body.c_str());
  ASSERT_TRUE(document.IsObject() && document.HasMember("dataset")) << offered.body;
  rapidjson::StringBuffer offer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(offer);
  document["dataset"][0]["hasPolicy"][0].Accept(writer);
  const auto created =
      post(kOem, "/api/v1/dsp/2025-1/negotiations/request",
           std::string(R"({"@context": ["https://w3id.org/dspace/2025/1/context.jsonld",
                                   "https://w3id.org/catenax/2025/9/policy/context.jsonld"],
                      "@type": "ContractRequestMessage", "consumerPid": "urn:uuid:e2e-consumer",
                      "offer": )") +
               offer.GetString() + R"(, "callbackAddress": "https://localhost:)" +
               std::to_string(callbacks.value()->port()) + "/cb\"}");
  EXPECT_EQ(created.status, 201U) << created.body;
  {
    std::unique_lock lock(mutex);
    arrived.wait_for(lock, 30s, [&] { return !agreement.empty(); });
  }
  EXPECT_NE(agreement.find("ContractAgreementMessage"), std::string::npos) << agreement;
  EXPECT_NE(agreement.find(kOem), std::string::npos) << "the assignee: " << agreement;
  EXPECT_EQ(sender, "localhost") << "the gateway presents its own certificate";
  callbacks.value()->shutdown();
  callbacks.value()->wait();
}

// A TCP port that is free right now (the consumer's callback URL must name its port before
// `cxgw fetch` starts).
uint16_t freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  ::close(fd);
  return ntohs(address.sin_port);
}

std::string readText(const std::filesystem::path& file) {
  std::ifstream in(file);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The gateways of the two-gateway tests, each with its own CA (`cxgw dev-certs`) and a server
// certificate naming its BPNL, all trusting each other's CAs (trusted-cas.pem).
void writeGatewayCertificates(testing::TempDirectory& dir,
                              const std::vector<std::pair<std::string, std::string>>& gateways) {
  std::string trusted;
  for (const auto& [name, bpn] : gateways) {
    const auto certs = testing::runCxgw(
        {"dev-certs", (dir.path() / name / "certs").string(), "--server-bpn", bpn});
    ASSERT_EQ(certs.exit_code, 0) << certs.output;
    trusted += readText(dir.path() / name / "certs/ca.crt");
  }
  dir.write("trusted-cas.pem", trusted);
}

// <name>/<file>: HTTPS on `port` with optional client certificates, DSP at
// https://localhost:<port>, the partner registry <name>/partners.yaml, and `extra` sections.
std::string writeGatewayConfig(testing::TempDirectory& dir, const std::string& name,
                               const std::string& bpn, uint16_t port, const std::string& extra,
                               const std::string& file = "gateway.yaml") {
  return dir
      .write(name + "/" + file,
             "server:\n  bind_address: 127.0.0.1\n  port: " + std::to_string(port) +
                 "\n  tls:\n"
                 "    certificate_chain: certs/server.crt\n    private_key: certs/server.key\n"
                 "    client_certificates: optional\n    client_ca: ../trusted-cas.pem\n"
                 "supplier:\n  bpnl: " +
                 bpn +
                 "\n"
                 "dsp:\n  public_url: https://localhost:" +
                 std::to_string(port) +
                 "\n  partner_registry: partners.yaml\n"
                 "  token_signing_key: certs/edr-signing.key\n" +
                 extra)
      .string();
}

void copyExamplePolicies(const std::filesystem::path& to) {
  std::filesystem::create_directories(to);
  for (const auto& entry : std::filesystem::directory_iterator(kExamples)) {
    std::filesystem::copy_file(entry.path(), to / entry.path().filename());
  }
}

// Two gateways: the supplier runs `cxgw serve`, the OEM runs `cxgw fetch`.
TEST(TwoGateways, FetchNegotiatesAndTransfersOverMutualTlsInBothVersions) {
  testing::TempDirectory dir("cxgw-two-gateways");
  const std::string supplier = "BPNL00000000SUPP";
  const std::string oem = kOem;
  writeGatewayCertificates(dir, {{"supplier", supplier}, {"oem", oem}});
  copyExamplePolicies(dir.path() / "supplier/policies");
  dir.write("supplier/partners.yaml",
            "partners:\n  - bpn: " + oem +
                "\n    membership: true\n"
                "    framework_agreements: [DataExchangeGovernance:1.0]\n");
  dir.write("oem/partners.yaml", "partners:\n  - bpn: " + supplier + "\n    membership: true\n");
  const auto config = [&](const std::string& name, const std::string& bpn, uint16_t port,
                          const std::string& extra) {
    return writeGatewayConfig(dir, name, bpn, port, extra);
  };
  const uint16_t consumer_port = freePort();
  const auto provider_config =
      config("supplier", supplier, freePort(), "policies:\n  directory: policies\n");
  const auto consumer_config = config("oem", oem, consumer_port, "");

  auto provider = testing::startCxgw({"serve", "--config", provider_config});
  ASSERT_TRUE(provider);
  const auto listening = testing::awaitLogLine(*provider, "listening");
  ASSERT_TRUE(listening.IsObject());
  const std::string base =
      "https://localhost:" + std::to_string(listening["port"].GetUint()) + "/api/v1/dsp";

  for (const auto& [version, url] :
       {std::pair("2025-1", base + "/2025-1"), std::pair("v0.8", base)}) {
    SCOPED_TRACE(version);
    const auto fetched = testing::runCxgw(
        {"fetch", "--config", consumer_config, "--provider", url, "--provider-bpn", supplier,
         "--asset", "digital-twin-registry", "--dsp-version", version, "-v"});
    ASSERT_EQ(fetched.exit_code, 0) << fetched.output;
    EXPECT_NE(fetched.output.find("to FINALIZED"), std::string::npos) << fetched.output;
    EXPECT_NE(fetched.output.find("to STARTED"), std::string::npos) << fetched.output;
    const size_t json = fetched.output.find("{\"agreementId\"");
    ASSERT_NE(json, std::string::npos) << fetched.output;
    rapidjson::Document edr;
    edr.Parse(fetched.output.c_str() + json);
    ASSERT_TRUE(edr.IsObject()) << fetched.output;
    EXPECT_FALSE(std::string(edr["agreementId"].GetString()).empty());
    EXPECT_EQ(std::string(edr["endpoint"].GetString()),
              "https://localhost:" + std::to_string(listening["port"].GetUint()) + "/api/v3")
        << "the provider's own twin registry";
    EXPECT_EQ(
        std::count(edr["authorization"].GetString(),
                   edr["authorization"].GetString() + edr["authorization"].GetStringLength(), '.'),
        2)
        << "a compact JWS";
  }

  // An asset the OEM may not see is refused at the catalog step, naming it.
  const auto hidden =
      testing::runCxgw({"fetch", "--config", consumer_config, "--provider", base + "/2025-1",
                        "--provider-bpn", supplier, "--asset", "no-such-asset"});
  EXPECT_EQ(hidden.exit_code, 1) << hidden.output;
  EXPECT_NE(hidden.output.find("catalog"), std::string::npos) << hidden.output;

  provider->sendSignal(SIGTERM);
  EXPECT_EQ(provider->waitFor(30s), 0);
}

}  // namespace
}  // namespace cxgw

namespace cxgw {
namespace {

// The whole consumer story on real data: the supplier syncs a PostgreSQL ERP into its
// PostgreSQL store and serves it; each OEM's `cxgw fetch --twin` negotiates, transfers and
// pulls a twin's SerialPart through the data plane with the EDR, and gets only its own twins.
// Then a second supplier replica on the same store continues the OEM's agreement.
class FetchFromSyncedStore : public testing::PostgresTestSuite {};

TEST_F(FetchFromSyncedStore, EachOemGetsThePayloadOfItsOwnTwinsAndNothingOfOthers) {
  {
    pqxx::connection connection(connectionString());
    pqxx::work tx(connection);
    tx.exec(adapters::kErp);
    tx.commit();
  }
  testing::TempDirectory dir("cxgw-fetch-data");
  const std::string supplier = adapters::kSupplier;
  const std::string oem2 = "BPNL00000000OEM2";
  writeGatewayCertificates(dir, {{"supplier", supplier}, {"oem", kOem}, {"oem2", oem2}});
  copyExamplePolicies(dir.path() / "supplier/policies");
  dir.write("supplier/erp.yaml", adapters::mappingYaml(connectionString(), 20));
  std::string partners = "partners:\n";
  for (const std::string& bpn : {std::string(kOem), oem2}) {
    partners += "  - bpn: " + bpn +
                "\n    membership: true\n    framework_agreements: [DataExchangeGovernance:1.0]\n";
  }
  dir.write("supplier/partners.yaml", partners);
  // EDRs of 10 s are never handed out again (kEdrReuseMargin), so each fetch transfers anew.
  const std::string supplier_extra =
      "  edr_lifetime: 10s\npolicies:\n  directory: policies\nsync:\n  mappings: [erp.yaml]\n"
      "store:\n  backend: postgres\n  postgres_connection: \"" +
      connectionString() + "\"\n";
  const std::string supplier_config =
      writeGatewayConfig(dir, "supplier", supplier, freePort(), supplier_extra);
  const auto synced = testing::runCxgw({"sync", "--config", supplier_config}, {}, 120s);
  ASSERT_EQ(synced.exit_code, 0) << synced.output;

  auto provider = testing::startCxgw({"serve", "--config", supplier_config});
  ASSERT_TRUE(provider);
  const auto listening = testing::awaitLogLine(*provider, "listening");
  ASSERT_TRUE(listening.IsObject());
  const std::string dsp =
      "https://localhost:" + std::to_string(listening["port"].GetUint()) + "/api/v1/dsp/2025-1";

  const std::string twin_namespace = adapters::supplierTwinNamespace(supplier);
  const std::string oem_only = adapters::twinGlobalAssetId(twin_namespace, "serial", {"SN-2"});
  const std::string both = adapters::twinGlobalAssetId(twin_namespace, "serial", {"SN-20"});
  // The OEM keeps its agreements in a PostgreSQL store of its own, so that a later fetch finds
  // them; OEM2 in memory.
  ASSERT_TRUE(sharedCluster().createDatabase(databaseName() + "_oem").ok());
  const std::string oem_store = "store:\n  backend: postgres\n  postgres_connection: \"" +
                                sharedCluster().connectionString(databaseName() + "_oem") + "\"\n";
  const auto fetch = [&](const std::string& name, const std::string& bpn, const std::string& twin) {
    dir.write(name + "/partners.yaml",
              "partners:\n  - bpn: " + supplier + "\n    membership: true\n");
    const std::string config =
        writeGatewayConfig(dir, name, bpn, freePort(), name == "oem" ? oem_store : "");
    return testing::runCxgw({"fetch", "--config", config, "--provider", dsp, "--provider-bpn",
                             supplier, "--asset", "SerialPart-4.0.0", "--twin", twin, "-v"},
                            {}, 120s);
  };

  const auto own = fetch("oem", kOem, oem_only);
  ASSERT_EQ(own.exit_code, 0) << own.output;
  EXPECT_NE(own.output.find("data:"), std::string::npos) << own.output;
  const size_t json = own.output.find("{\"globalAssetId\"");
  ASSERT_NE(json, std::string::npos) << own.output;
  rapidjson::Document payload;
  payload.Parse(own.output.c_str() + json, own.output.find('\n', json) - json);
  ASSERT_TRUE(payload.IsObject()) << own.output;
  EXPECT_EQ(std::string(payload["globalAssetId"].GetString()), oem_only);
  EXPECT_NE(own.output.find("\"SN-2\""), std::string::npos) << own.output;

  // OEM2 was delivered SN-20 but not SN-2: the first is its data, the second does not exist for
  // it, and the refusal carries nothing of the part.
  const auto shared = fetch("oem2", oem2, both);
  ASSERT_EQ(shared.exit_code, 0) << shared.output;
  EXPECT_NE(shared.output.find(both), std::string::npos) << shared.output;
  const auto foreign = fetch("oem2", oem2, oem_only);
  EXPECT_EQ(foreign.exit_code, 1) << foreign.output;
  EXPECT_NE(foreign.output.find("HTTP 404"), std::string::npos) << foreign.output;
  EXPECT_EQ(foreign.output.find("\"SN-2\""), std::string::npos) << foreign.output;

  // By serial number through the twin registry, as an OEM finds a part: the registry asset's
  // EDR, the lookup, the shell descriptor, then each submodel through its own asset.
  const auto find = [&](const std::string& name, const std::string& serial) {
    return testing::runCxgw({"fetch", "--config", (dir.path() / name / "gateway.yaml").string(),
                             "--provider", dsp, "--provider-bpn", supplier, "--part",
                             "partInstanceId=" + serial},
                            {}, 120s);
  };
  const auto found = find("oem", "SN-2");
  ASSERT_EQ(found.exit_code, 0) << found.output;
  rapidjson::Document parts;
  parts.Parse(found.output.c_str() + found.output.find("{\n"));
  ASSERT_TRUE(parts.IsObject() && parts["parts"].IsArray()) << found.output;
  ASSERT_EQ(parts["parts"].Size(), 1U) << found.output;
  const auto& part = parts["parts"][0];
  EXPECT_EQ(std::string(part["globalAssetId"].GetString()), oem_only);
  bool serial_part_fetched = false;
  for (const auto& submodel : part["submodels"].GetArray()) {
    if (std::string(submodel["semanticId"].GetString()).find("serial_part") == std::string::npos) {
      continue;
    }
    ASSERT_TRUE(submodel.HasMember("payload")) << found.output;
    EXPECT_EQ(std::string(submodel["payload"]["globalAssetId"].GetString()), oem_only);
    serial_part_fetched = true;
  }
  EXPECT_TRUE(serial_part_fetched) << found.output;
  const auto not_found = find("oem2", "SN-2");
  EXPECT_EQ(not_found.exit_code, 3) << not_found.output;
  EXPECT_EQ(not_found.output.find(oem_only), std::string::npos) << not_found.output;

  // A second replica on the same PostgreSQL store and EDR key: the OEM's agreement, negotiated
  // with the first replica, carries a transfer and a data request at the second.
  const std::string replica_config =
      writeGatewayConfig(dir, "supplier", supplier, freePort(), supplier_extra, "replica.yaml");
  auto replica = testing::startCxgw({"serve", "--config", replica_config});
  ASSERT_TRUE(replica);
  const auto replica_listening = testing::awaitLogLine(*replica, "listening");
  ASSERT_TRUE(replica_listening.IsObject());
  const std::string replica_dsp =
      "https://localhost:" + std::to_string(replica_listening["port"].GetUint()) +
      "/api/v1/dsp/2025-1";
  const std::string sn4 = adapters::twinGlobalAssetId(twin_namespace, "serial", {"SN-4"});
  const std::string oem_config = (dir.path() / "oem/gateway.yaml").string();
  const auto handed_over = testing::runCxgw(
      {"fetch", "--config", oem_config, "--provider", replica_dsp, "--provider-bpn", supplier,
       "--asset", "SerialPart-4.0.0", "--twin", sn4, "-v"},
      {}, 120s);
  ASSERT_EQ(handed_over.exit_code, 0) << handed_over.output;
  EXPECT_NE(handed_over.output.find("negotiation:  reused"), std::string::npos)
      << handed_over.output;
  EXPECT_NE(handed_over.output.find("to STARTED"), std::string::npos) << handed_over.output;
  EXPECT_NE(handed_over.output.find(sn4), std::string::npos) << handed_over.output;

  replica->sendSignal(SIGTERM);
  EXPECT_EQ(replica->waitFor(30s), 0);
  provider->sendSignal(SIGTERM);
  EXPECT_EQ(provider->waitFor(30s), 0);
}

}  // namespace
}  // namespace cxgw
