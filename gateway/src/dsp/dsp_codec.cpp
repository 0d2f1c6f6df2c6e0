#include "cxgw/gateway/dsp/dsp_codec.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <utility>

#include "cxgw/core/json_text.hpp"

namespace cxgw::gateway::dsp {
namespace {

constexpr std::string_view kOdrl = "http://www.w3.org/ns/odrl/2/";
constexpr std::string_view kDct = "http://purl.org/dc/terms/";
constexpr std::string_view kEdc = "https://w3id.org/edc/v0.0.1/ns/";
constexpr std::string_view kContext2025 = "https://w3id.org/dspace/2025/1/context.jsonld";
constexpr std::string_view kCatenaXPolicyContext =
    "https://w3id.org/catenax/2025/9/policy/context.jsonld";

Error invalid(std::string message, std::string key) {
  return Error{ErrorCode::kInvalidArgument, std::move(message), std::move(key), "", 0};
}

std::string concat(std::string_view a, std::string_view b) {
  std::string out(a);
  out += b;
  return out;
}

// A node of an expanded JSON-LD document: every property maps to an array of value objects
// ({"@value": …}), node references ({"@id": …}) or nested nodes.
class ExpandedNode {
 public:
  explicit ExpandedNode(const rapidjson::Value& value) : value_(value) {}

  bool hasType(std::string_view iri) const {
    const auto it = value_.FindMember("@type");
    if (it == value_.MemberEnd() || !it->value.IsArray()) return false;
    return std::any_of(it->value.Begin(), it->value.End(), [&](const rapidjson::Value& t) {
      return t.IsString() && std::string_view(t.GetString(), t.GetStringLength()) == iri;
    });
  }

  std::vector<std::string> types() const {
    std::vector<std::string> out;
    const auto it = value_.FindMember("@type");
    if (it == value_.MemberEnd() || !it->value.IsArray()) return out;
    for (const auto& t : it->value.GetArray()) {
      if (t.IsString()) out.emplace_back(t.GetString(), t.GetStringLength());
    }
    return out;
  }

  std::string id() const {
    const auto it = value_.FindMember("@id");
    return it != value_.MemberEnd() && it->value.IsString()
               ? std::string(it->value.GetString(), it->value.GetStringLength())
               : std::string();
  }

  const rapidjson::Value* values(std::string_view iri) const {
    const auto it = value_.FindMember(rapidjson::StringRef(iri.data(), iri.size()));
    if (it == value_.MemberEnd() || !it->value.IsArray() || it->value.Empty()) return nullptr;
    return &it->value;
  }

  // The texts of a property: string @value or @id of each entry.
  std::vector<std::string> texts(std::string_view iri) const {
    std::vector<std::string> out;
    const auto* array = values(iri);
    if (array == nullptr) return out;
    for (const auto& entry : array->GetArray()) {
      if (auto text = scalarText(entry)) out.push_back(std::move(*text));
    }
    return out;
  }

  std::optional<std::string> text(std::string_view iri) const {
    auto all = texts(iri);
    if (all.empty()) return std::nullopt;
    return std::move(all.front());
  }

  std::optional<int64_t> integer(std::string_view iri) const {
    const auto* array = values(iri);
    if (array == nullptr) return std::nullopt;
    const auto& entry = (*array)[0];
    const auto v = entry.IsObject() ? entry.FindMember("@value") : entry.MemberEnd();
    if (!entry.IsObject() || v == entry.MemberEnd()) return std::nullopt;
    if (v->value.IsInt64()) return v->value.GetInt64();
    if (v->value.IsString()) {
      const std::string s(v->value.GetString(), v->value.GetStringLength());
      if (!s.empty() && s.size() < 10 && std::all_of(s.begin(), s.end(), ::isdigit)) {
        return std::stoll(s);
      }
    }
    return std::nullopt;
  }

  std::vector<ExpandedNode> nodes(std::string_view iri) const {
    std::vector<ExpandedNode> out;
    const auto* array = values(iri);
    if (array == nullptr) return out;
    for (const auto& entry : array->GetArray()) {
      if (entry.IsObject() && !entry.HasMember("@value")) out.emplace_back(entry);
    }
    return out;
  }

  const rapidjson::Value& value() const { return value_; }

  static std::optional<std::string> scalarText(const rapidjson::Value& entry) {
    if (!entry.IsObject()) return std::nullopt;
    for (const char* key : {"@value", "@id"}) {
      const auto it = entry.FindMember(key);
      if (it != entry.MemberEnd() && it->value.IsString()) {
        return std::string(it->value.GetString(), it->value.GetStringLength());
      }
    }
    return std::nullopt;
  }

 private:
  const rapidjson::Value& value_;
};

// `node` as an expanded document of its own (an array holding it), with @type `type` added
// when the node has none, for policies::parsePolicy. The DSP members of the node (in namespace
// `dsp_ns`: the agreement's timestamp, v0.8's providerId/consumerId) belong to the protocol, not
// to the ODRL policy, which refuses unknown members; they are left out, the message has them.
std::string standaloneNode(const ExpandedNode& node, std::string_view type,
                           std::string_view dsp_ns) {
  rapidjson::Document copy;
  copy.CopyFrom(node.value(), copy.GetAllocator());
  for (std::string_view name : {"timestamp", "providerId", "consumerId"}) {
    copy.RemoveMember(concat(dsp_ns, name).c_str());
  }
  if (!copy.HasMember("@type")) {
    rapidjson::Value types(rapidjson::kArrayType);
    types.PushBack(rapidjson::Value(type.data(), static_cast<rapidjson::SizeType>(type.size()),
                                    copy.GetAllocator()),
                   copy.GetAllocator());
    copy.AddMember("@type", types, copy.GetAllocator());
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartArray();
  copy.Accept(writer);
  writer.EndArray();
  return {buffer.GetString(), buffer.GetSize()};
}

class MessageReader {
 public:
  MessageReader(DspVersion version, ExpandedNode node) : ns_(dspNamespace(version)), node_(node) {}

  std::string term(std::string_view name) const { return concat(ns_, name); }

  Result<std::string> required(std::string_view name) const {
    auto value = node_.text(term(name));
    if (!value || value->empty())
      return invalid(std::string(name) + " is missing", std::string(name));
    return std::move(*value);
  }
  std::string optional(std::string_view name) const {
    return node_.text(term(name)).value_or(std::string());
  }

  // A state or event name, written plainly, as a dspace term or as a full IRI.
  std::string enumValue(std::string_view name) const {
    std::string value = optional(name);
    for (std::string_view prefix : {ns_, std::string_view("dspace:")}) {
      if (value.size() > prefix.size() && value.compare(0, prefix.size(), prefix) == 0) {
        return value.substr(prefix.size());
      }
    }
    return value;
  }

  template <typename Message>
  Result<Message> process(bool need_provider, bool need_consumer) const {
    Message message;
    if (need_consumer) {
      auto pid = required("consumerPid");
      if (!pid) return pid.error();
      message.consumer_pid = std::move(pid.value());
    } else {
      message.consumer_pid = optional("consumerPid");
    }
    if constexpr (requires { message.provider_pid; }) {
      if (need_provider) {
        auto pid = required("providerPid");
        if (!pid) return pid.error();
        message.provider_pid = std::move(pid.value());
      } else {
        message.provider_pid = optional("providerPid");
      }
    }
    if constexpr (std::is_base_of_v<ProcessMessage, Message>) {
      message.code = optional("code");
      message.reasons = node_.texts(term("reason"));
    }
    return message;
  }

  const ExpandedNode& node() const { return node_; }

 private:
  std::string_view ns_;
  ExpandedNode node_;
};

Result<CatalogRequestMessage> readCatalogRequest(const MessageReader& reader) {
  CatalogRequestMessage message;
  for (const ExpandedNode& filter : reader.node().nodes(reader.term("filter"))) {
    // The filter's content is left to implementations; cxgw reads EDC's QuerySpec.
    if (auto offset = filter.integer(concat(kEdc, "offset"))) {
      if (*offset < 0) return invalid("filter.offset must not be negative", "filter.offset");
      message.offset = static_cast<size_t>(*offset);
    }
    if (auto limit = filter.integer(concat(kEdc, "limit"))) {
      if (*limit < 0) return invalid("filter.limit must not be negative", "filter.limit");
      message.limit = static_cast<size_t>(*limit);
    }
    size_t index = 0;
    for (const ExpandedNode& expression : filter.nodes(concat(kEdc, "filterExpression"))) {
      const std::string where = "filter.filterExpression[" + std::to_string(index++) + "]";
      CatalogFilterCriterion criterion;
      criterion.operand_left = expression.text(concat(kEdc, "operandLeft")).value_or("");
      criterion.op = expression.text(concat(kEdc, "operator")).value_or("");
      criterion.operand_right = expression.texts(concat(kEdc, "operandRight"));
      if (criterion.operand_left.empty()) {
        return invalid(where + ".operandLeft is missing", where + ".operandLeft");
      }
      if (criterion.op != "=" && criterion.op != "in") {
        return invalid(where + ".operator must be '=' or 'in'", where + ".operator");
      }
      message.criteria.push_back(std::move(criterion));
    }
  }
  return message;
}

Result<ContractRequestMessage> readContractRequest(const MessageReader& reader) {
  auto message = reader.process<ContractRequestMessage>(false, true);
  if (!message) return message.error();
  message.value().callback_address = reader.optional("callbackAddress");
  const auto offers = reader.node().nodes(reader.term("offer"));
  if (offers.size() != 1) return invalid("offer must be exactly one ODRL offer", "offer");
  RequestedOffer& offer = message.value().offer;
  offer.id = offers.front().id();
  if (offer.id.empty()) return invalid("offer.@id is missing", "offer.@id");
  offer.target = offers.front().text(concat(kOdrl, "target")).value_or("");
  offer.expanded_policy = standaloneNode(offers.front(), concat(kOdrl, "Offer"), reader.term(""));
  return message;
}

Result<ContractAgreementMessage> readAgreement(const MessageReader& reader) {
  auto message = reader.process<ContractAgreementMessage>(true, true);
  if (!message) return message.error();
  const auto agreements = reader.node().nodes(reader.term("agreement"));
  if (agreements.size() != 1)
    return invalid("agreement must be exactly one ODRL agreement", "agreement");
  const ExpandedNode& agreement = agreements.front();
  ContractAgreementMessage& m = message.value();
  m.agreement_id = agreement.id();
  m.target = agreement.text(concat(kOdrl, "target")).value_or("");
  // The v0.8 specification names the parties dspace:providerId / dspace:consumerId; connectors
  // (EDC) write odrl:assigner / odrl:assignee.
  m.assigner = agreement.text(concat(kOdrl, "assigner"))
                   .value_or(agreement.text(reader.term("providerId")).value_or(""));
  m.assignee = agreement.text(concat(kOdrl, "assignee"))
                   .value_or(agreement.text(reader.term("consumerId")).value_or(""));
  m.timestamp = agreement.text(reader.term("timestamp")).value_or("");
  for (auto [value, name] :
       {std::pair(&m.agreement_id, "agreement.@id"), std::pair(&m.target, "agreement.target"),
        std::pair(&m.assigner, "agreement.assigner"),
        std::pair(&m.assignee, "agreement.assignee")}) {
    if (value->empty()) return invalid(std::string(name) + " is missing", name);
  }
  m.expanded_policy = standaloneNode(agreement, concat(kOdrl, "Agreement"), reader.term(""));
  return message;
}

Result<NegotiationEventMessage> readEvent(const MessageReader& reader) {
  auto message = reader.process<NegotiationEventMessage>(true, true);
  if (!message) return message.error();
  const std::string event = reader.enumValue("eventType");
  if (event == "ACCEPTED") {
    message.value().event = NegotiationMessage::kAccepted;
  } else if (event == "FINALIZED") {
    message.value().event = NegotiationMessage::kFinalized;
  } else {
    return invalid("eventType must be ACCEPTED or FINALIZED, not '" + event + "'", "eventType");
  }
  return message;
}

Result<TransferRequestMessage> readTransferRequest(const MessageReader& reader) {
  auto message = reader.process<TransferRequestMessage>(false, true);
  if (!message) return message.error();
  auto agreement = reader.required("agreementId");
  if (!agreement) return agreement.error();
  message.value().agreement_id = std::move(agreement.value());
  std::string format =
      reader.node().text(concat(kDct, "format")).value_or(reader.optional("format"));
  for (std::string_view prefix : {dspNamespace(DspVersion::k2025_1), dspNamespace(DspVersion::kV08),
                                  std::string_view("dspace:")}) {
    if (format.compare(0, prefix.size(), prefix) == 0) format = format.substr(prefix.size());
  }
  if (format.empty()) return invalid("format is missing", "format");
  message.value().format = std::move(format);
  message.value().callback_address = reader.optional("callbackAddress");
  return message;
}

Result<TransferStartMessage> readTransferStart(const MessageReader& reader) {
  auto message = reader.process<TransferStartMessage>(true, true);
  if (!message) return message.error();
  const auto addresses = reader.node().nodes(reader.term("dataAddress"));
  if (!addresses.empty()) {
    const ExpandedNode& node = addresses.front();
    DataAddress address;
    address.endpoint_type = node.text(reader.term("endpointType")).value_or("");
    address.endpoint = node.text(reader.term("endpoint")).value_or("");
    for (const ExpandedNode& property : node.nodes(reader.term("endpointProperties"))) {
      auto name = property.text(reader.term("name"));
      auto value = property.text(reader.term("value"));
      if (!name || !value) {
        return invalid("dataAddress.endpointProperties needs name and value",
                       "dataAddress.endpointProperties");
      }
      address.properties.emplace_back(std::move(*name), std::move(*value));
    }
    message.value().data_address = std::move(address);
  }
  return message;
}

Result<ProcessAck> readAck(const MessageReader& reader) {
  auto message = reader.process<ProcessAck>(true, true);
  if (!message) return message.error();
  message.value().state = reader.enumValue("state");
  return message;
}

template <typename Message>
Result<InboundMessage> widen(Result<Message> result) {
  if (!result) return result.error();
  return InboundMessage(std::move(result.value()));
}

// Compact JSON writing -------------------------------------------------------------------------

class JsonObject {
 public:
  explicit JsonObject(std::string context) { out_ = "{\"@context\":" + std::move(context); }
  JsonObject() { out_ = "{"; }
  JsonObject& raw(std::string_view key, std::string_view json) {
    separator();
    json::appendString(out_, key);
    out_ += ':';
    out_ += json;
    return *this;
  }
  JsonObject& string(std::string_view key, std::string_view value) {
    return raw(key, json::quote(value));
  }
  JsonObject& optionalString(std::string_view key, std::string_view value) {
    return value.empty() ? *this : string(key, value);
  }
  JsonObject& strings(std::string_view key, const std::vector<std::string>& values) {
    std::string array = "[";
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0) array += ',';
      json::appendString(array, values[i]);
    }
    return raw(key, array + "]");
  }
  std::string done() { return out_ + "}"; }

 private:
  void separator() {
    if (out_.size() > 1) out_ += ',';
  }
  std::string out_;
};

std::string joinArray(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    out += items[i];
  }
  return out + "]";
}

}  // namespace

std::string_view dspVersionName(DspVersion version) {
  return version == DspVersion::kV08 ? "v0.8" : "2025-1";
}

std::string_view dspProtocolId(DspVersion version) {
  return version == DspVersion::kV08 ? "dataspace-protocol-http" : "dataspace-protocol-http:2025-1";
}

std::string_view dspNamespace(DspVersion version) {
  return version == DspVersion::kV08 ? "https://w3id.org/dspace/v0.8/"
                                     : "https://w3id.org/dspace/2025/1/";
}

std::optional<std::string> DataAddress::property(std::string_view name) const {
  for (const auto& [key, value] : properties) {
    if (key == name) return value;
  }
  return std::nullopt;
}

DspCodec::DspCodec(DspVersion version, schemas::JsonLdExpander expander)
    : version_(version), expander_(std::move(expander)) {}

Result<InboundMessage> DspCodec::read(std::string_view body,
                                      std::initializer_list<std::string_view> expected) const {
  auto expanded = expander_.expand(body);
  if (!expanded) return expanded.error();
  rapidjson::Document document;
  document.Parse(expanded.value().data(), expanded.value().size());
  if (document.HasParseError() || !document.IsArray() || document.Size() != 1 ||
      !document[0].IsObject()) {
    return invalid("the body must be one JSON-LD node (a DSP message)", "@type");
  }
  const ExpandedNode node(document[0]);
  const MessageReader reader(version_, node);
  std::string type;
  for (std::string_view name : expected) {
    if (node.hasType(reader.term(name))) type = name;
  }
  if (type.empty()) {
    std::string names;
    for (std::string_view name : expected)
      names += (names.empty() ? "" : " or ") + std::string(name);
    const auto types = node.types();
    return invalid("@type must be " + names + " of DSP " + std::string(dspVersionName(version_)) +
                       (types.empty() ? ", and there is none" : ", not '" + types.front() + "'"),
                   "@type");
  }
  if (type == "CatalogRequestMessage") return widen(readCatalogRequest(reader));
  if (type == "ContractRequestMessage") return widen(readContractRequest(reader));
  if (type == "ContractAgreementMessage") return widen(readAgreement(reader));
  if (type == "ContractNegotiationEventMessage") return widen(readEvent(reader));
  if (type == "ContractAgreementVerificationMessage") {
    return widen(reader.process<AgreementVerificationMessage>(true, true));
  }
  if (type == "ContractNegotiationTerminationMessage") {
    return widen(reader.process<NegotiationTerminationMessage>(true, true));
  }
  if (type == "TransferRequestMessage") return widen(readTransferRequest(reader));
  if (type == "TransferStartMessage") return widen(readTransferStart(reader));
  if (type == "TransferSuspensionMessage") {
    return widen(reader.process<TransferSuspensionMessage>(true, true));
  }
  if (type == "TransferCompletionMessage") {
    return widen(reader.process<TransferCompletionMessage>(true, true));
  }
  if (type == "TransferTerminationMessage") {
    return widen(reader.process<TransferTerminationMessage>(true, true));
  }
  if (type == "ContractNegotiation" || type == "TransferProcess") return widen(readAck(reader));
  return invalid("cxgw does not read " + type, "@type");
}

namespace {

// Key and type names per version.
struct Vocabulary {
  DspVersion version;
  std::string key(std::string_view name) const {
    return version == DspVersion::kV08 ? "dspace:" + std::string(name) : std::string(name);
  }
  std::string type(std::string_view name) const { return key(name); }
  std::string enumValue(std::string_view name) const { return key(name); }
  std::string context(bool with_policies) const {
    if (version == DspVersion::kV08) {
      return R"({"@vocab":"https://w3id.org/edc/v0.0.1/ns/","edc":"https://w3id.org/edc/v0.0.1/ns/",)"
             R"("dcat":"http://www.w3.org/ns/dcat#","dct":"http://purl.org/dc/terms/",)"
             R"("odrl":"http://www.w3.org/ns/odrl/2/","dspace":"https://w3id.org/dspace/v0.8/",)"
             R"("cx-policy":"https://w3id.org/catenax/policy/",)"
             R"("tx":"https://w3id.org/tractusx/v0.0.1/ns/"})";
    }
    std::string out = "[" + json::quote(kContext2025);
    if (with_policies) out += "," + json::quote(kCatenaXPolicyContext);
    return out + "]";
  }
};

const policies::OdrlWriteStyle& styleFor(DspVersion version) {
  static const policies::OdrlWriteStyle plain{
      "", {{std::string(kOdrl), ""}, {"https://w3id.org/catenax/2025/9/policy/", ""}}, false};
  static const policies::OdrlWriteStyle prefixed{
      "odrl:",
      {{std::string(kOdrl), "odrl:"},
       {"https://w3id.org/catenax/policy/", "cx-policy:"},
       {"https://w3id.org/tractusx/v0.0.1/ns/", "tx:"}},
      true};
  return version == DspVersion::kV08 ? prefixed : plain;
}

std::string processBody(const Vocabulary& v, std::string_view type, const ProcessMessage& m) {
  JsonObject out(v.context(false));
  out.string("@type", v.type(type))
      .string(v.key("providerPid"), m.provider_pid)
      .string(v.key("consumerPid"), m.consumer_pid);
  if (!m.code.empty()) out.string(v.key("code"), m.code);
  if (!m.reasons.empty()) out.strings(v.key("reason"), m.reasons);
  return out.done();
}

std::string ackBody(const Vocabulary& v, std::string_view type, const ProcessAck& ack) {
  return JsonObject(v.context(false))
      .string("@type", v.type(type))
      .string(v.key("providerPid"), ack.provider_pid)
      .string(v.key("consumerPid"), ack.consumer_pid)
      .string(v.key("state"), v.enumValue(ack.state))
      .done();
}

std::string datasetBody(const Vocabulary& v, const CatalogDataset& dataset,
                        const std::string& service_id, std::optional<std::string> context) {
  JsonObject out = context ? JsonObject(*context) : JsonObject();
  out.string("@id", dataset.id)
      .string("@type", v.version == DspVersion::kV08 ? "dcat:Dataset" : "Dataset");
  for (const auto& [iri, value] : dataset.iri_properties) {
    out.raw(iri, "{\"@id\":" + json::quote(value) + "}");
  }
  for (const auto& [iri, value] : dataset.literal_properties) out.string(iri, value);
  std::vector<std::string> offers;
  offers.reserve(dataset.offers.size());
  for (const DatasetOffer& offer : dataset.offers) offers.push_back(offer.offer_json);
  out.raw(v.version == DspVersion::kV08 ? "odrl:hasPolicy" : "hasPolicy", joinArray(offers));
  const std::string distribution =
      v.version == DspVersion::kV08
          ? JsonObject()
                .string("@type", "dcat:Distribution")
                .raw("dct:format", R"({"@id":"HttpData-PULL"})")
                .raw("dcat:accessService", "{\"@id\":" + json::quote(service_id) + "}")
                .done()
          : JsonObject()
                .string("@type", "Distribution")
                .string("format", "HttpData-PULL")
                .string("accessService", service_id)
                .done();
  out.raw(v.version == DspVersion::kV08 ? "dcat:distribution" : "distribution",
          "[" + distribution + "]");
  return out.done();
}

std::string serviceId(const std::string& endpoint_url) {
  return endpoint_url + "#dsp";
}

}  // namespace

const policies::OdrlWriteStyle& DspCodec::odrlStyle() const {
  return styleFor(version_);
}

Result<std::string> DspCodec::expandPolicy(const std::string& policy_json) const {
  if (policy_json.size() < 2 || policy_json.front() != '{') {
    return invalid("an ODRL policy must be a JSON object", "policy");
  }
  // Outside a message the ODRL terms come from the profile the message types import.
  const std::string context = version_ == DspVersion::kV08
                                  ? Vocabulary{version_}.context(true)
                                  : "[\"https://w3id.org/dspace/2025/1/odrl-profile.jsonld\"," +
                                        json::quote(kCatenaXPolicyContext) + "]";
  std::string document = "{\"@context\":" + context;
  if (policy_json.size() > 2) document += ",";
  document.append(policy_json, 1);
  return expander_.expand(document);
}

std::string DspCodec::writeCatalog(const Catalog& catalog) const {
  const Vocabulary v{version_};
  const bool v08 = version_ == DspVersion::kV08;
  const std::string service = serviceId(catalog.endpoint_url);
  std::vector<std::string> datasets;
  datasets.reserve(catalog.datasets.size());
  for (const CatalogDataset& dataset : catalog.datasets) {
    datasets.push_back(datasetBody(v, dataset, service, std::nullopt));
  }
  const std::string data_service = v08 ? JsonObject()
                                             .string("@id", service)
                                             .string("@type", "dcat:DataService")
                                             .string("dcat:endpointDescription", "dspace:connector")
                                             .string("dcat:endpointURL", catalog.endpoint_url)
                                             .done()
                                       : JsonObject()
                                             .string("@id", service)
                                             .string("@type", "DataService")
                                             .string("endpointURL", catalog.endpoint_url)
                                             .done();
  JsonObject out(v.context(true));
  out.string("@id", catalog.id)
      .string("@type", v08 ? "dcat:Catalog" : "Catalog")
      .string(v.key("participantId"), catalog.participant_id)
      .raw(v08 ? "dcat:service" : "service", "[" + data_service + "]");
  // The 2025-1 catalog schema forbids an empty dataset array; an absent one means the same.
  if (!datasets.empty()) out.raw(v08 ? "dcat:dataset" : "dataset", joinArray(datasets));
  return out.done();
}

std::string DspCodec::writeDataset(const CatalogDataset& dataset,
                                   const std::string& endpoint_url) const {
  const Vocabulary v{version_};
  return datasetBody(v, dataset, serviceId(endpoint_url), v.context(true));
}

std::string DspCodec::writeCatalogError(std::string_view code, std::string_view reason) const {
  const Vocabulary v{version_};
  return JsonObject(v.context(false))
      .string("@type", v.type("CatalogError"))
      .string(v.key("code"), code)
      .strings(v.key("reason"), {std::string(reason)})
      .done();
}

std::string DspCodec::writeNegotiationAck(const ProcessAck& ack) const {
  return ackBody(Vocabulary{version_}, "ContractNegotiation", ack);
}

std::string DspCodec::writeTransferAck(const ProcessAck& ack) const {
  return ackBody(Vocabulary{version_}, "TransferProcess", ack);
}

std::string DspCodec::writeNegotiationError(const ProcessMessage& error) const {
  return processBody(Vocabulary{version_}, "ContractNegotiationError", error);
}

std::string DspCodec::writeTransferError(const ProcessMessage& error) const {
  return processBody(Vocabulary{version_}, "TransferError", error);
}

std::string DspCodec::writeContractRequest(const ContractRequestMessage& message,
                                           const std::string& offer_json) const {
  const Vocabulary v{version_};
  JsonObject out(v.context(true));
  out.string("@type", v.type("ContractRequestMessage"));
  out.optionalString(v.key("providerPid"), message.provider_pid);
  out.string(v.key("consumerPid"), message.consumer_pid).raw(v.key("offer"), offer_json);
  out.optionalString(v.key("callbackAddress"), message.callback_address);
  return out.done();
}

std::string DspCodec::writeAgreement(const ContractAgreementMessage& message,
                                     const std::string& agreement_json) const {
  const Vocabulary v{version_};
  return JsonObject(v.context(true))
      .string("@type", v.type("ContractAgreementMessage"))
      .string(v.key("providerPid"), message.provider_pid)
      .string(v.key("consumerPid"), message.consumer_pid)
      .raw(v.key("agreement"), agreement_json)
      .done();
}

std::string DspCodec::writeNegotiationEvent(const NegotiationEventMessage& message) const {
  const Vocabulary v{version_};
  return JsonObject(v.context(false))
      .string("@type", v.type("ContractNegotiationEventMessage"))
      .string(v.key("providerPid"), message.provider_pid)
      .string(v.key("consumerPid"), message.consumer_pid)
      .string(
          v.key("eventType"),
          v.enumValue(message.event == NegotiationMessage::kFinalized ? "FINALIZED" : "ACCEPTED"))
      .done();
}

std::string DspCodec::writeAgreementVerification(
    const AgreementVerificationMessage& message) const {
  return processBody(Vocabulary{version_}, "ContractAgreementVerificationMessage", message);
}

std::string DspCodec::writeNegotiationTermination(
    const NegotiationTerminationMessage& message) const {
  return processBody(Vocabulary{version_}, "ContractNegotiationTerminationMessage", message);
}

std::string DspCodec::writeTransferRequest(const TransferRequestMessage& message) const {
  const Vocabulary v{version_};
  JsonObject out(v.context(false));
  out.string("@type", v.type("TransferRequestMessage"))
      .string(v.key("consumerPid"), message.consumer_pid)
      .string(v.key("agreementId"), message.agreement_id);
  if (version_ == DspVersion::kV08) {
    out.string("dct:format", message.format);
  } else {
    out.string("format", message.format);
  }
  out.optionalString(v.key("callbackAddress"), message.callback_address);
  return out.done();
}

std::string DspCodec::writeTransferStart(const TransferStartMessage& message) const {
  const Vocabulary v{version_};
  JsonObject out(v.context(false));
  out.string("@type", v.type("TransferStartMessage"))
      .string(v.key("providerPid"), message.provider_pid)
      .string(v.key("consumerPid"), message.consumer_pid);
  if (message.data_address) {
    std::vector<std::string> properties;
    for (const auto& [name, value] : message.data_address->properties) {
      properties.push_back(JsonObject()
                               .string("@type", v.type("EndpointProperty"))
                               .string(v.key("name"), name)
                               .string(v.key("value"), value)
                               .done());
    }
    out.raw(v.key("dataAddress"),
            JsonObject()
                .string("@type", v.type("DataAddress"))
                .string(v.key("endpointType"), message.data_address->endpoint_type)
                .string(v.key("endpoint"), message.data_address->endpoint)
                .raw(v.key("endpointProperties"), joinArray(properties))
                .done());
  }
  return out.done();
}

std::string DspCodec::writeTransferSuspension(const TransferSuspensionMessage& message) const {
  return processBody(Vocabulary{version_}, "TransferSuspensionMessage", message);
}

std::string DspCodec::writeTransferCompletion(const TransferCompletionMessage& message) const {
  return processBody(Vocabulary{version_}, "TransferCompletionMessage", message);
}

std::string DspCodec::writeTransferTermination(const TransferTerminationMessage& message) const {
  return processBody(Vocabulary{version_}, "TransferTerminationMessage", message);
}

}  // namespace cxgw::gateway::dsp
