#pragma once
// The gateway's configuration: an immutable model, loaded once from a YAML file and overridden
// by environment variables.
//
// A variable that starts with CXGW_ and contains "__" is an override and must name a key;
// CXGW_ variables without "__" are left alone (mappings may name them for passwords).
//
// Keys are dotted paths ("server.limits.max_body_bytes"). Every key can be overridden by the
// environment variable CXGW_ followed by the path in upper case with "__" between the
// segments: server.limits.max_body_bytes <- CXGW_SERVER__LIMITS__MAX_BODY_BYTES. The
// environment wins over the file, the file over the default.
//
// Loading fails, naming the key and, where it came from the file, its line, on: a missing or
// unreadable file, invalid YAML, an unknown key (in the file or as a CXGW_ variable), a value of
// the wrong type or out of range, a missing required key, or inconsistent settings. Relative
// paths in the file are resolved against the file's directory.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cxgw/core/logging.hpp"
#include "cxgw/core/result.hpp"

namespace cxgw {

enum class ClientCertificateMode {
  kNone,      // no client certificate is requested
  kOptional,  // requested and verified when sent; the handler sees whether one was presented
  kRequired,  // the TLS handshake fails without a certificate that chains to the client CA
};

enum class TlsVersion { k1_2, k1_3 };

struct TlsSettings {
  std::filesystem::path certificate_chain_file;  // PEM: leaf first, then intermediates
  std::filesystem::path private_key_file;        // PEM
  std::string private_key_password;              // secret; empty for an unencrypted key
  std::filesystem::path client_ca_file;          // PEM bundle; required unless mode is kNone
  ClientCertificateMode client_certificates = ClientCertificateMode::kNone;
  TlsVersion min_version = TlsVersion::k1_2;
};

struct ServerLimits {
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 1024 * 1024;
  size_t max_connections = 1024;
  std::chrono::milliseconds header_timeout{
      10'000};  // TLS handshake, then first byte to end of header
  std::chrono::milliseconds body_timeout{30'000};   // end of header to end of body
  std::chrono::milliseconds idle_timeout{60'000};   // keep-alive wait for the next request
  std::chrono::milliseconds write_timeout{30'000};  // writing one response
};

struct ServerSettings {
  std::string bind_address = "0.0.0.0";
  uint16_t port = 8443;
  unsigned threads = 0;  // 0: one per core
  std::chrono::milliseconds shutdown_grace{20'000};
  TlsSettings tls;
  ServerLimits limits;
};

struct LoggingSettings {
  LogLevel level = LogLevel::kInfo;
};

struct SupplierSettings {
  std::string bpnl;  // the supplier's own BPNL; required when sync.mappings is set
};

enum class StoreBackend { kMemory, kPostgres };

struct StoreSettings {
  StoreBackend backend = StoreBackend::kMemory;
  std::string postgres_connection;  // libpq form; a secret (it may hold a password)
};

struct SchemaSettings {
  std::vector<std::filesystem::path> directories;  // extra aspect schemas, later ones win
};

struct SyncSettings {
  std::vector<std::filesystem::path> mappings;  // ERP mapping files; serve syncs each of them
};

struct PolicySettings {
  // The policy library: PolicyDefinitions, ContractDefinitions and BPN groups as JSON-LD files
  // (docs/policies.md); empty: no library, so nothing is offered.
  std::filesystem::path directory;
};

// The Dataspace Protocol endpoints (docs/dsp.md). Off while public_url is empty.
struct DspSettings {
  std::string public_url;  // how partners reach this gateway, e.g. https://cx.supplier.example
  std::filesystem::path partner_registry;  // YAML: the partners and their claims
  // PEM bundle that partners' server certificates must chain to (outbound calls);
  // empty: server.tls.client_ca.
  std::filesystem::path partner_ca_file;
  // PEM EC P-256 key that signs EDR tokens; replicas must share one. Empty: a key generated at
  // start, valid for this process only.
  std::filesystem::path token_signing_key;
  std::chrono::milliseconds edr_lifetime{300'000};
  unsigned callback_attempts = 8;
  // Aspect payload bytes the data plane caches (PayloadCache); 0: no cache.
  size_t payload_cache_bytes = 16 * 1024 * 1024;
};

struct DtrSettings {
  // Specific asset id names visible to every partner on twins marked PUBLIC_READABLE.
  std::vector<std::string> public_readable_id_types;
};

struct GatewayConfig {
  ServerSettings server;
  LoggingSettings logging;
  SupplierSettings supplier;
  StoreSettings store;
  SchemaSettings schemas;
  SyncSettings sync;
  PolicySettings policies;
  DspSettings dsp;
  DtrSettings dtr;
};

// Where the effective value of a key came from.
struct ConfigValueOrigin {
  enum class Kind { kDefault, kFile, kEnvironment } kind = Kind::kDefault;
  int line = 0;              // for kFile
  std::string env_variable;  // for kEnvironment
};

struct LoadedConfig {
  std::shared_ptr<const GatewayConfig> config;
  std::filesystem::path file;
  std::map<std::string, ConfigValueOrigin> origins;  // by key; only keys not at their default
};

// Environment variables as name -> value. Use processEnvironment() for the real one.
using Environment = std::map<std::string, std::string>;
Environment processEnvironment();

Result<LoadedConfig> loadGatewayConfig(const std::filesystem::path& file, const Environment& env);

// One documented key of the configuration.
struct ConfigKeyInfo {
  std::string key;           // dotted path
  std::string env_variable;  // CXGW_… override
  std::string type;          // e.g. "duration", "bytes", "enum: none|optional|required"
  bool secret = false;       // masked when printed
  bool required = false;
  std::string description;
};
const std::vector<ConfigKeyInfo>& configKeys();

// Renders the effective configuration, one "key = value  # origin" line per key, with secrets
// masked. Used by `cxgw config check`.
std::string renderEffectiveConfig(const LoadedConfig& loaded);

// The environment variable that overrides `key`, e.g. "server.port" -> "CXGW_SERVER__PORT".
std::string environmentVariableFor(const std::string& key);

}  // namespace cxgw
