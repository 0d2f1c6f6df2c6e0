#include "cxgw/gateway/dsp/dsp_state_machines.hpp"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace cxgw::gateway::dsp {
namespace {

// The protocol's figures, written out as the set of valid (from, message, sender) -> to edges.
// Every combination not listed must be refused.
using NS = NegotiationState;
using NM = NegotiationMessage;
using TS = TransferState;
using TM = TransferMessage;
constexpr Role P = Role::kProvider;
constexpr Role C = Role::kConsumer;

const std::vector<std::optional<NS>> kAllNegotiationStates = {
    std::nullopt, NS::kRequested, NS::kOffered,   NS::kAccepted,
    NS::kAgreed,  NS::kVerified,  NS::kFinalized, NS::kTerminated};
const std::vector<NM> kAllNegotiationMessages = {
    NM::kContractRequest,       NM::kContractOffer, NM::kAccepted,   NM::kContractAgreement,
    NM::kAgreementVerification, NM::kFinalized,     NM::kTermination};
const std::vector<std::optional<TS>> kAllTransferStates = {
    std::nullopt, TS::kRequested, TS::kStarted, TS::kSuspended, TS::kCompleted, TS::kTerminated};
const std::vector<TM> kAllTransferMessages = {TM::kRequest, TM::kStart, TM::kSuspension,
                                              TM::kCompletion, TM::kTermination};

using NegotiationEdge = std::tuple<std::optional<NS>, NM, Role>;
const std::map<NegotiationEdge, NS> kNegotiationFigure = {
    {{std::nullopt, NM::kContractRequest, C}, NS::kRequested},
    {{std::nullopt, NM::kContractOffer, P}, NS::kOffered},
    {{NS::kOffered, NM::kContractRequest, C}, NS::kRequested},
    {{NS::kRequested, NM::kContractOffer, P}, NS::kOffered},
    {{NS::kOffered, NM::kAccepted, C}, NS::kAccepted},
    {{NS::kRequested, NM::kContractAgreement, P}, NS::kAgreed},
    {{NS::kAccepted, NM::kContractAgreement, P}, NS::kAgreed},
    {{NS::kAgreed, NM::kAgreementVerification, C}, NS::kVerified},
    {{NS::kVerified, NM::kFinalized, P}, NS::kFinalized},
    {{NS::kRequested, NM::kTermination, P}, NS::kTerminated},
    {{NS::kRequested, NM::kTermination, C}, NS::kTerminated},
    {{NS::kOffered, NM::kTermination, P}, NS::kTerminated},
    {{NS::kOffered, NM::kTermination, C}, NS::kTerminated},
    {{NS::kAccepted, NM::kTermination, P}, NS::kTerminated},
    {{NS::kAccepted, NM::kTermination, C}, NS::kTerminated},
    {{NS::kAgreed, NM::kTermination, P}, NS::kTerminated},
    {{NS::kAgreed, NM::kTermination, C}, NS::kTerminated},
    {{NS::kVerified, NM::kTermination, P}, NS::kTerminated},
    {{NS::kVerified, NM::kTermination, C}, NS::kTerminated},
};

using TransferEdge = std::tuple<std::optional<TS>, TM, Role>;
const std::map<TransferEdge, TS> kTransferFigure = {
    {{std::nullopt, TM::kRequest, C}, TS::kRequested},
    {{TS::kRequested, TM::kStart, P}, TS::kStarted},
    {{TS::kSuspended, TM::kStart, P}, TS::kStarted},
    {{TS::kSuspended, TM::kStart, C}, TS::kStarted},
    {{TS::kStarted, TM::kSuspension, P}, TS::kSuspended},
    {{TS::kStarted, TM::kSuspension, C}, TS::kSuspended},
    {{TS::kStarted, TM::kCompletion, P}, TS::kCompleted},
    {{TS::kStarted, TM::kCompletion, C}, TS::kCompleted},
    {{TS::kRequested, TM::kTermination, P}, TS::kTerminated},
    {{TS::kRequested, TM::kTermination, C}, TS::kTerminated},
    {{TS::kStarted, TM::kTermination, P}, TS::kTerminated},
    {{TS::kStarted, TM::kTermination, C}, TS::kTerminated},
    {{TS::kSuspended, TM::kTermination, P}, TS::kTerminated},
    {{TS::kSuspended, TM::kTermination, C}, TS::kTerminated},
};

std::string describe(std::optional<NS> state) {
  return state ? std::string(negotiationStateName(*state)) : "(none)";
}
std::string describe(std::optional<TS> state) {
  return state ? std::string(transferStateName(*state)) : "(none)";
}

TEST(NegotiationStateMachine, EveryTransitionMatchesTheProtocolFigure) {
  size_t valid = 0;
  for (const auto& state : kAllNegotiationStates) {
    for (NM message : kAllNegotiationMessages) {
      for (Role sender : {P, C}) {
        const auto result = nextNegotiationState(state, message, sender);
        const auto expected = kNegotiationFigure.find({state, message, sender});
        const std::string where = describe(state) + " + " +
                                  std::string(negotiationMessageName(message)) + " from " +
                                  std::string(roleName(sender));
        if (expected == kNegotiationFigure.end()) {
          ASSERT_FALSE(result.ok()) << where << " must be refused";
          EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument) << where;
        } else {
          ASSERT_TRUE(result.ok()) << where << ": " << result.error().message;
          EXPECT_EQ(result.value(), expected->second) << where;
          ++valid;
        }
      }
    }
  }
  EXPECT_EQ(valid, kNegotiationFigure.size());
}

TEST(TransferStateMachine, EveryTransitionMatchesTheProtocolFigure) {
  size_t valid = 0;
  for (const auto& state : kAllTransferStates) {
    for (TM message : kAllTransferMessages) {
      for (Role sender : {P, C}) {
        const auto result = nextTransferState(state, message, sender);
        const auto expected = kTransferFigure.find({state, message, sender});
        const std::string where = describe(state) + " + " +
                                  std::string(transferMessageName(message)) + " from " +
                                  std::string(roleName(sender));
        if (expected == kTransferFigure.end()) {
          ASSERT_FALSE(result.ok()) << where << " must be refused";
        } else {
          ASSERT_TRUE(result.ok()) << where << ": " << result.error().message;
          EXPECT_EQ(result.value(), expected->second) << where;
          ++valid;
        }
      }
    }
  }
  EXPECT_EQ(valid, kTransferFigure.size());
}

TEST(NegotiationStateMachine, RefusalNamesStateMessageAndSender) {
  const auto result = nextNegotiationState(NS::kFinalized, NM::kTermination, C);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message,
            "ContractNegotiationTerminationMessage from the consumer is not valid for a contract "
            "negotiation in state FINALIZED");
}

TEST(DspStateNames, RoundTripAndRejectUnknown) {
  for (const auto& state : kAllNegotiationStates) {
    if (state) {
      EXPECT_EQ(parseNegotiationState(negotiationStateName(*state)), state);
    }
  }
  for (const auto& state : kAllTransferStates) {
    if (state) {
      EXPECT_EQ(parseTransferState(transferStateName(*state)), state);
    }
  }
  EXPECT_FALSE(parseNegotiationState("requested"));
  EXPECT_FALSE(parseNegotiationState("dspace:REQUESTED"));
  EXPECT_FALSE(parseTransferState(""));
}

}  // namespace
}  // namespace cxgw::gateway::dsp
