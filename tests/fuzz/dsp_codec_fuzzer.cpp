// libFuzzer target for the Dataspace Protocol messages a partner's connector sends: JSON-LD
// expansion with the bundled contexts, then reading the message of each type cxgw accepts.
//
// The first byte picks the protocol version (2025-1 or v0.8), the rest is the request body.
// Besides "no crash, no leak, no UB" the target checks two properties:
//   - a message read is of one of the types the reader was asked for;
//   - a message cxgw itself also writes (the negotiation and transfer messages of a process),
//     written by the same codec and read again, reads back field for field: what cxgw sends,
//     it would read the same way.
//
// Build and run: tests/fuzz/run.sh [SECONDS] (fuzz preset, clang).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "cxgw/gateway/dsp/dsp_codec.hpp"
#include "cxgw/schemas/jsonld_expander.hpp"

namespace {

using namespace cxgw::gateway::dsp;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "dsp_codec_fuzzer: %s\n", what);
  std::abort();
}

const DspCodec& codec(uint8_t selector) {
  static const DspCodec k2025{DspVersion::k2025_1, cxgw::schemas::JsonLdExpander()};
  static const DspCodec kV08{DspVersion::kV08, cxgw::schemas::JsonLdExpander()};
  return selector % 2 == 0 ? k2025 : kV08;
}

bool same(const ProcessMessage& a, const ProcessMessage& b) {
  return a.consumer_pid == b.consumer_pid && a.provider_pid == b.provider_pid && a.code == b.code &&
         a.reasons == b.reasons;
}
bool same(const NegotiationEventMessage& a, const NegotiationEventMessage& b) {
  return a.consumer_pid == b.consumer_pid && a.provider_pid == b.provider_pid && a.event == b.event;
}
bool same(const TransferRequestMessage& a, const TransferRequestMessage& b) {
  return a.consumer_pid == b.consumer_pid && a.agreement_id == b.agreement_id &&
         a.format == b.format && a.callback_address == b.callback_address;
}
bool same(const TransferStartMessage& a, const TransferStartMessage& b) {
  if (a.consumer_pid != b.consumer_pid || a.provider_pid != b.provider_pid ||
      a.data_address.has_value() != b.data_address.has_value()) {
    return false;
  }
  if (!a.data_address) return true;
  return a.data_address->endpoint_type == b.data_address->endpoint_type &&
         a.data_address->endpoint == b.data_address->endpoint &&
         a.data_address->properties == b.data_address->properties;
}

// Writes `message` with `write` and reads it back as `type`; fails unless it reads the same.
template <typename Message, typename Write>
void roundTrip(const DspCodec& c, const Message& message, std::string_view type, Write write) {
  const std::string body = (c.*write)(message);
  auto again = c.read(body, {type});
  if (!again) {
    std::fprintf(stderr, "%s\n%s\n", body.c_str(), again.error().describe().c_str());
    fail("a message cxgw wrote does not read back");
  }
  const auto* read = std::get_if<Message>(&again.value());
  if (read == nullptr) fail("a message cxgw wrote reads back as another type");
  if (!same(*read, message)) {
    std::fprintf(stderr, "%s\n", body.c_str());
    fail("a message cxgw wrote reads back with other fields");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const DspCodec& c = codec(data[0]);
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto read = c.read(
      body, {"CatalogRequestMessage", "ContractRequestMessage", "ContractAgreementMessage",
             "ContractNegotiationEventMessage", "ContractAgreementVerificationMessage",
             "ContractNegotiationTerminationMessage", "TransferRequestMessage",
             "TransferStartMessage", "TransferSuspensionMessage", "TransferCompletionMessage",
             "TransferTerminationMessage", "ContractNegotiation", "TransferProcess"});
  if (!read) return 0;
  std::visit(
      [&](const auto& message) {
        using Message = std::decay_t<decltype(message)>;
        if constexpr (std::is_same_v<Message, NegotiationEventMessage>) {
          roundTrip(c, message, "ContractNegotiationEventMessage",
                    &DspCodec::writeNegotiationEvent);
        } else if constexpr (std::is_same_v<Message, AgreementVerificationMessage>) {
          roundTrip(c, message, "ContractAgreementVerificationMessage",
                    &DspCodec::writeAgreementVerification);
        } else if constexpr (std::is_same_v<Message, NegotiationTerminationMessage>) {
          roundTrip(c, message, "ContractNegotiationTerminationMessage",
                    &DspCodec::writeNegotiationTermination);
        } else if constexpr (std::is_same_v<Message, TransferRequestMessage>) {
          roundTrip(c, message, "TransferRequestMessage", &DspCodec::writeTransferRequest);
        } else if constexpr (std::is_same_v<Message, TransferStartMessage>) {
          roundTrip(c, message, "TransferStartMessage", &DspCodec::writeTransferStart);
        } else if constexpr (std::is_same_v<Message, TransferSuspensionMessage>) {
          roundTrip(c, message, "TransferSuspensionMessage", &DspCodec::writeTransferSuspension);
        } else if constexpr (std::is_same_v<Message, TransferCompletionMessage>) {
          roundTrip(c, message, "TransferCompletionMessage", &DspCodec::writeTransferCompletion);
        } else if constexpr (std::is_same_v<Message, TransferTerminationMessage>) {
          roundTrip(c, message, "TransferTerminationMessage", &DspCodec::writeTransferTermination);
        }
      },
      read.value());
  // Asked for no type it could be, the body is refused.
  if (c.read(body, {"NoSuchMessage"})) fail("a message read as a type nobody asked for");
  return 0;
}
