#include <iomanip>
#include <iostream>
#include <optional>

#include "commands.hpp"
#include "component_wiring.hpp"
#include "cxgw/core/json_text.hpp"
#include "cxgw/core/timestamp.hpp"
#include "cxgw/store/postgres_audit_trail.hpp"

namespace cxgw::app {
namespace {

constexpr size_t kQueryPage = 1000;

// The configured trail, or null after printing why (`exit_code` says how to exit).
std::unique_ptr<store::AuditTrail> openConfiguredTrail(const std::filesystem::path& config_file,
                                                       int& exit_code) {
  const auto config = loadConfigOrReport(config_file);
  exit_code = 2;
  if (!config) return nullptr;
  if (config->store.backend == StoreBackend::kMemory) {
    std::cerr << "cxgw: audit: " << config_file.string()
              << " configures store.backend: memory, and the memory store keeps no audit trail "
                 "across processes; the audit trail needs store.backend: postgres\n";
    return nullptr;
  }
  auto trail = store::openPostgresAuditTrail({config->store.postgres_connection});
  if (!trail) {
    Error error = trail.error();
    error.key = "store.postgres_connection";
    std::cerr << "cxgw: audit: " << error.describe() << "\n";
    exit_code = 1;
    return nullptr;
  }
  return std::move(trail).value();
}

std::optional<store::AuditQuery> parseQuery(const AuditQueryArguments& arguments, size_t& limit) {
  const auto bad = [](const char* option, const std::string& why) {
    std::cerr << "cxgw: audit query: " << option << ": " << why << "\n";
    return std::nullopt;
  };
  store::AuditQuery query;
  query.partner = arguments.partner;
  query.asset = arguments.asset;
  if (!arguments.decision.empty()) {
    query.decision = store::parseAuditDecision(arguments.decision);
    if (!query.decision) {
      return bad("--decision", "'" + arguments.decision + "' is neither allow nor deny");
    }
  }
  const std::pair<const char*, const std::string*> times[] = {{"--since", &arguments.since},
                                                              {"--until", &arguments.until}};
  for (const auto& [option, text] : times) {
    if (text->empty()) continue;
    auto time = parseIsoTimestampStrict(*text);
    if (!time) return bad(option, time.error().message);
    (text == &arguments.since ? query.since : query.until) = time.value();
  }
  if (query.since && query.until && *query.until <= *query.since) {
    return bad("--until",
               "'" + arguments.until + "' is not after --since '" + arguments.since + "'");
  }
  const std::string& text = arguments.limit;
  if (text.empty() || text.size() > 9 ||
      text.find_first_not_of("0123456789") != std::string::npos || std::stoul(text) == 0) {
    return bad("--limit", "'" + text + "' is not a whole number from 1 to 999999999");
  }
  limit = std::stoul(text);
  if (arguments.format != "table" && arguments.format != "json" && arguments.format != "csv") {
    return bad("--format", "'" + arguments.format + "' is none of table, json, csv");
  }
  return query;
}

// A CSV field, quoted (RFC 4180) when it holds a comma, a quote or a line break.
std::string csvField(const std::string& value) {
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string out = "\"";
  for (const char c : value) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

// `value` on one table line: control characters become spaces.
std::string oneLine(std::string value) {
  for (char& c : value) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return value;
}

class RecordPrinter {
 public:
  explicit RecordPrinter(std::string format) : format_(std::move(format)) {}

  void begin() {
    if (format_ == "json") {
      std::cout << "[";
    } else if (format_ == "csv") {
      std::cout << "sequence,time,decision,scope,partner_bpn,partner_did,asset_id,twin_id,"
                   "policy_id,policy_hash,agreement_id,reason,previous_hash,hash\n";
    } else {
      std::cout << std::left << std::setw(8) << "SEQ" << std::setw(29) << "TIME" << std::setw(10)
                << "DECISION" << std::setw(13) << "SCOPE" << std::setw(18) << "PARTNER"
                << std::setw(26) << "ASSET"
                << "REASON\n";
    }
  }

  void print(const store::AuditRecord& record) {
    const store::AuditEntry& e = record.entry;
    const std::string time = formatIsoTimestampMicros(e.time);
    const std::string decision = store::auditDecisionName(e.decision);
    if (format_ == "json") {
      std::string line = count_ == 0 ? "\n  {" : ",\n  {";
      const std::pair<const char*, const std::string*> fields[] = {
          {"time", &time},
          {"decision", &decision},
          {"scope", &e.scope},
          {"partner_bpn", &e.partner_bpn},
          {"partner_did", &e.partner_did},
          {"asset_id", &e.asset_id},
          {"twin_id", &e.twin_id},
          {"policy_id", &e.policy_id},
          {"policy_hash", &e.policy_hash},
          {"agreement_id", &e.agreement_id},
          {"reason", &e.reason},
          {"previous_hash", &record.previous_hash},
          {"hash", &record.hash}};
      line += "\"sequence\":" + std::to_string(record.sequence);
      for (const auto& [name, value] : fields) {
        line += ",\"";
        line += name;
        line += "\":";
        json::appendString(line, *value);
      }
      std::cout << line << "}";
    } else if (format_ == "csv") {
      std::cout << record.sequence << ',' << time << ',' << decision << ',' << csvField(e.scope)
                << ',' << csvField(e.partner_bpn) << ',' << csvField(e.partner_did) << ','
                << csvField(e.asset_id) << ',' << csvField(e.twin_id) << ','
                << csvField(e.policy_id) << ',' << csvField(e.policy_hash) << ','
                << csvField(e.agreement_id) << ',' << csvField(e.reason) << ','
                << record.previous_hash << ',' << record.hash << "\n";
    } else {
      const std::string& partner = e.partner_bpn.empty() ? e.partner_did : e.partner_bpn;
      const std::string& asset = e.asset_id.empty() ? e.twin_id : e.asset_id;
      std::cout << std::left << std::setw(8) << record.sequence << std::setw(29) << time
                << std::setw(10) << decision << std::setw(13) << oneLine(e.scope) << std::setw(18)
                << oneLine(partner) << std::setw(26) << oneLine(asset) << oneLine(e.reason) << "\n";
    }
    ++count_;
  }

  void end() {
    if (format_ == "json") {
      std::cout << (count_ == 0 ? "]\n" : "\n]\n");
    } else if (format_ == "table") {
      std::cout << "(" << count_ << (count_ == 1 ? " record" : " records") << ")\n";
    }
  }

 private:
  const std::string format_;
  size_t count_ = 0;
};

}  // namespace

int runAuditVerify(const std::filesystem::path& config_file) {
  int exit_code = 0;
  const auto trail = openConfiguredTrail(config_file, exit_code);
  if (!trail) return exit_code;
  auto verified = trail->verify();
  if (!verified) {
    std::cerr << "cxgw: audit verify: " << verified.error().describe() << "\n";
    return 1;
  }
  const store::AuditVerification& result = verified.value();
  const std::string head = result.head.hash.empty()
                               ? "missing"
                               : std::to_string(result.head.sequence) + " " + result.head.hash;
  if (result.intact()) {
    std::cout << "audit trail intact: " << result.records_checked << " records, head " << head
              << "\n";
    return 0;
  }
  std::cout << "audit trail BROKEN: " << result.first_break->reason << "\n"
            << "checked " << result.records_checked << " records; head " << head << "\n";
  return 1;
}

int runAuditQuery(const std::filesystem::path& config_file, const AuditQueryArguments& arguments) {
  size_t limit = 0;
  auto query = parseQuery(arguments, limit);
  if (!query) return 2;
  int exit_code = 0;
  const auto trail = openConfiguredTrail(config_file, exit_code);
  if (!trail) return exit_code;
  RecordPrinter printer(arguments.format);
  printer.begin();
  // In pages, so that a large answer is printed as it is read.
  for (size_t printed = 0; printed < limit;) {
    query->limit = std::min(kQueryPage, limit - printed);
    auto page = trail->query(*query);
    if (!page) {
      std::cout << std::flush;
      std::cerr << "\ncxgw: audit query: " << page.error().describe() << "\n";
      return 1;
    }
    for (const store::AuditRecord& record : page.value()) printer.print(record);
    printed += page.value().size();
    if (page.value().size() < query->limit) break;
    query->after_sequence = page.value().back().sequence;
  }
  printer.end();
  return 0;
}

}  // namespace cxgw::app
