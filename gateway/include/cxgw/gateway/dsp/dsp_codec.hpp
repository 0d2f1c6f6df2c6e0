#pragma once
// Reads Dataspace Protocol messages of one version from wire JSON and writes them back.
//
// Reading expands the document with the bundled contexts (schemas::JsonLdExpander: nothing is
// fetched; an unknown remote context is an error naming its URL), then reads the message by
// IRIs of the version's namespace. Either compaction style real connectors send (prefixed terms
// or plain terms under a context or @vocab) therefore reads the same. Errors are
// kInvalidArgument with Error::key naming the member ("consumerPid", "offer.target", …) and a
// sentence fit for the protocol's error body.
//
// Writing produces compact JSON under the version's standard context: the 2025-1 context URL
// plus the Catena-X 2025/9 policy context, or for v0.8 an inline prefix map (as EDC writes), so
// the receiver needs no network either.
//
// Thread-safety: a codec is immutable after construction; all methods may run concurrently.

#include <string>
#include <string_view>

#include "cxgw/core/result.hpp"
#include "cxgw/gateway/dsp/dsp_messages.hpp"
#include "cxgw/policies/policy.hpp"
#include "cxgw/policies/policy_writer.hpp"
#include "cxgw/schemas/jsonld_expander.hpp"

namespace cxgw::gateway::dsp {

class DspCodec {
 public:
  DspCodec(DspVersion version, schemas::JsonLdExpander expander);

  DspVersion version() const { return version_; }

  // The message in `body`. `expected` lists the message types (local names such as
  // "ContractRequestMessage") the endpoint accepts; another @type is an error naming it.
  Result<InboundMessage> read(std::string_view body,
                              std::initializer_list<std::string_view> expected) const;

  // How this version writes ODRL (for the offers of a catalog and for agreements).
  const policies::OdrlWriteStyle& odrlStyle() const;
  // The expanded form (for policies::parsePolicy) of an ODRL object this codec's style wrote.
  Result<std::string> expandPolicy(const std::string& policy_json) const;

  std::string writeCatalog(const Catalog& catalog) const;
  std::string writeDataset(const CatalogDataset& dataset, const std::string& endpoint_url) const;
  std::string writeCatalogError(std::string_view code, std::string_view reason) const;
  std::string writeNegotiationAck(const ProcessAck& ack) const;
  std::string writeTransferAck(const ProcessAck& ack) const;
  // ContractNegotiationError / TransferError.
  std::string writeNegotiationError(const ProcessMessage& error) const;
  std::string writeTransferError(const ProcessMessage& error) const;

  std::string writeContractRequest(const ContractRequestMessage& message,
                                   const std::string& offer_json) const;
  std::string writeAgreement(const ContractAgreementMessage& message,
                             const std::string& agreement_json) const;
  std::string writeNegotiationEvent(const NegotiationEventMessage& message) const;
  std::string writeAgreementVerification(const AgreementVerificationMessage& message) const;
  std::string writeNegotiationTermination(const NegotiationTerminationMessage& message) const;
  std::string writeTransferRequest(const TransferRequestMessage& message) const;
  std::string writeTransferStart(const TransferStartMessage& message) const;
  std::string writeTransferSuspension(const TransferSuspensionMessage& message) const;
  std::string writeTransferCompletion(const TransferCompletionMessage& message) const;
  std::string writeTransferTermination(const TransferTerminationMessage& message) const;

 private:
  const DspVersion version_;
  const schemas::JsonLdExpander expander_;
};

}  // namespace cxgw::gateway::dsp
