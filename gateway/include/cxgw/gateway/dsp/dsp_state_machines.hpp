#pragma once
// The state machines of the Dataspace Protocol's contract negotiation and transfer process, as
// the protocol's state figures define them (identical in v0.8 and 2025-1). Pure functions; the
// same tables serve the provider and the consumer role, because a transition depends only on
// the current state, the message and which side sent it.
//
// Contract negotiation (sender in brackets):
//   (none)    --ContractRequestMessage [consumer]-->            REQUESTED
//   (none)    --ContractOfferMessage [provider]-->              OFFERED
//   OFFERED   --ContractRequestMessage [consumer]-->            REQUESTED
//   REQUESTED --ContractOfferMessage [provider]-->              OFFERED
//   OFFERED   --NegotiationEventMessage ACCEPTED [consumer]-->  ACCEPTED
//   REQUESTED, ACCEPTED --ContractAgreementMessage [provider]--> AGREED
//   AGREED    --AgreementVerificationMessage [consumer]-->      VERIFIED
//   VERIFIED  --NegotiationEventMessage FINALIZED [provider]--> FINALIZED
//   any state but FINALIZED and TERMINATED
//             --NegotiationTerminationMessage [either]-->       TERMINATED
//
// Transfer process:
//   (none)    --TransferRequestMessage [consumer]-->      REQUESTED
//   REQUESTED --TransferStartMessage [provider]-->        STARTED
//   SUSPENDED --TransferStartMessage [either]-->          STARTED
//   STARTED   --TransferSuspensionMessage [either]-->     SUSPENDED
//   STARTED   --TransferCompletionMessage [either]-->     COMPLETED
//   REQUESTED, STARTED, SUSPENDED
//             --TransferTerminationMessage [either]-->    TERMINATED
//
// A refused transition is kInvalidArgument with a sentence that names the state, the message
// and the sender, ready for the protocol's error body (HTTP 400).

#include <optional>
#include <string_view>

#include "cxgw/core/result.hpp"

namespace cxgw::gateway::dsp {

enum class Role { kProvider, kConsumer };

enum class NegotiationState {
  kRequested,
  kOffered,
  kAccepted,
  kAgreed,
  kVerified,
  kFinalized,
  kTerminated
};

enum class NegotiationMessage {
  kContractRequest,
  kContractOffer,
  kAccepted,  // ContractNegotiationEventMessage with eventType ACCEPTED
  kContractAgreement,
  kAgreementVerification,
  kFinalized,  // ContractNegotiationEventMessage with eventType FINALIZED
  kTermination,
};

enum class TransferState { kRequested, kStarted, kSuspended, kCompleted, kTerminated };

enum class TransferMessage { kRequest, kStart, kSuspension, kCompletion, kTermination };

// "REQUESTED", …, as on the wire (without namespace).
std::string_view negotiationStateName(NegotiationState state);
std::string_view transferStateName(TransferState state);
// The state of its wire name; empty for anything else.
std::optional<NegotiationState> parseNegotiationState(std::string_view name);
std::optional<TransferState> parseTransferState(std::string_view name);

std::string_view negotiationMessageName(
    NegotiationMessage message);  // e.g. "ContractRequestMessage"
std::string_view transferMessageName(TransferMessage message);
std::string_view roleName(Role role);  // "provider" / "consumer"

bool isTerminal(NegotiationState state);
bool isTerminal(TransferState state);

// The state after `message` from `sender` reaches a negotiation in `current` (empty: none exists
// yet, the message would create it).
Result<NegotiationState> nextNegotiationState(std::optional<NegotiationState> current,
                                              NegotiationMessage message, Role sender);

Result<TransferState> nextTransferState(std::optional<TransferState> current,
                                        TransferMessage message, Role sender);

}  // namespace cxgw::gateway::dsp
