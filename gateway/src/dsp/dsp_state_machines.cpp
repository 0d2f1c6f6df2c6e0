#include "cxgw/gateway/dsp/dsp_state_machines.hpp"

#include <array>
#include <string>
#include <utility>

namespace cxgw::gateway::dsp {
namespace {

using NS = NegotiationState;
using NM = NegotiationMessage;
using TS = TransferState;
using TM = TransferMessage;

constexpr std::array kNegotiationStates = {NS::kRequested, NS::kOffered,  NS::kAccepted,
                                           NS::kAgreed,    NS::kVerified, NS::kFinalized,
                                           NS::kTerminated};
constexpr std::array kTransferStates = {TS::kRequested, TS::kStarted, TS::kSuspended,
                                        TS::kCompleted, TS::kTerminated};

// Which side may send a message; nullopt: either.
std::optional<Role> negotiationSender(NM message) {
  switch (message) {
    case NM::kContractRequest:
    case NM::kAccepted:
    case NM::kAgreementVerification:
      return Role::kConsumer;
    case NM::kContractOffer:
    case NM::kContractAgreement:
    case NM::kFinalized:
      return Role::kProvider;
    case NM::kTermination:
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<NS> negotiationTarget(std::optional<NS> current, NM message) {
  if (!current) {
    if (message == NM::kContractRequest) return NS::kRequested;
    if (message == NM::kContractOffer) return NS::kOffered;
    return std::nullopt;
  }
  switch (message) {
    case NM::kContractRequest:
      return *current == NS::kOffered ? std::optional(NS::kRequested) : std::nullopt;
    case NM::kContractOffer:
      return *current == NS::kRequested ? std::optional(NS::kOffered) : std::nullopt;
    case NM::kAccepted:
      return *current == NS::kOffered ? std::optional(NS::kAccepted) : std::nullopt;
    case NM::kContractAgreement:
      return *current == NS::kRequested || *current == NS::kAccepted ? std::optional(NS::kAgreed)
                                                                     : std::nullopt;
    case NM::kAgreementVerification:
      return *current == NS::kAgreed ? std::optional(NS::kVerified) : std::nullopt;
    case NM::kFinalized:
      return *current == NS::kVerified ? std::optional(NS::kFinalized) : std::nullopt;
    case NM::kTermination:
      return isTerminal(*current) ? std::nullopt : std::optional(NS::kTerminated);
  }
  return std::nullopt;
}

std::optional<Role> transferSender(std::optional<TS> current, TM message) {
  switch (message) {
    case TM::kRequest:
      return Role::kConsumer;
    case TM::kStart:
      // Only the provider starts a requested transfer; either side resumes a suspended one.
      return current == TS::kRequested ? std::optional(Role::kProvider) : std::nullopt;
    case TM::kSuspension:
    case TM::kCompletion:
    case TM::kTermination:
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<TS> transferTarget(std::optional<TS> current, TM message) {
  if (!current) return message == TM::kRequest ? std::optional(TS::kRequested) : std::nullopt;
  switch (message) {
    case TM::kRequest:
      return std::nullopt;
    case TM::kStart:
      return *current == TS::kRequested || *current == TS::kSuspended ? std::optional(TS::kStarted)
                                                                      : std::nullopt;
    case TM::kSuspension:
      return *current == TS::kStarted ? std::optional(TS::kSuspended) : std::nullopt;
    case TM::kCompletion:
      return *current == TS::kStarted ? std::optional(TS::kCompleted) : std::nullopt;
    case TM::kTermination:
      return isTerminal(*current) ? std::nullopt : std::optional(TS::kTerminated);
  }
  return std::nullopt;
}

template <typename State, typename NameOf>
std::string refusal(std::optional<State> current, std::string_view message, Role sender,
                    NameOf name_of, std::string_view process) {
  std::string text = std::string(message) + " from the " + std::string(roleName(sender));
  if (!current) return text + " cannot start a " + std::string(process);
  return text + " is not valid for a " + std::string(process) + " in state " +
         std::string(name_of(*current));
}

}  // namespace

std::string_view negotiationStateName(NegotiationState state) {
  switch (state) {
    case NS::kRequested:
      return "REQUESTED";
    case NS::kOffered:
      return "OFFERED";
    case NS::kAccepted:
      return "ACCEPTED";
    case NS::kAgreed:
      return "AGREED";
    case NS::kVerified:
      return "VERIFIED";
    case NS::kFinalized:
      return "FINALIZED";
    case NS::kTerminated:
      return "TERMINATED";
  }
  return "TERMINATED";
}

std::string_view transferStateName(TransferState state) {
  switch (state) {
    case TS::kRequested:
      return "REQUESTED";
    case TS::kStarted:
      return "STARTED";
    case TS::kSuspended:
      return "SUSPENDED";
    case TS::kCompleted:
      return "COMPLETED";
    case TS::kTerminated:
      return "TERMINATED";
  }
  return "TERMINATED";
}

std::optional<NegotiationState> parseNegotiationState(std::string_view name) {
  for (NS state : kNegotiationStates) {
    if (negotiationStateName(state) == name) return state;
  }
  return std::nullopt;
}

std::optional<TransferState> parseTransferState(std::string_view name) {
  for (TS state : kTransferStates) {
    if (transferStateName(state) == name) return state;
  }
  return std::nullopt;
}

std::string_view negotiationMessageName(NegotiationMessage message) {
  switch (message) {
    case NM::kContractRequest:
      return "ContractRequestMessage";
    case NM::kContractOffer:
      return "ContractOfferMessage";
    case NM::kAccepted:
      return "ContractNegotiationEventMessage (ACCEPTED)";
    case NM::kContractAgreement:
      return "ContractAgreementMessage";
    case NM::kAgreementVerification:
      return "ContractAgreementVerificationMessage";
    case NM::kFinalized:
      return "ContractNegotiationEventMessage (FINALIZED)";
    case NM::kTermination:
      return "ContractNegotiationTerminationMessage";
  }
  return "";
}

std::string_view transferMessageName(TransferMessage message) {
  switch (message) {
    case TM::kRequest:
      return "TransferRequestMessage";
    case TM::kStart:
      return "TransferStartMessage";
    case TM::kSuspension:
      return "TransferSuspensionMessage";
    case TM::kCompletion:
      return "TransferCompletionMessage";
    case TM::kTermination:
      return "TransferTerminationMessage";
  }
  return "";
}

std::string_view roleName(Role role) {
  return role == Role::kProvider ? "provider" : "consumer";
}

bool isTerminal(NegotiationState state) {
  return state == NS::kFinalized || state == NS::kTerminated;
}

bool isTerminal(TransferState state) {
  return state == TS::kCompleted || state == TS::kTerminated;
}

Result<NegotiationState> nextNegotiationState(std::optional<NegotiationState> current,
                                              NegotiationMessage message, Role sender) {
  const auto allowed_sender = negotiationSender(message);
  const auto target = negotiationTarget(current, message);
  if (target && (!allowed_sender || *allowed_sender == sender)) return *target;
  return Error{ErrorCode::kInvalidArgument,
               refusal(current, negotiationMessageName(message), sender, negotiationStateName,
                       "contract negotiation"),
               "@type", "", 0};
}

Result<TransferState> nextTransferState(std::optional<TransferState> current,
                                        TransferMessage message, Role sender) {
  const auto allowed_sender = transferSender(current, message);
  const auto target = transferTarget(current, message);
  if (target && (!allowed_sender || *allowed_sender == sender)) return *target;
  return Error{
      ErrorCode::kInvalidArgument,
      refusal(current, transferMessageName(message), sender, transferStateName, "transfer process"),
      "@type", "", 0};
}

}  // namespace cxgw::gateway::dsp
