#pragma once
// A gateway that serves routes behind EDR tokens, over real sockets and real TLS: development
// PKI with two partners (kOem, kOther), partner registry, EDR token issuer, memory stores,
// policy decision point, EdrGate and TwinVisibility. A test class derives, adds its component's
// routes in addRoutes(), and seeds agreements and STARTED transfers with seedTransfer().
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "cxgw/core/ids.hpp"
#include "cxgw/core/metrics.hpp"
#include "cxgw/gateway/dataplane/data_plane.hpp"
#include "cxgw/gateway/dataplane/edr_gate.hpp"
#include "cxgw/gateway/dsp/dsp_codec.hpp"
#include "cxgw/gateway/dtr/twin_visibility.hpp"
#include "cxgw/gateway/http/https_server.hpp"
#include "cxgw/gateway/identity/mtls_partner_authenticator.hpp"
#include "cxgw/gateway/tls/dev_certificates.hpp"
#include "support/https_test_client.hpp"
#include "support/temp_directory.hpp"

namespace cxgw::gateway::testing_support {

using namespace std::chrono_literals;

inline constexpr const char* kSupplier = "BPNL000000000SUP";
inline constexpr const char* kOem = "BPNL000000000OEM";
inline constexpr const char* kOther = "BPNL000000000OTH";

class EdrServedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_ = std::make_unique<testing::TempDirectory>("cxgw-edr-served");
    auto files = writeDevCertificates({pki_->path(), {kOem, kOther}});
    ASSERT_TRUE(files.ok()) << files.error().describe();
    files_ = files.value();

    policies::PartnerClaims oem;
    oem.bpn = kOem;
    oem.catena_x_member = true;
    policies::PartnerClaims other;
    other.bpn = kOther;
    other.catena_x_member = true;
    auto registry = PartnerRegistry::create({oem, other});
    ASSERT_TRUE(registry.ok());
    registry_ = registry.value();
    authenticator_ = std::make_unique<MtlsPartnerAuthenticator>(registry_);

    auto key = EdrSigningKey::generate();
    ASSERT_TRUE(key.ok());
    tokens_ = std::make_unique<EdrTokenIssuer>(key.value(), kSupplier);
    decisions_ = std::make_unique<PolicyDecisionPoint>(
        [] { return nullptr; }, *audit_, [] { return std::chrono::system_clock::now(); });
    gate_ = std::make_unique<EdrGate>(EdrGate::Dependencies{
        [this](std::string_view bpn) -> std::optional<policies::PartnerClaims> {
          if (removed_ == bpn) return std::nullopt;
          const auto* claims = registry_->find(bpn);
          if (claims == nullptr) return std::nullopt;
          policies::PartnerClaims out = *claims;
          if (lapsed_ == bpn) out.catena_x_member = false;
          return out;
        },
        *tokens_, *processes_, *decisions_, *audit_,
        [] { return std::chrono::system_clock::now(); }});
    visibility_ = std::make_unique<dtr::TwinVisibility>(publicReadableIdTypes());

    ServerSettings server;
    server.bind_address = "127.0.0.1";
    server.port = 0;
    server.threads = 2;
    server.tls.certificate_chain_file = files_.server_certificate;
    server.tls.private_key_file = files_.server_private_key;
    server.tls.client_ca_file = files_.ca_certificate;
    server.tls.client_certificates = ClientCertificateMode::kOptional;
    auto created = HttpsServer::create(server, metrics_);
    ASSERT_TRUE(created.ok()) << created.error().describe();
    server_ = std::move(created).value();
    auto routes = std::make_shared<Router>();
    addRoutes(*routes);
    server_->start(routes, false);
  }

  // The worker threads stop before the server is destroyed: a finished job may still hold the
  // last reference to a connection of the server.
  void TearDown() override {
    if (server_) {
      server_->shutdown();
      server_->wait();
    }
    workers_.reset();
  }

  virtual void addRoutes(Router& router) = 0;
  virtual std::vector<std::string> publicReadableIdTypes() const { return {}; }

  // A provider agreement for `bpn` on `asset` (usage: Catena-X members) and a STARTED transfer
  // under it.
  store::TransferProcessRecord seedTransfer(const std::string& bpn, const std::string& agreement_id,
                                            const std::string& asset) {
    auto policy = dsp::DspCodec(dsp::DspVersion::k2025_1, schemas::JsonLdExpander())
                      .expandPolicy(R"({"@id":")" + agreement_id + R"(","@type":"Agreement",
        "permission":[{"action":"use","constraint":[
          {"leftOperand":"Membership","operator":"eq","rightOperand":"active"}]}]})");
    EXPECT_TRUE(policy.ok()) << policy.error().describe();
    const auto now = std::chrono::system_clock::now();
    store::ContractAgreementRecord agreement;
    agreement.id = agreement_id;
    agreement.negotiation_id = "urn:uuid:" + randomUuid();
    agreement.asset_id = asset;
    agreement.provider_bpn = kSupplier;
    agreement.consumer_bpn = bpn;
    agreement.policy_json = policy.value();
    agreement.signed_at = now;
    EXPECT_TRUE(processes_->createAgreement(agreement).ok());
    store::TransferProcessRecord transfer;
    transfer.id = "urn:uuid:" + randomUuid();
    transfer.provider_pid = transfer.id;
    transfer.consumer_pid = "urn:uuid:" + randomUuid();
    transfer.agreement_id = agreement_id;
    transfer.asset_id = asset;
    transfer.counterparty_bpn = bpn;
    transfer.counterparty_address = "https://consumer.example/cb";
    transfer.protocol = "dataspace-protocol-http:2025-1";
    transfer.transfer_type = "HttpData-PULL";
    transfer.state = "STARTED";
    transfer.created_at = now;
    transfer.updated_at = now;
    EXPECT_TRUE(processes_->createTransfer(transfer).ok());
    return processes_->transfer(transfer.id).value().value();
  }

  // One sync batch of the twins, aspects and withdrawals into the state store.
  void commit(const std::vector<store::Twin>& twins,
              const std::vector<store::AspectPayload>& aspects = {},
              const std::vector<store::Withdrawal>& withdrawals = {}) {
    store::SyncBatch batch;
    batch.source = "erp";
    batch.stream = "parts";
    batch.twins = twins;
    batch.aspects = aspects;
    batch.withdrawals = withdrawals;
    ASSERT_TRUE(state_->commit(batch).ok());
  }

  EdrTokens issue(const store::TransferProcessRecord& transfer,
                  std::chrono::system_clock::time_point at = std::chrono::system_clock::now(),
                  std::chrono::seconds lifetime = 300s) {
    return issueEdrTokens(*tokens_, transfer, at, lifetime);
  }

  // Token-only, as a partner's data plane calls (no client certificate).
  testing::HttpReply call(const std::string& method, const std::string& target,
                          const std::string& token, const std::string& body = "") {
    testing::TlsClientOptions options;
    options.ca_file = files_.ca_certificate;
    testing::HttpsTestClient client(server_->port(), options);
    client.connect();
    std::vector<std::pair<std::string, std::string>> headers;
    if (!token.empty()) headers.emplace_back("Authorization", token);
    if (!body.empty()) headers.emplace_back("content-type", "application/json");
    return client.request(method, target, body, headers);
  }

  std::vector<store::AuditRecord> audit() {
    auto records = audit_->query({});
    EXPECT_TRUE(records.ok());
    return records.ok() ? records.value() : std::vector<store::AuditRecord>{};
  }

  std::unique_ptr<testing::TempDirectory> pki_;
  DevCertificateFiles files_;
  std::shared_ptr<const PartnerRegistry> registry_;
  std::unique_ptr<PartnerAuthenticator> authenticator_;
  std::unique_ptr<EdrTokenIssuer> tokens_;
  std::unique_ptr<store::ProcessStore> processes_ = store::createMemoryProcessStore();
  std::unique_ptr<store::StateStore> state_ = store::createMemoryStateStore();
  std::unique_ptr<store::AuditTrail> audit_ = store::createMemoryAuditTrail();
  std::unique_ptr<PolicyDecisionPoint> decisions_;
  std::unique_ptr<EdrGate> gate_;
  std::unique_ptr<dtr::TwinVisibility> visibility_;
  std::unique_ptr<WorkerPool> workers_ = std::make_unique<WorkerPool>(2, 64);
  std::string removed_;  // a BPN partner_claims no longer knows
  std::string lapsed_;   // a BPN whose membership has lapsed
  MetricsRegistry metrics_;
  std::unique_ptr<HttpsServer> server_;
};

}  // namespace cxgw::gateway::testing_support
