// DSP flow latency and throughput (issue 5), on loopback with real TLS and mutual
// authentication: a provider gateway and a consumer gateway in one process, memory stores.
//
//   flow       catalog -> negotiation FINALIZED -> transfer STARTED (EDR received) -> the
//              twin's payload from the provider's data plane with the EDR (first byte and
//              last: a ~1 KB SerialPart), with no reuse: the consumer retires its agreement
//              after each flow
//   baselines  the same flows with clients that open a new mutual-TLS connection per message
//              (cxgw before keep-alive), measured in turns with the keep-alive flows; and one
//              HTTPS POST to the same server on a new connection and on a kept one
//
// Prints p50/p99 over FLOWS sequential flows of each kind, their ratio, the two POST baselines,
// the sustained keep-alive flows per second of THREADS concurrent consumers for SECONDS, and the
// time to page through a catalog of 10,000 assets.
//
//   dsp_flow_bench [FLOWS=1000] [THREADS=4] [SECONDS=10]

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "cxgw/core/logging.hpp"
#include "cxgw/core/metrics.hpp"
#include "cxgw/gateway/dataplane/data_plane.hpp"
#include "cxgw/gateway/dataplane/edr_gate.hpp"
#include "cxgw/gateway/dataplane/edr_token.hpp"
#include "cxgw/gateway/dataplane/payload_cache.hpp"
#include "cxgw/gateway/dsp/dsp_consumer.hpp"
#include "cxgw/gateway/dsp/dsp_provider.hpp"
#include "cxgw/gateway/dsp/https_dsp_transport.hpp"
#include "cxgw/gateway/dsp/offered_assets.hpp"
#include "cxgw/gateway/dtr/twin_visibility.hpp"
#include "cxgw/gateway/http/https_client.hpp"
#include "cxgw/gateway/http/https_server.hpp"
#include "cxgw/gateway/identity/mtls_partner_authenticator.hpp"
#include "cxgw/gateway/tls/dev_certificates.hpp"

namespace {

using namespace cxgw;
using namespace cxgw::gateway;
using namespace cxgw::gateway::dsp;
using Clock = std::chrono::steady_clock;

constexpr const char* kSupplier = "BPNL00000000SUPP";
constexpr const char* kOem = "BPNL000000000OEM";
constexpr const char* kTwin = "urn:uuid:5e1f3c2a-0b7d-4c55-9a61-3f2d8e4b7a10";

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
   "@type": "PolicyDefinition", "@id": "usage-members-deg",
   "policy": {"@type": "Set", "permission": [{"action": "use",
     "constraint": [{"and": [
       {"leftOperand": "Membership", "operator": "eq", "rightOperand": "active"},
       {"leftOperand": "FrameworkAgreement", "operator": "eq", "rightOperand": "DataExchangeGovernance:1.0"}]}]}]}},
  {"@context": {"@vocab": "https://w3id.org/edc/v0.0.1/ns/"}, "@type": "ContractDefinition",
   "@id": "members", "accessPolicyId": "access-members", "contractPolicyId": "usage-members-deg",
   "assetsSelector": []}
])";

[[noreturn]] void fail(const std::string& what) {
  std::cerr << "dsp_flow_bench: " << what << "\n";
  std::exit(1);
}

template <typename T>
T check(Result<T> result, const char* what) {
  if (!result) fail(std::string(what) + ": " + result.error().describe());
  return std::move(result).value();
}

// One gateway: server, identity, stores, provider and consumer (as cxgw serve wires them).
struct Gateway {
  std::unique_ptr<HttpsServer> server;
  std::unique_ptr<PartnerAuthenticator> authenticator;
  std::unique_ptr<store::AuditTrail> audit = store::createMemoryAuditTrail();
  std::unique_ptr<PolicyDecisionPoint> decisions;
  std::unique_ptr<EdrTokenIssuer> tokens;
  std::unique_ptr<HttpsClient> client;
  std::unique_ptr<HttpsDspTransport> transport;
  std::unique_ptr<DspCallbackDispatcher> callbacks;
  std::unique_ptr<store::ProcessStore> processes = store::createMemoryProcessStore();
  std::unique_ptr<store::StateStore> twins = store::createMemoryStateStore();
  std::unique_ptr<WorkerPool> workers = std::make_unique<WorkerPool>(8, 4096);
  DspProvider::Assets assets;
  std::unique_ptr<DspProvider> provider;
  std::unique_ptr<DspConsumer> consumer;
  std::unique_ptr<EdrGate> gate;
  std::unique_ptr<dtr::TwinVisibility> visibility =
      std::make_unique<dtr::TwinVisibility>(std::vector<std::string>{});
  std::unique_ptr<PayloadCache> payloads;
  std::unique_ptr<DataPlane> data_plane;
  std::string url;

  ~Gateway() {
    server->shutdown();
    server->wait();
    workers.reset();
    callbacks.reset();
  }
};

std::unique_ptr<Gateway> makeGateway(const std::string& bpn, const DevCertificateFiles& pki,
                                     policies::PartnerClaims partner,
                                     std::shared_ptr<const policies::PolicyLibrary> library,
                                     const std::vector<schemas::AspectUrn>& aspects,
                                     bool keep_alive, MetricsRegistry& metrics) {
  auto g = std::make_unique<Gateway>();
  ServerSettings settings;
  settings.bind_address = "127.0.0.1";
  settings.port = 0;
  settings.threads = 2;
  settings.tls.certificate_chain_file = pki.server_certificate;
  settings.tls.private_key_file = pki.server_private_key;
  settings.tls.client_ca_file = pki.ca_certificate;
  settings.tls.client_certificates = ClientCertificateMode::kOptional;
  g->server = check(HttpsServer::create(settings, metrics), "server");
  g->url = "https://localhost:" + std::to_string(g->server->port());
  auto registry = check(PartnerRegistry::create({std::move(partner)}), "registry");
  g->authenticator = std::make_unique<MtlsPartnerAuthenticator>(registry);
  g->decisions = std::make_unique<PolicyDecisionPoint>(
      [library] { return library; }, *g->audit, [] { return std::chrono::system_clock::now(); });
  g->tokens = std::make_unique<EdrTokenIssuer>(check(EdrSigningKey::generate(), "key"), bpn);
  HttpsClientSettings client;
  client.ca_file = pki.ca_certificate;
  client.keep_alive = keep_alive;
  for (const auto& certificate : pki.clients) {
    if (certificate.bpn == bpn) {
      client.certificate_chain_file = certificate.certificate;
      client.private_key_file = certificate.private_key;
    }
  }
  g->client = check(HttpsClient::create(client), "client");
  g->transport = std::make_unique<HttpsDspTransport>(*g->client);
  g->callbacks = std::make_unique<DspCallbackDispatcher>(*g->transport, CallbackRetryPolicy{}, 4);
  auto assets = std::make_shared<std::vector<policies::AssetDescription>>();
  for (const auto& urn : aspects) {
    const std::string id = aspectAssetId(urn);
    assets->push_back({id, {{std::string(policies::kAssetIdProperty), id}}});
  }
  g->assets = assets;
  const auto now = [] { return std::chrono::system_clock::now(); };
  Gateway* raw = g.get();
  g->provider = std::make_unique<DspProvider>(
      DspProviderSettings{bpn, g->url, std::chrono::seconds(300), 1000},
      DspProvider::Dependencies{*g->authenticator, *g->decisions, [raw] { return raw->assets; },
                                *g->processes, *g->callbacks, *g->tokens, *g->workers, now,
                                schemas::JsonLdExpander()});
  g->consumer = std::make_unique<DspConsumer>(
      DspConsumerSettings{bpn, g->url + "/api/v1/dsp/2025-1", std::chrono::seconds(30)},
      DspConsumer::Dependencies{*g->client, *g->processes, *g->authenticator, *g->workers, now,
                                schemas::JsonLdExpander()});
  g->consumer->attachTo(*g->provider);
  g->gate = std::make_unique<EdrGate>(EdrGate::Dependencies{
      [registry](std::string_view b) -> std::optional<policies::PartnerClaims> {
        const auto* claims = registry->find(b);
        if (claims == nullptr) return std::nullopt;
        return *claims;
      },
      *g->tokens, *g->processes, *g->decisions, *g->audit, now});
  g->payloads = std::make_unique<PayloadCache>(*g->twins, PayloadCacheSettings{});
  g->data_plane = std::make_unique<DataPlane>(
      DataPlaneSettings{g->url, std::chrono::seconds(300)}, aspects,
      DataPlane::Dependencies{*g->authenticator, *g->gate, *g->twins, *g->payloads, *g->visibility,
                              *g->workers});
  auto router = std::make_shared<Router>();
  g->provider->addRoutes(*router);
  g->data_plane->addRoutes(*router);
  for (DspVersion version : {DspVersion::kV08, DspVersion::k2025_1}) {
    g->consumer->addRoutes(*router, version);
  }
  g->server->start(router, false);
  return g;
}

double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  const size_t index = static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[index];
}

std::string loadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

double millisecondsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int flows = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int threads = argc > 2 ? std::atoi(argv[2]) : 4;
  const int seconds = argc > 3 ? std::atoi(argv[3]) : 10;
  if (flows < 1 || threads < 1 || seconds < 1)
    fail("usage: dsp_flow_bench [FLOWS] [THREADS] [SECONDS]");

  char pattern[] = "/tmp/cxgw-dsp-bench-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) fail("mkdtemp");
  const std::filesystem::path dir(pattern);
  const DevCertificateFiles pki =
      check(writeDevCertificates({dir, {kSupplier, kOem}}), "certificates");

  policies::PolicyLibraryBuilder builder;
  builder.addDocument("bench.jsonld", check(schemas::JsonLdExpander().expand(kLibrary), "library"));
  const auto library = check(builder.build(), "library");

  MetricsRegistry metrics;
  policies::PartnerClaims oem;
  oem.bpn = kOem;
  oem.catena_x_member = true;
  oem.framework_agreements = {{"DataExchangeGovernance", "1.0"}};
  policies::PartnerClaims supplier;
  supplier.bpn = kSupplier;
  supplier.catena_x_member = true;
  // One aspect model (asset) per consumer thread, so that a thread never finds another's
  // agreement to reuse; one twin, visible to the OEM, with a payload of each.
  std::vector<schemas::AspectUrn> aspects;
  std::vector<std::string> assets;
  for (int t = 0; t < std::max(threads, 1); ++t) {
    aspects.push_back({"io.catenax.serial_part", "3.0." + std::to_string(t), "SerialPart"});
    assets.push_back(aspectAssetId(aspects.back()));
  }
  configureLogging(LogLevel::kWarn);
  // Two pairs of gateways: one whose clients open a connection per message, one with keep-alive.
  struct Pair {
    std::unique_ptr<Gateway> provider;
    std::unique_ptr<Gateway> consumer;
  };
  std::string payload = std::string("{\"catenaXId\":\"") + kTwin + "\",\"localIdentifiers\":[";
  while (payload.size() < 1000) payload += "{\"key\":\"partInstanceId\",\"value\":\"SN-0000001\"},";
  payload.back() = ']';
  payload += "}";
  const auto makePair = [&](bool keep_alive) {
    Pair pair{makeGateway(kSupplier, pki, oem, library, aspects, keep_alive, metrics),
              makeGateway(kOem, pki, supplier, library, {}, keep_alive, metrics)};
    store::SyncBatch batch;
    batch.source = "bench";
    batch.stream = "serial_part";
    batch.twins.push_back({kTwin, "mirror", "PartInstance", {}, {kOem}});
    for (const auto& urn : aspects) batch.aspects.push_back({kTwin, urn.toString(), payload});
    check(pair.provider->twins->commit(batch), "twins");
    return pair;
  };
  Pair closing = makePair(false);
  Pair kept = makePair(true);

  // One flow for `asset`; retires the agreement so that the next one negotiates again.
  const auto flow = [&](Pair& pair, const std::string& asset) {
    FetchRequest request;
    request.provider_dsp_url = pair.provider->url + "/api/v1/dsp/2025-1";
    request.version = DspVersion::k2025_1;
    request.asset_id = asset;
    request.provider_bpn = kSupplier;
    auto outcome = pair.consumer->consumer->fetch(request);
    if (!outcome) fail("flow: " + outcome.error().describe());
    if (outcome.value().reused_agreement) fail("flow reused an agreement");
    auto data =
        pair.consumer->consumer->pull(outcome.value().edr, submodelPath(kTwin, asset) + "/$value");
    if (!data) fail("data: " + data.error().describe());
    if (data.value() != payload) fail("data: not the stored payload");
    const Status retired = pair.consumer->processes->retireAgreement(
        outcome.value().agreement_id, "bench", std::chrono::system_clock::now());
    if (!retired) fail("retire: " + retired.error().describe());
  };

  std::cout << "load average before: " << loadAverage() << "\n";
  for (int i = 0; i < 20; ++i) {  // warm-up: TLS contexts, allocators, caches
    flow(closing, assets[0]);
    flow(kept, assets[0]);
  }

  // The two kinds take turns, so that a burst of machine noise hits both alike.
  std::vector<double> closing_ms;
  std::vector<double> flow_ms;
  for (int i = 0; i < flows; ++i) {
    auto start = Clock::now();
    flow(closing, assets[0]);
    closing_ms.push_back(millisecondsSince(start));
    start = Clock::now();
    flow(kept, assets[0]);
    flow_ms.push_back(millisecondsSince(start));
  }

  // Baselines: one POST to the same server, on a new mutual-TLS connection and on a kept one.
  std::vector<double> new_connection_ms;
  std::vector<double> kept_connection_ms;
  OutboundRequest post;
  post.method = "POST";
  post.url = kept.provider->url + "/api/v1/dsp/2025-1/negotiations/urn:uuid:none/termination";
  post.body = "{}";
  for (int i = 0; i < flows; ++i) {
    auto start = Clock::now();
    if (!closing.consumer->client->send(post)) fail("baseline on new connections");
    new_connection_ms.push_back(millisecondsSince(start));
    start = Clock::now();
    if (!kept.consumer->client->send(post)) fail("baseline on a kept connection");
    kept_connection_ms.push_back(millisecondsSince(start));
  }
  auto& provider = kept.provider;
  auto& consumer = kept.consumer;

  // Sustained: THREADS consumers back to back for SECONDS.
  std::atomic<bool> stop{false};
  std::atomic<long> completed{0};
  std::vector<std::thread> workers;
  const auto sustained_start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      while (!stop.load()) {
        flow(kept, assets[static_cast<size_t>(t)]);
        completed.fetch_add(1);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop.store(true);
  for (auto& worker : workers) worker.join();
  const double elapsed_s = millisecondsSince(sustained_start) / 1000.0;

  // A catalog over 10,000 assets: every page of 1,000 datasets, through the same HTTPS client.
  auto many = std::make_shared<std::vector<policies::AssetDescription>>();
  for (int i = 0; i < 10000; ++i) {
    const std::string id = "asset-" + std::to_string(i);
    many->push_back({id, {{std::string(policies::kAssetIdProperty), id}}});
  }
  provider->assets = many;
  std::vector<double> catalog_ms;
  for (int round = 0; round < 10; ++round) {
    const auto start = Clock::now();
    for (int offset = 0; offset < 10000; offset += 1000) {
      OutboundRequest page;
      page.method = "POST";
      page.url = provider->url + "/api/v1/dsp/2025-1/catalog/request";
      page.body =
          R"({"@context": ["https://w3id.org/dspace/2025/1/context.jsonld"], "@type": "CatalogRequestMessage",
              "filter": [{"https://w3id.org/edc/v0.0.1/ns/offset": )" +
          std::to_string(offset) + R"(, "https://w3id.org/edc/v0.0.1/ns/limit": 1000}]})";
      auto reply = consumer->client->send(page);
      if (!reply || reply.value().status != 200) fail("catalog page");
      if (reply.value().body.find("asset-" + std::to_string(offset)) == std::string::npos) {
        fail("catalog page without its first asset");
      }
    }
    catalog_ms.push_back(millisecondsSince(start));
  }

  std::cout << "load average after: " << loadAverage() << "\n";
  const double flow_p50 = percentile(flow_ms, 0.50);
  const double closing_p50 = percentile(closing_ms, 0.50);
  std::printf("flows measured per kind         %d (2025-1, mTLS, loopback, ~1 KB payload)\n",
              flows);
  std::printf("flow catalog->payload, keep-alive           p50 %8.2f ms   p99 %8.2f ms\n", flow_p50,
              percentile(flow_ms, 0.99));
  std::printf("flow catalog->payload, connection per msg   p50 %8.2f ms   p99 %8.2f ms\n",
              closing_p50, percentile(closing_ms, 0.99));
  std::printf("ratio connection per msg / keep-alive (p50)      %8.2f\n", closing_p50 / flow_p50);
  std::printf("one POST, new mTLS connection               p50 %8.2f ms   p99 %8.2f ms\n",
              percentile(new_connection_ms, 0.50), percentile(new_connection_ms, 0.99));
  std::printf("one POST, kept connection                   p50 %8.2f ms   p99 %8.2f ms\n",
              percentile(kept_connection_ms, 0.50), percentile(kept_connection_ms, 0.99));
  std::printf("sustained flows/s (%d threads, %.1f s)  %.1f\n", threads, elapsed_s,
              static_cast<double>(completed.load()) / elapsed_s);
  std::printf("catalog of 10,000 assets (10 pages of 1,000)  median %.1f ms\n",
              percentile(catalog_ms, 0.5));
  std::printf("goal p50 < 20 ms (keep-alive flow): %s\n", flow_p50 < 20.0 ? "met" : "NOT met");
  std::filesystem::remove_all(dir);
  return 0;
}
