#include "cxgw/core/config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>
#include <optional>
#include <set>
#include <sstream>

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace cxgw {
namespace {

using std::chrono::milliseconds;

// A raw value as written in the file or the environment, before it is typed.
struct RawValue {
  std::string text;
  ConfigValueOrigin origin;
  std::filesystem::path base_dir;  // for relative paths
};

// How one key is parsed into the model and shown back. Each key is declared once, in
// keyTable(); loading, validation, `config check` and the documentation derive from it.
struct KeySpec {
  ConfigKeyInfo info;
  std::function<std::optional<std::string>(GatewayConfig&, const RawValue&)> assign;  // error text
  std::function<std::string(const GatewayConfig&)> show;
};

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::optional<uint64_t> parseUnsigned(std::string_view text) {
  uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

// "500ms", "10s", "2m", "1h".
std::optional<milliseconds> parseDuration(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  const auto number = parseUnsigned(text.substr(0, digits));
  if (!number || *number > 1'000'000'000ULL) return std::nullopt;
  const std::string_view unit = text.substr(digits);
  const auto n = static_cast<int64_t>(*number);
  if (unit == "ms") return milliseconds(n);
  if (unit == "s") return milliseconds(n * 1000);
  if (unit == "m") return milliseconds(n * 60'000);
  if (unit == "h") return milliseconds(n * 3'600'000);
  return std::nullopt;
}

std::string showDuration(milliseconds value) {
  const int64_t ms = value.count();
  if (ms != 0 && ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms != 0 && ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms != 0 && ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

// "16384", "16KiB", "1MiB", "1GiB".
std::optional<uint64_t> parseBytes(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  const auto number = parseUnsigned(text.substr(0, digits));
  if (!number || *number > (1ULL << 40)) return std::nullopt;
  const std::string_view unit = text.substr(digits);
  if (unit.empty() || unit == "B") return *number;
  if (unit == "KiB") return *number << 10;
  if (unit == "MiB") return *number << 20;
  if (unit == "GiB") return *number << 30;
  return std::nullopt;
}

std::string showBytes(uint64_t value) {
  if (value != 0 && value % (1ULL << 30) == 0) return std::to_string(value >> 30) + "GiB";
  if (value != 0 && value % (1ULL << 20) == 0) return std::to_string(value >> 20) + "MiB";
  if (value != 0 && value % (1ULL << 10) == 0) return std::to_string(value >> 10) + "KiB";
  return std::to_string(value);
}

template <typename Access>
KeySpec stringKey(std::string key, std::string description, Access access, bool secret = false) {
  KeySpec spec;
  spec.info = {key, "", secret ? "secret string" : "string", secret, false, std::move(description)};
  spec.assign = [access](GatewayConfig& c, const RawValue& raw) -> std::optional<std::string> {
    access(c) = raw.text;
    return std::nullopt;
  };
  spec.show = [access](const GatewayConfig& c) { return access(c); };
  return spec;
}

template <typename Access>
KeySpec pathKey(std::string key, std::string description, Access access, bool required = false) {
  KeySpec spec;
  spec.info = {key, "", "file path", false, required, std::move(description)};
  spec.assign = [access](GatewayConfig& c, const RawValue& raw) -> std::optional<std::string> {
    if (raw.text.empty()) return "expected a file path, got an empty string";
    std::filesystem::path path(raw.text);
    if (path.is_relative()) path = raw.base_dir / path;
    access(c) = path.lexically_normal();
    return std::nullopt;
  };
  spec.show = [access](const GatewayConfig& c) { return access(c).string(); };
  return spec;
}

// A list: a YAML sequence of paths, or in the environment a comma-separated list.
// Calls `add` with each item of a list value: YAML sequence items arrive one per line, an
// environment override separates them with commas. An error names an empty item.
template <typename Add>
std::optional<std::string> splitList(const RawValue& raw, const char* what, Add add) {
  const char separator = raw.origin.kind == ConfigValueOrigin::Kind::kEnvironment ? ',' : '\n';
  if (raw.text.empty()) return std::nullopt;  // an empty list
  size_t start = 0;
  while (start <= raw.text.size()) {
    const size_t end = std::min(raw.text.find(separator, start), raw.text.size());
    const std::string_view item = std::string_view(raw.text).substr(start, end - start);
    if (item.empty()) return std::string("expected a list of ") + what + ", got an empty item";
    add(item);
    start = end + 1;
  }
  return std::nullopt;
}

template <typename Access>
KeySpec pathListKey(std::string key, std::string description, Access access) {
  KeySpec spec;
  spec.info = {key, "", "list of file paths", false, false, std::move(description)};
  spec.assign = [access](GatewayConfig& c, const RawValue& raw) -> std::optional<std::string> {
    auto& list = access(c);
    list.clear();
    return splitList(raw, "file paths", [&](std::string_view item) {
      std::filesystem::path path(item);
      if (path.is_relative()) path = raw.base_dir / path;
      list.push_back(path.lexically_normal());
    });
  };
  spec.show = [access](const GatewayConfig& c) {
    std::string out;
    for (const auto& path : access(c)) out += (out.empty() ? "" : ", ") + path.string();
    return out.empty() ? std::string("[]") : "[" + out + "]";
  };
  return spec;
}

template <typename Access>
KeySpec nameListKey(std::string key, std::string description, Access access) {
  KeySpec spec;
  spec.info = {key, "", "list of names", false, false, std::move(description)};
  spec.assign = [access](GatewayConfig& c, const RawValue& raw) -> std::optional<std::string> {
    auto& list = access(c);
    list.clear();
    return splitList(raw, "names", [&](std::string_view item) { list.emplace_back(item); });
  };
  spec.show = [access](const GatewayConfig& c) {
    std::string out;
    for (const auto& name : access(c)) out += (out.empty() ? "" : ", ") + name;
    return "[" + out + "]";
  };
  return spec;
}

template <typename Access>
KeySpec integerKey(std::string key, std::string description, Access access, uint64_t min,
                   uint64_t max) {
  KeySpec spec;
  spec.info = {key,   "",    "integer " + std::to_string(min) + ".." + std::to_string(max),
               false, false, std::move(description)};
  spec.assign = [access, min, max](GatewayConfig& c,
                                   const RawValue& raw) -> std::optional<std::string> {
    const auto value = parseUnsigned(raw.text);
    if (!value || *value < min || *value > max) {
      return "expected an integer from " + std::to_string(min) + " to " + std::to_string(max) +
             ", got '" + raw.text + "'";
    }
    access(c) = static_cast<std::remove_reference_t<decltype(access(c))>>(*value);
    return std::nullopt;
  };
  spec.show = [access](const GatewayConfig& c) { return std::to_string(access(c)); };
  return spec;
}

template <typename Access>
KeySpec bytesKey(std::string key, std::string description, Access access, uint64_t min,
                 uint64_t max) {
  KeySpec spec;
  spec.info = {key,   "",    "bytes (" + showBytes(min) + ".." + showBytes(max) + ")",
               false, false, std::move(description)};
  spec.assign = [access, min, max](GatewayConfig& c,
                                   const RawValue& raw) -> std::optional<std::string> {
    const auto value = parseBytes(raw.text);
    if (!value) return "expected a size such as 16384, 16KiB or 1MiB, got '" + raw.text + "'";
    if (*value < min || *value > max) {
      return "must be from " + showBytes(min) + " to " + showBytes(max) + ", got '" + raw.text +
             "'";
    }
    access(c) = static_cast<size_t>(*value);
    return std::nullopt;
  };
  spec.show = [access](const GatewayConfig& c) { return showBytes(access(c)); };
  return spec;
}

template <typename Access>
KeySpec durationKey(std::string key, std::string description, Access access, milliseconds min,
                    milliseconds max) {
  KeySpec spec;
  spec.info = {key,   "",    "duration (" + showDuration(min) + ".." + showDuration(max) + ")",
               false, false, std::move(description)};
  spec.assign = [access, min, max](GatewayConfig& c,
                                   const RawValue& raw) -> std::optional<std::string> {
    const auto value = parseDuration(raw.text);
    if (!value) return "expected a duration such as 500ms, 10s, 2m or 1h, got '" + raw.text + "'";
    if (*value < min || *value > max) {
      return "must be from " + showDuration(min) + " to " + showDuration(max) + ", got '" +
             raw.text + "'";
    }
    access(c) = *value;
    return std::nullopt;
  };
  spec.show = [access](const GatewayConfig& c) { return showDuration(access(c)); };
  return spec;
}

template <typename Enum, typename Access>
KeySpec enumKey(std::string key, std::string description, Access access,
                std::vector<std::pair<std::string, Enum>> names) {
  std::string choices;
  for (const auto& [name, value] : names) choices += (choices.empty() ? "" : "|") + name;
  KeySpec spec;
  spec.info = {key, "", "one of " + choices, false, false, std::move(description)};
  spec.assign = [access, names, choices](GatewayConfig& c,
                                         const RawValue& raw) -> std::optional<std::string> {
    for (const auto& [name, value] : names) {
      if (name == raw.text) {
        access(c) = value;
        return std::nullopt;
      }
    }
    return "expected one of " + choices + ", got '" + raw.text + "'";
  };
  spec.show = [access, names](const GatewayConfig& c) {
    for (const auto& [name, value] : names) {
      if (value == access(c)) return name;
    }
    return std::string("?");
  };
  return spec;
}

const std::vector<KeySpec>& keyTable() {
  static const std::vector<KeySpec> table = [] {
    std::vector<KeySpec> keys;
    keys.push_back(stringKey(
        "server.bind_address", "IP address to listen on (0.0.0.0 or :: for all interfaces)",
        [](auto& c) -> auto& { return c.server.bind_address; }));
    keys.push_back(integerKey(
        "server.port", "TCP port for HTTPS; 0 picks a free port (tests)",
        [](auto& c) -> auto& { return c.server.port; }, 0, 65535));
    keys.push_back(integerKey(
        "server.threads", "I/O threads; 0 means one per CPU core",
        [](auto& c) -> auto& { return c.server.threads; }, 0, 256));
    keys.push_back(durationKey(
        "server.shutdown_grace",
        "on SIGTERM/SIGINT, how long in-flight requests may take before connections are cut",
        [](auto& c) -> auto& { return c.server.shutdown_grace; }, milliseconds(0),
        milliseconds(3'600'000)));
    keys.push_back(pathKey(
        "server.tls.certificate_chain", "PEM file: the server certificate, then intermediates",
        [](auto& c) -> auto& { return c.server.tls.certificate_chain_file; }, true));
    keys.push_back(pathKey(
        "server.tls.private_key", "PEM file: the server's private key",
        [](auto& c) -> auto& { return c.server.tls.private_key_file; }, true));
    keys.push_back(stringKey(
        "server.tls.private_key_password", "password of an encrypted private key",
        [](auto& c) -> auto& { return c.server.tls.private_key_password; }, true));
    keys.push_back(pathKey(
        "server.tls.client_ca", "PEM bundle of CAs that client certificates must chain to",
        [](auto& c) -> auto& { return c.server.tls.client_ca_file; }));
    keys.push_back(enumKey<ClientCertificateMode>(
        "server.tls.client_certificates", "whether partners must present a client certificate",
        [](auto& c) -> auto& { return c.server.tls.client_certificates; },
        {{"none", ClientCertificateMode::kNone},
         {"optional", ClientCertificateMode::kOptional},
         {"required", ClientCertificateMode::kRequired}}));
    keys.push_back(enumKey<TlsVersion>("server.tls.min_version", "lowest TLS version accepted",
                                       [](auto& c) -> auto& { return c.server.tls.min_version; },
                                       {{"1.2", TlsVersion::k1_2}, {"1.3", TlsVersion::k1_3}}));
    keys.push_back(bytesKey(
        "server.limits.max_header_bytes", "largest request header; larger gets 431",
        [](auto& c) -> auto& { return c.server.limits.max_header_bytes; }, 1024, 1 << 20));
    keys.push_back(bytesKey(
        "server.limits.max_body_bytes", "largest request body; larger gets 413",
        [](auto& c) -> auto& { return c.server.limits.max_body_bytes; }, 0, 1ULL << 30));
    keys.push_back(integerKey(
        "server.limits.max_connections", "open connections at most; more are closed at once",
        [](auto& c) -> auto& { return c.server.limits.max_connections; }, 1, 1'000'000));
    keys.push_back(durationKey(
        "server.limits.header_timeout",
        "TLS handshake, then from a request's first byte to the end of its header",
        [](auto& c) -> auto& { return c.server.limits.header_timeout; }, milliseconds(1),
        milliseconds(3'600'000)));
    keys.push_back(durationKey(
        "server.limits.body_timeout", "from the end of a request's header to the end of its body",
        [](auto& c) -> auto& { return c.server.limits.body_timeout; }, milliseconds(1),
        milliseconds(3'600'000)));
    keys.push_back(durationKey(
        "server.limits.idle_timeout", "how long a keep-alive connection may wait for a request",
        [](auto& c) -> auto& { return c.server.limits.idle_timeout; }, milliseconds(1),
        milliseconds(3'600'000)));
    keys.push_back(durationKey(
        "server.limits.write_timeout", "writing one response",
        [](auto& c) -> auto& { return c.server.limits.write_timeout; }, milliseconds(1),
        milliseconds(3'600'000)));
    keys.push_back(enumKey<LogLevel>("logging.level", "lowest level written to stdout",
                                     [](auto& c) -> auto& { return c.logging.level; },
                                     {{"trace", LogLevel::kTrace},
                                      {"debug", LogLevel::kDebug},
                                      {"info", LogLevel::kInfo},
                                      {"warn", LogLevel::kWarn},
                                      {"error", LogLevel::kError},
                                      {"off", LogLevel::kOff}}));
    keys.push_back(stringKey(
        "supplier.bpnl", "the supplier's own BPNL (BPNL + 12 characters); names its twins",
        [](auto& c) -> auto& { return c.supplier.bpnl; }));
    keys.push_back(enumKey<StoreBackend>(
        "store.backend", "where twins, aspects, watermarks and quarantine live",
        [](auto& c) -> auto& { return c.store.backend; },
        {{"memory", StoreBackend::kMemory}, {"postgres", StoreBackend::kPostgres}}));
    keys.push_back(stringKey(
        "store.postgres_connection",
        "libpq connection string of the store database (backend postgres); may hold a password",
        [](auto& c) -> auto& { return c.store.postgres_connection; }, true));
    keys.push_back(pathListKey(
        "schemas.directories", "extra aspect schema directories; later ones override built-ins",
        [](auto& c) -> auto& { return c.schemas.directories; }));
    keys.push_back(pathListKey(
        "sync.mappings", "ERP mapping files that serve and sync run",
        [](auto& c) -> auto& { return c.sync.mappings; }));
    keys.push_back(pathKey(
        "policies.directory",
        "directory of the policy library (JSON-LD policy and contract definitions, BPN groups); "
        "reloaded on SIGHUP and on change",
        [](auto& c) -> auto& { return c.policies.directory; }));
    keys.push_back(stringKey(
        "dsp.public_url",
        "https URL partners reach this gateway at; set it to serve the Dataspace Protocol",
        [](auto& c) -> auto& { return c.dsp.public_url; }));
    keys.push_back(pathKey(
        "dsp.partner_registry",
        "YAML file of partner BPNLs and their claims (membership, framework agreements, groups)",
        [](auto& c) -> auto& { return c.dsp.partner_registry; }));
    keys.push_back(pathKey(
        "dsp.partner_ca",
        "PEM bundle that partners' server certificates chain to; default server.tls.client_ca",
        [](auto& c) -> auto& { return c.dsp.partner_ca_file; }));
    keys.push_back(pathKey(
        "dsp.token_signing_key",
        "PEM EC P-256 key signing EDR tokens (replicas share it); default: generated at start",
        [](auto& c) -> auto& { return c.dsp.token_signing_key; }));
    keys.push_back(durationKey(
        "dsp.edr_lifetime", "how long an EDR access token is valid",
        [](auto& c) -> auto& { return c.dsp.edr_lifetime; }, milliseconds(10'000),
        milliseconds(86'400'000)));
    keys.push_back(bytesKey(
        "dsp.payload_cache_bytes",
        "aspect payload bytes the data plane keeps in memory (invalidated by the store's "
        "changes); 0 turns the cache off",
        [](auto& c) -> auto& { return c.dsp.payload_cache_bytes; }, 0, 1ULL << 34));
    keys.push_back(nameListKey(
        "dtr.public_readable_id_types",
        "specific asset id names (e.g. manufacturerPartId) through which any partner with a "
        "registry agreement finds twins marked PUBLIC_READABLE; empty: such twins stay hidden",
        [](auto& c) -> auto& { return c.dtr.public_readable_id_types; }));
    keys.push_back(integerKey(
        "dsp.callback_attempts",
        "attempts to deliver a message to a partner before its process is terminated",
        [](auto& c) -> auto& { return c.dsp.callback_attempts; }, 1, 100));
    for (KeySpec& spec : keys) spec.info.env_variable = environmentVariableFor(spec.info.key);
    return keys;
  }();
  return table;
}

const KeySpec* findKey(std::string_view key) {
  for (const KeySpec& spec : keyTable()) {
    if (spec.info.key == key) return &spec;
  }
  return nullptr;
}

bool isSection(std::string_view path) {
  for (const KeySpec& spec : keyTable()) {
    const std::string& key = spec.info.key;
    if (key.size() > path.size() && key.compare(0, path.size(), path) == 0 &&
        key[path.size()] == '.') {
      return true;
    }
  }
  return false;
}

size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// " (did you mean 'server.port'?)" for a near miss among keys and sections, else "".
std::string suggestion(std::string_view path) {
  std::set<std::string> candidates;
  for (const KeySpec& spec : keyTable()) {
    const std::string& key = spec.info.key;
    for (size_t dot = key.find('.'); dot != std::string::npos; dot = key.find('.', dot + 1)) {
      candidates.insert(key.substr(0, dot));
    }
    candidates.insert(key);
  }
  std::string best;
  size_t best_distance = 3;
  for (const std::string& candidate : candidates) {
    const size_t d = editDistance(lower(std::string(path)), candidate);
    if (d < best_distance) best_distance = d, best = candidate;
  }
  return best.empty() ? "" : " (did you mean '" + best + "'?)";
}

int lineOf(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return mark.line >= 0 ? mark.line + 1 : 0;
}

Error configError(ErrorCode code, std::string message, std::string key, const std::string& file,
                  int line) {
  return Error{code, std::move(message), std::move(key), file, line};
}

// Walks a mapping node, collecting leaf values and rejecting unknown keys and wrong shapes.
std::optional<Error> collectFromYaml(const YAML::Node& map, const std::string& prefix,
                                     const std::string& file, const std::filesystem::path& base,
                                     std::map<std::string, RawValue>& values) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    const YAML::Node key_node = it->first;  // copies: *it is a temporary
    const YAML::Node value = it->second;
    if (!key_node.IsScalar()) {
      return configError(ErrorCode::kInvalidArgument, "keys must be plain names", prefix, file,
                         lineOf(key_node));
    }
    const std::string path = prefix.empty() ? key_node.Scalar() : prefix + "." + key_node.Scalar();
    const int line = lineOf(key_node);
    if (findKey(path) != nullptr) {
      if (value.IsNull()) {
        return configError(ErrorCode::kInvalidArgument, "has no value", path, file, line);
      }
      if (value.IsSequence() && findKey(path)->info.type.rfind("list", 0) == 0) {
        std::string items;
        for (size_t i = 0; i < value.size(); ++i) {
          if (!value[i].IsScalar() || value[i].Scalar().empty()) {
            return configError(ErrorCode::kInvalidArgument,
                               "item " + std::to_string(i) + " must be a non-empty value", path,
                               file, lineOf(value[i]));
          }
          items += (i > 0 ? "\n" : "") + value[i].Scalar();
        }
        values[path] = RawValue{items, {ConfigValueOrigin::Kind::kFile, line, ""}, base};
        continue;
      }
      if (!value.IsScalar()) {
        return configError(
            ErrorCode::kInvalidArgument,
            "expected a single value, got a " + std::string(value.IsMap() ? "mapping" : "list"),
            path, file, line);
      }
      values[path] = RawValue{value.Scalar(), {ConfigValueOrigin::Kind::kFile, line, ""}, base};
    } else if (isSection(path)) {
      if (value.IsNull()) continue;  // an empty section keeps its defaults
      if (!value.IsMap()) {
        return configError(ErrorCode::kInvalidArgument, "expected a mapping of keys", path, file,
                           line);
      }
      if (auto error = collectFromYaml(value, path, file, base, values)) return error;
    } else {
      return configError(ErrorCode::kUnknownKey, "unknown key" + suggestion(path), path, file,
                         line);
    }
  }
  return std::nullopt;
}

std::optional<Error> checkFile(const std::filesystem::path& path, const std::string& key,
                               const std::map<std::string, RawValue>& values,
                               const std::string& file) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec)) return std::nullopt;
  const auto it = values.find(key);
  const int line = it != values.end() ? it->second.origin.line : 0;
  return configError(ErrorCode::kNotFound, "file " + path.string() + " does not exist", key, file,
                     line);
}

std::optional<Error> validate(const GatewayConfig& config,
                              const std::map<std::string, RawValue>& values,
                              const std::string& file) {
  for (const KeySpec& spec : keyTable()) {
    if (spec.info.required && values.find(spec.info.key) == values.end()) {
      return configError(ErrorCode::kMissingKey,
                         "is required (or set " + spec.info.env_variable + ")", spec.info.key, file,
                         0);
    }
  }
  const TlsSettings& tls = config.server.tls;
  if (auto error =
          checkFile(tls.certificate_chain_file, "server.tls.certificate_chain", values, file)) {
    return error;
  }
  if (auto error = checkFile(tls.private_key_file, "server.tls.private_key", values, file)) {
    return error;
  }
  const auto lineFor = [&values](const std::string& key) {
    const auto it = values.find(key);
    return it != values.end() ? it->second.origin.line : 0;
  };
  const std::string& bpnl = config.supplier.bpnl;
  const bool bpnl_ok = bpnl.size() == 16 && bpnl.rfind("BPNL", 0) == 0 &&
                       std::all_of(bpnl.begin() + 4, bpnl.end(), [](char c) {
                         return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
                       });
  if (!bpnl.empty() && !bpnl_ok) {
    return configError(ErrorCode::kInvalidArgument,
                       "'" + bpnl + "' is not a BPNL (BPNL followed by 12 digits or capitals)",
                       "supplier.bpnl", file, lineFor("supplier.bpnl"));
  }
  if (!config.sync.mappings.empty() && bpnl.empty()) {
    return configError(ErrorCode::kMissingKey, "is required when sync.mappings is set",
                       "supplier.bpnl", file, 0);
  }
  if (config.store.backend == StoreBackend::kPostgres && config.store.postgres_connection.empty()) {
    return configError(ErrorCode::kMissingKey, "is required when store.backend is postgres",
                       "store.postgres_connection", file, lineFor("store.backend"));
  }
  for (const auto& mapping : config.sync.mappings) {
    if (auto error = checkFile(mapping, "sync.mappings", values, file)) return error;
  }
  if (!config.policies.directory.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(config.policies.directory, ec)) {
      return configError(ErrorCode::kNotFound,
                         "directory " + config.policies.directory.string() + " does not exist",
                         "policies.directory", file, lineFor("policies.directory"));
    }
  }
  for (const auto& directory : config.schemas.directories) {
    std::error_code ec;
    if (!std::filesystem::is_directory(directory, ec)) {
      return configError(ErrorCode::kNotFound,
                         "directory " + directory.string() + " does not exist",
                         "schemas.directories", file, lineFor("schemas.directories"));
    }
  }
  if (!config.dsp.public_url.empty()) {
    const int line = lineFor("dsp.public_url");
    if (config.dsp.public_url.rfind("https://", 0) != 0 || config.dsp.public_url.size() < 9) {
      return configError(ErrorCode::kInvalidArgument, "must be an https:// URL", "dsp.public_url",
                         file, line);
    }
    if (bpnl.empty()) {
      return configError(ErrorCode::kMissingKey, "is required when dsp.public_url is set",
                         "supplier.bpnl", file, 0);
    }
    if (config.dsp.partner_registry.empty()) {
      return configError(ErrorCode::kMissingKey, "is required when dsp.public_url is set",
                         "dsp.partner_registry", file, line);
    }
    if (auto error = checkFile(config.dsp.partner_registry, "dsp.partner_registry", values, file)) {
      return error;
    }
    if (tls.client_certificates == ClientCertificateMode::kNone) {
      return configError(ErrorCode::kInvalidArgument,
                         "must be optional or required when dsp.public_url is set (partners "
                         "authenticate with client certificates)",
                         "server.tls.client_certificates", file,
                         lineFor("server.tls.client_certificates"));
    }
    for (const auto& [path, key] :
         {std::pair(&config.dsp.partner_ca_file, "dsp.partner_ca"),
          std::pair(&config.dsp.token_signing_key, "dsp.token_signing_key")}) {
      if (path->empty()) continue;
      if (auto error = checkFile(*path, key, values, file)) return error;
    }
  }
  if (tls.client_certificates != ClientCertificateMode::kNone) {
    if (tls.client_ca_file.empty()) {
      const auto it = values.find("server.tls.client_certificates");
      return configError(ErrorCode::kMissingKey,
                         "is required when server.tls.client_certificates is not 'none'",
                         "server.tls.client_ca", file, it->second.origin.line);
    }
    if (auto error = checkFile(tls.client_ca_file, "server.tls.client_ca", values, file)) {
      return error;
    }
  }
  return std::nullopt;
}

}  // namespace

std::string environmentVariableFor(const std::string& key) {
  std::string name = "CXGW_";
  for (char c : key) {
    if (c == '.') {
      name += "__";
    } else {
      name.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
  }
  return name;
}

Environment processEnvironment() {
  Environment env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const size_t eq = text.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
  }
  return env;
}

const std::vector<ConfigKeyInfo>& configKeys() {
  static const std::vector<ConfigKeyInfo> infos = [] {
    std::vector<ConfigKeyInfo> out;
    for (const KeySpec& spec : keyTable()) out.push_back(spec.info);
    return out;
  }();
  return infos;
}

Result<LoadedConfig> loadGatewayConfig(const std::filesystem::path& path, const Environment& env) {
  const std::string file = path.string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Error{ErrorCode::kNotFound, "config file does not exist or is not a regular file", "",
                 file, 0};
  }
  YAML::Node root;
  try {
    root = YAML::LoadFile(file);
  } catch (const YAML::ParserException& e) {
    return Error{ErrorCode::kInvalidArgument, "invalid YAML: " + e.msg, "", file,
                 e.mark.line >= 0 ? e.mark.line + 1 : 0};
  } catch (const YAML::Exception& e) {
    return Error{ErrorCode::kIoError, "cannot read config file: " + e.msg, "", file, 0};
  }

  const std::filesystem::path base = std::filesystem::absolute(path).parent_path();
  std::map<std::string, RawValue> values;
  if (root.IsDefined() && !root.IsNull()) {
    if (!root.IsMap()) {
      return Error{ErrorCode::kInvalidArgument, "the top level must be a mapping of keys", "", file,
                   lineOf(root)};
    }
    if (auto error = collectFromYaml(root, "", file, base, values)) return *error;
  }

  const std::filesystem::path cwd = std::filesystem::current_path(ec);
  for (const auto& [name, text] : env) {
    // Overrides are CXGW_SECTION__KEY; other CXGW_ variables (e.g. a password a mapping names)
    // are not config keys.
    if (name.rfind("CXGW_", 0) != 0 || name.find("__") == std::string::npos) continue;
    const KeySpec* match = nullptr;
    for (const KeySpec& spec : keyTable()) {
      if (spec.info.env_variable == name) match = &spec;
    }
    if (match == nullptr) {
      return Error{ErrorCode::kUnknownKey,
                   "environment variable does not name a config key (rule: CXGW_ + key path in "
                   "upper case, '__' between segments)",
                   name, "", 0};
    }
    values[match->info.key] = RawValue{text, {ConfigValueOrigin::Kind::kEnvironment, 0, name}, cwd};
  }

  auto config = std::make_shared<GatewayConfig>();
  LoadedConfig loaded;
  for (const auto& [key, raw] : values) {
    const KeySpec* spec = findKey(key);
    if (auto problem = spec->assign(*config, raw)) {
      const bool from_env = raw.origin.kind == ConfigValueOrigin::Kind::kEnvironment;
      return Error{ErrorCode::kInvalidArgument,
                   *problem + (from_env ? " (from " + raw.origin.env_variable + ")" : ""), key,
                   from_env ? "" : file, raw.origin.line};
    }
    loaded.origins[key] = raw.origin;
  }
  if (auto error = validate(*config, values, file)) return *error;

  loaded.config = std::move(config);
  loaded.file = path;
  return loaded;
}

std::string renderEffectiveConfig(const LoadedConfig& loaded) {
  std::ostringstream out;
  out << "# effective configuration of " << loaded.file.string() << "\n";
  size_t width = 0;
  for (const KeySpec& spec : keyTable()) width = std::max(width, spec.info.key.size());
  for (const KeySpec& spec : keyTable()) {
    std::string value = spec.show(*loaded.config);
    if (spec.info.secret) value = value.empty() ? "(empty)" : "********";
    if (value.empty()) value = "(unset)";
    std::string origin = "default";
    if (const auto it = loaded.origins.find(spec.info.key); it != loaded.origins.end()) {
      origin = it->second.kind == ConfigValueOrigin::Kind::kFile
                   ? "file line " + std::to_string(it->second.line)
                   : "env " + it->second.env_variable;
    }
    out << spec.info.key << std::string(width - spec.info.key.size(), ' ') << " = " << value
        << "  # " << origin << "\n";
  }
  return out.str();
}

}  // namespace cxgw
