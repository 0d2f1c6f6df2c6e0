#include <algorithm>
#include <utility>

#include "cxgw/core/utf8.hpp"
#include "process_records.hpp"

namespace cxgw::store {
namespace {

const std::string& ownPid(ProcessRole role, const std::string& provider_pid,
                          const std::string& consumer_pid) {
  return role == ProcessRole::kProvider ? provider_pid : consumer_pid;
}

const char* ownPidField(ProcessRole role) {
  return role == ProcessRole::kProvider ? "provider_pid" : "consumer_pid";
}

Status validateId(const std::string& id, const std::string* own_pid, const char* own_pid_field) {
  if (id.empty()) return Error{ErrorCode::kInvalidArgument, "id is empty", "id", "", 0};
  if (own_pid && *own_pid != id) {
    return Error{ErrorCode::kInvalidArgument,
                 std::string(own_pid_field) + " '" + *own_pid + "' is not the record's id '" + id +
                     "': our own pid is the id",
                 own_pid_field, "", 0};
  }
  return {};
}

template <size_t N>
Status validateTexts(const std::pair<const std::string*, const char*> (&fields)[N]) {
  for (const auto& [value, name] : fields) {
    if (Status status = validateText(*value, name); !status) return status;
  }
  return {};
}

Status fixedFieldChanged(const char* field, const std::string& detail) {
  return Error{ErrorCode::kInvalidArgument, std::string(field) + " cannot change" + detail, field,
               "", 0};
}

// The fields that negotiations and transfers fix in the same way.
template <typename Record>
Status checkProcessFixedFields(const Record& stored, const Record& updated) {
  if (stored.role != updated.role) {
    return fixedFieldChanged("role", std::string(" (stored: ") + processRoleName(stored.role) +
                                         ", given: " + processRoleName(updated.role) + ")");
  }
  if (storedTime(stored.created_at) != storedTime(updated.created_at)) {
    return fixedFieldChanged("created_at", "");
  }
  const std::pair<const std::string*, const std::string*> pids[] = {
      {&stored.provider_pid, &updated.provider_pid}, {&stored.consumer_pid, &updated.consumer_pid}};
  const char* names[] = {"provider_pid", "consumer_pid"};
  for (size_t i = 0; i < 2; ++i) {
    const auto& [was, now] = pids[i];
    if (!was->empty() && *was != *now) {
      return fixedFieldChanged(names[i],
                               " once set (stored: '" + *was + "', given: '" + *now + "')");
    }
  }
  return {};
}

}  // namespace

const char* processRoleName(ProcessRole role) {
  return role == ProcessRole::kProvider ? "provider" : "consumer";
}

std::optional<ProcessRole> parseProcessRole(std::string_view name) {
  if (name == "provider") return ProcessRole::kProvider;
  if (name == "consumer") return ProcessRole::kConsumer;
  return std::nullopt;
}

std::chrono::system_clock::time_point storedTime(std::chrono::system_clock::time_point time) {
  return std::chrono::time_point_cast<std::chrono::system_clock::duration>(
      std::chrono::floor<std::chrono::microseconds>(time));
}

Status validateText(const std::string& value, const char* field) {
  if (const size_t pos = std::min(value.find('\0'), utf8::firstInvalid(value));
      pos != std::string::npos) {
    return Error{
        ErrorCode::kInvalidArgument,
        std::string(field) + " holds a NUL byte or invalid UTF-8 at byte " + std::to_string(pos),
        field, "", 0};
  }
  return {};
}

Status validateRecord(const ContractNegotiationRecord& r) {
  if (Status status =
          validateId(r.id, &ownPid(r.role, r.provider_pid, r.consumer_pid), ownPidField(r.role));
      !status) {
    return status;
  }
  const std::pair<const std::string*, const char*> fields[] = {
      {&r.id, "id"},
      {&r.provider_pid, "provider_pid"},
      {&r.consumer_pid, "consumer_pid"},
      {&r.counterparty_bpn, "counterparty_bpn"},
      {&r.counterparty_address, "counterparty_address"},
      {&r.protocol, "protocol"},
      {&r.state, "state"},
      {&r.asset_id, "asset_id"},
      {&r.offer_id, "offer_id"},
      {&r.contract_definition_id, "contract_definition_id"},
      {&r.policy_json, "policy_json"},
      {&r.agreement_id, "agreement_id"},
      {&r.error_detail, "error_detail"}};
  return validateTexts(fields);
}

Status validateRecord(const TransferProcessRecord& r) {
  if (Status status =
          validateId(r.id, &ownPid(r.role, r.provider_pid, r.consumer_pid), ownPidField(r.role));
      !status) {
    return status;
  }
  const std::pair<const std::string*, const char*> fields[] = {
      {&r.id, "id"},
      {&r.provider_pid, "provider_pid"},
      {&r.consumer_pid, "consumer_pid"},
      {&r.agreement_id, "agreement_id"},
      {&r.asset_id, "asset_id"},
      {&r.counterparty_bpn, "counterparty_bpn"},
      {&r.counterparty_address, "counterparty_address"},
      {&r.protocol, "protocol"},
      {&r.transfer_type, "transfer_type"},
      {&r.state, "state"},
      {&r.data_address_json, "data_address_json"},
      {&r.error_detail, "error_detail"}};
  return validateTexts(fields);
}

Status validateRecord(const ContractAgreementRecord& r) {
  if (Status status = validateId(r.id, nullptr, ""); !status) return status;
  const std::pair<const std::string*, const char*> fields[] = {
      {&r.id, "id"},
      {&r.negotiation_id, "negotiation_id"},
      {&r.asset_id, "asset_id"},
      {&r.provider_bpn, "provider_bpn"},
      {&r.consumer_bpn, "consumer_bpn"},
      {&r.policy_json, "policy_json"},
      {&r.retired_reason, "retired_reason"}};
  return validateTexts(fields);
}

Status checkFixedFields(const ContractNegotiationRecord& stored,
                        const ContractNegotiationRecord& updated) {
  return checkProcessFixedFields(stored, updated);
}

Status checkFixedFields(const TransferProcessRecord& stored, const TransferProcessRecord& updated) {
  return checkProcessFixedFields(stored, updated);
}

Error processExists(const char* kind, const std::string& id) {
  return Error{ErrorCode::kConflict, std::string(kind) + " '" + id + "' exists already", "id", "",
               0};
}

Error processNotFound(const char* kind, const std::string& id) {
  return Error{ErrorCode::kNotFound, std::string("no ") + kind + " '" + id + "'", "id", "", 0};
}

Error processVersionConflict(const char* kind, const std::string& id, int64_t stored,
                             int64_t given) {
  return Error{ErrorCode::kConflict,
               std::string(kind) + " '" + id + "' is at version " + std::to_string(stored) +
                   ", not " + std::to_string(given) + ": it was changed meanwhile; read it again",
               "version", "", 0};
}

}  // namespace cxgw::store
