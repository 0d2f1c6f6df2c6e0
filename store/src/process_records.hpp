#pragma once
// The record rules of process_store.hpp, shared by the memory and the PostgreSQL store so that
// both accept, reject and truncate exactly alike.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cxgw/core/result.hpp"
#include "cxgw/store/process_store.hpp"

namespace cxgw::store {

// `time` rounded down to whole microseconds, as PostgreSQL's timestamptz holds it.
std::chrono::system_clock::time_point storedTime(std::chrono::system_clock::time_point time);

// The role a name ("provider", "consumer") stands for; nullopt for any other text.
std::optional<ProcessRole> parseProcessRole(std::string_view name);

// kInvalidArgument, key naming the field, for a record the store must not hold: an empty id,
// an id that is not our own pid, text that holds a NUL byte or invalid UTF-8.
Status validateRecord(const ContractNegotiationRecord& record);
Status validateRecord(const TransferProcessRecord& record);
Status validateRecord(const ContractAgreementRecord& record);
// The same rule for one text value, e.g. a retirement reason.
Status validateText(const std::string& value, const char* field);

// kInvalidArgument, key naming the field, when `updated` changes what `stored` fixes: role,
// created_at, or a pid that is already set (our own pid always is).
Status checkFixedFields(const ContractNegotiationRecord& stored,
                        const ContractNegotiationRecord& updated);
Status checkFixedFields(const TransferProcessRecord& stored, const TransferProcessRecord& updated);

// "negotiation 'id' …" errors, the same from every implementation.
Error processExists(const char* kind, const std::string& id);
Error processNotFound(const char* kind, const std::string& id);
Error processVersionConflict(const char* kind, const std::string& id, int64_t stored,
                             int64_t given);

}  // namespace cxgw::store
