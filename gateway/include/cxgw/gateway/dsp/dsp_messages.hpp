#pragma once
// The Dataspace Protocol messages cxgw reads and writes, as plain values independent of the
// protocol version and of JSON-LD. dsp_codec.hpp turns wire JSON of either version into these
// and back.

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "cxgw/gateway/dsp/dsp_state_machines.hpp"

namespace cxgw::gateway::dsp {

enum class DspVersion { kV08, k2025_1 };

// "v0.8" / "2025-1".
std::string_view dspVersionName(DspVersion version);
// The `protocol` value connectors use for it: "dataspace-protocol-http" (v0.8) and
// "dataspace-protocol-http:2025-1".
std::string_view dspProtocolId(DspVersion version);
// The namespace of the version's own terms, e.g. "https://w3id.org/dspace/2025/1/".
std::string_view dspNamespace(DspVersion version);

// A criterion of the catalog filter: an asset property IRI compared with "=" or "in".
struct CatalogFilterCriterion {
  std::string operand_left;
  std::string op;
  std::vector<std::string> operand_right;
};

struct CatalogRequestMessage {
  std::vector<CatalogFilterCriterion> criteria;  // all must hold
  size_t offset = 0;
  std::optional<size_t> limit;
};

// An offer as a consumer names it in a ContractRequestMessage: its id, the asset, and the
// policy node in expanded JSON-LD (a JSON array holding one node), for policies::parsePolicy.
struct RequestedOffer {
  std::string id;
  std::string target;
  std::string expanded_policy;
};

struct ContractRequestMessage {
  std::string consumer_pid;
  std::string provider_pid;  // empty on the initial request
  RequestedOffer offer;
  std::string callback_address;  // required on the initial request
};

struct ContractAgreementMessage {
  std::string consumer_pid;
  std::string provider_pid;
  std::string agreement_id;
  std::string target;
  std::string assigner;
  std::string assignee;
  std::string timestamp;
  std::string expanded_policy;  // the agreement node, as for RequestedOffer
};

struct NegotiationEventMessage {
  std::string consumer_pid;
  std::string provider_pid;
  NegotiationMessage event = NegotiationMessage::kAccepted;  // kAccepted or kFinalized
};

// ContractAgreementVerificationMessage, ContractNegotiationTerminationMessage and the transfer
// messages that carry nothing but the process ids, a code and reasons.
struct ProcessMessage {
  std::string consumer_pid;
  std::string provider_pid;
  std::string code;
  std::vector<std::string> reasons;
};

struct AgreementVerificationMessage : ProcessMessage {};
struct NegotiationTerminationMessage : ProcessMessage {};

struct TransferRequestMessage {
  std::string consumer_pid;
  std::string agreement_id;
  std::string format;  // e.g. "HttpData-PULL"
  std::string callback_address;
};

// The data address of an HttpData-PULL transfer: where to fetch and with what token.
struct DataAddress {
  std::string endpoint_type;  // "https://w3id.org/idsa/v4.1/HTTP"
  std::string endpoint;
  // name -> value, e.g. "authorization", "refreshToken", "refreshEndpoint", "expiresIn".
  std::vector<std::pair<std::string, std::string>> properties;
  std::optional<std::string> property(std::string_view name) const;
};

struct TransferStartMessage {
  std::string consumer_pid;
  std::string provider_pid;
  std::optional<DataAddress> data_address;
};

struct TransferSuspensionMessage : ProcessMessage {};
struct TransferCompletionMessage : ProcessMessage {};
struct TransferTerminationMessage : ProcessMessage {};

// The acknowledgement of a negotiation or transfer (ContractNegotiation / TransferProcess).
struct ProcessAck {
  std::string consumer_pid;
  std::string provider_pid;
  std::string state;  // wire name, e.g. "REQUESTED"
};

// A dataset of the catalog: one asset, the offers under which it is available, and its
// properties (IRI -> value; values that are IRIs are written as such).
struct DatasetOffer {
  std::string offer_json;  // a compact ODRL offer from policies::writeOdrlPolicy
};
struct CatalogDataset {
  std::string id;
  std::vector<std::pair<std::string, std::string>> iri_properties;      // e.g. dct:type
  std::vector<std::pair<std::string, std::string>> literal_properties;  // e.g. semantic id
  std::vector<DatasetOffer> offers;
};

struct Catalog {
  std::string id;
  std::string participant_id;  // the provider's BPNL
  std::string endpoint_url;    // the DSP endpoint of this version
  std::vector<CatalogDataset> datasets;
};

// Every message cxgw accepts as input.
using InboundMessage =
    std::variant<CatalogRequestMessage, ContractRequestMessage, ContractAgreementMessage,
                 NegotiationEventMessage, AgreementVerificationMessage,
                 NegotiationTerminationMessage, TransferRequestMessage, TransferStartMessage,
                 TransferSuspensionMessage, TransferCompletionMessage, TransferTerminationMessage,
                 ProcessAck>;

}  // namespace cxgw::gateway::dsp
