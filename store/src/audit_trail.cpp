#include "cxgw/store/audit_trail.hpp"

#include <algorithm>

#include "cxgw/core/utf8.hpp"

namespace cxgw::store {
namespace {

Status validText(const std::string& value, size_t index, const char* field) {
  if (const size_t pos = std::min(value.find('\0'), utf8::firstInvalid(value));
      pos != std::string::npos) {
    return Error{
        ErrorCode::kInvalidArgument,
        std::string(field) + " holds a NUL byte or invalid UTF-8 at byte " + std::to_string(pos),
        "entries[" + std::to_string(index) + "]." + field, "", 0};
  }
  return {};
}

}  // namespace

const char* auditDecisionName(AuditDecision decision) {
  return decision == AuditDecision::kAllow ? "allow" : "deny";
}

std::optional<AuditDecision> parseAuditDecision(std::string_view name) {
  if (name == "allow") return AuditDecision::kAllow;
  if (name == "deny") return AuditDecision::kDeny;
  return std::nullopt;
}

Result<AuditRecord> AuditTrail::append(const AuditEntry& entry) {
  auto records = append(std::vector<AuditEntry>{entry});
  if (!records) return records.error();
  return std::move(records.value().front());
}

void AuditTrail::appendThen(std::vector<AuditEntry> entries, AppendDone done) {
  done(append(entries));
}

Status validateAuditEntry(const AuditEntry& entry, size_t index) {
  if (std::find(std::begin(kAuditScopes), std::end(kAuditScopes), entry.scope) ==
      std::end(kAuditScopes)) {
    return Error{
        ErrorCode::kInvalidArgument,
        "scope '" + entry.scope + "' is none of catalog, negotiation, transfer, data_access",
        "entries[" + std::to_string(index) + "].scope", "", 0};
  }
  const std::pair<const std::string*, const char*> fields[] = {
      {&entry.partner_bpn, "partner_bpn"},   {&entry.partner_did, "partner_did"},
      {&entry.asset_id, "asset_id"},         {&entry.twin_id, "twin_id"},
      {&entry.policy_id, "policy_id"},       {&entry.policy_hash, "policy_hash"},
      {&entry.agreement_id, "agreement_id"}, {&entry.reason, "reason"}};
  for (const auto& [value, name] : fields) {
    if (Status status = validText(*value, index, name); !status) return status;
  }
  return {};
}

}  // namespace cxgw::store
