// What cxgw emits over the Dataspace Protocol, and what it accepts, against the official
// artifacts in $CX_REFERENCE_DIR/dsp (see its SOURCE.md).
//
// 1. Every message the 2025-1 DspCodec writes, with offers and agreements written by
//    policies::writeOdrlPolicy from real Catena-X policies, is valid for its official DSP 2025-1
//    JSON Schema (checked in one batch by the independent ajv validator,
//    tests/support/dsp_schema_validator.hpp). Each written message then reads back with the same
//    codec, through the real JSON-LD expander, with the values written; the messages the codec
//    does not read (catalog, dataset, errors) are expanded and checked by IRI.
// 2. Every official example of a message cxgw accepts as input is read by DspCodec::read of its
//    version with the values the example holds, as the test reads them from the file itself.
//    Examples of other messages are listed by type and must be refused; v0.8 examples that are
//    only illustrative are listed with the reason they are left out.

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "cxgw/gateway/dsp/dsp_codec.hpp"
#include "cxgw/policies/policy_parser.hpp"
#include "cxgw/policies/policy_writer.hpp"
#include "cxgw/schemas/jsonld_expander.hpp"
#include "support/dsp_schema_validator.hpp"

namespace cxgw::gateway::dsp {
namespace {

namespace fs = std::filesystem;
using cxgw::testing::DspSchemaCheck;
using cxgw::testing::DspSchemaValidator;
using cxgw::testing::DspSchemaVerdict;

constexpr std::string_view kDspace2025 = "https://w3id.org/dspace/2025/1/";
constexpr std::string_view kOdrl = "http://www.w3.org/ns/odrl/2/";
constexpr std::string_view kDcat = "http://www.w3.org/ns/dcat#";
constexpr std::string_view kDct = "http://purl.org/dc/terms/";

constexpr std::string_view kProvider = "BPNL000000000SUP";
constexpr std::string_view kConsumer = "BPNL000000000OEM";
constexpr std::string_view kEndpoint = "https://supplier.example/api/v1/dsp/2025-1";

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string concat(std::string_view a, std::string_view b) {
  return std::string(a) + std::string(b);
}

template <typename Message>
Message readAs(const DspCodec& codec, const std::string& body, std::string_view type) {
  auto read = codec.read(body, {type});
  EXPECT_TRUE(read.ok()) << type << ": " << (read.ok() ? "" : read.error().describe()) << "\n"
                         << body;
  if (!read.ok()) return {};
  const auto* message = std::get_if<Message>(&read.value());
  EXPECT_NE(message, nullptr) << type << " read as another message";
  return message != nullptr ? *message : Message{};
}

// --- Catena-X policies, compact as a provider configures them, parsed the real way ----------

constexpr const char* kSaturnContext = R"("@context": [
    "https://w3id.org/catenax/2025/9/policy/odrl.jsonld",
    "https://w3id.org/catenax/2025/9/policy/context.jsonld",
    {"@vocab": "https://w3id.org/edc/v0.0.1/ns/"}])";

std::optional<policies::Policy> parseCompactPolicy(const std::string& id,
                                                   const std::string& policy_json) {
  const std::string document = "{" + std::string(kSaturnContext) +
                               R"(, "@type": "PolicyDefinition", "@id": ")" + id +
                               R"(", "policy": )" + policy_json + "}";
  const auto expanded = schemas::JsonLdExpander().expand(document);
  if (!expanded.ok()) {
    ADD_FAILURE() << id << ": " << expanded.error().describe();
    return std::nullopt;
  }
  auto policy = policies::parsePolicy(expanded.value());
  if (!policy.ok()) {
    ADD_FAILURE() << id << ": " << policy.error().describe();
    return std::nullopt;
  }
  for (const auto& invalid : policies::invalidConstraints(policy.value())) {
    ADD_FAILURE() << id << ": " << invalid.location << ": " << invalid.reason;
    return std::nullopt;
  }
  return std::move(policy).value();
}

// Membership + FrameworkAgreement + UsagePurpose (a list operand), as the Catena-X usage policy
// of an Industry Core aspect reads.
std::optional<policies::Policy> usagePolicy() {
  return parseCompactPolicy("usage-industry-core", R"({"@type": "Set", "permission": [{
      "action": "use",
      "constraint": [
        {"leftOperand": "Membership", "operator": "eq", "rightOperand": "active"},
        {"leftOperand": "FrameworkAgreement", "operator": "eq",
         "rightOperand": "DataExchangeGovernance:1.0"},
        {"leftOperand": "UsagePurpose", "operator": "isAnyOf",
         "rightOperand": ["cx.core.industrycore:1", "cx.core.qualityNotifications:1"]}]}]})");
}

// A logical `and` holding an `or`: members under the framework agreement, and only the named
// partner or a partner of the group "gold".
std::optional<policies::Policy> logicalPolicy() {
  return parseCompactPolicy("usage-partners", R"({"@type": "Set", "permission": [{
      "action": "use",
      "constraint": [{"and": [
        {"leftOperand": "Membership", "operator": "eq", "rightOperand": "active"},
        {"leftOperand": "FrameworkAgreement", "operator": "eq",
         "rightOperand": "DataExchangeGovernance:1.0"},
        {"or": [
          {"leftOperand": "BusinessPartnerNumber", "operator": "isAnyOf",
           "rightOperand": ["BPNL000000000OEM", "BPNL00000000OEM2"]},
          {"leftOperand": "BusinessPartnerGroup", "operator": "isAnyOf",
           "rightOperand": ["gold"]}]}]}]}]})");
}

// --- The messages the 2025-1 codec writes, with the values they were written from ----------

struct WrittenOffer {
  std::string id;
  const policies::Policy* policy = nullptr;
};

struct Emitted {
  const DspCodec codec{DspVersion::k2025_1, schemas::JsonLdExpander()};
  policies::Policy usage;
  policies::Policy logical;

  Catalog catalog;
  std::map<std::string, std::vector<WrittenOffer>> offers_of_dataset;  // dataset id -> offers
  Catalog empty_catalog;

  ContractRequestMessage initial_request;
  ContractRequestMessage counter_request;
  ContractAgreementMessage agreement;
  NegotiationEventMessage accepted;
  NegotiationEventMessage finalized;
  AgreementVerificationMessage verification;
  NegotiationTerminationMessage negotiation_termination;
  ProcessAck negotiation_ack;
  ProcessMessage negotiation_error;
  TransferRequestMessage transfer_request;
  TransferStartMessage transfer_start;
  TransferSuspensionMessage suspension;
  TransferCompletionMessage completion;
  TransferTerminationMessage transfer_termination;
  ProcessAck transfer_ack;
  ProcessMessage transfer_error;
  std::string catalog_error_code = "403";
  std::string catalog_error_reason = "BPNL00000000OTHR is not allowed to see this catalog";

  // What was written: name, official schema and body, in writing order.
  std::vector<DspSchemaCheck> written;

  const std::string& body(std::string_view name) const {
    for (const auto& check : written) {
      if (check.name == name) return check.document_json;
    }
    ADD_FAILURE() << "nothing written as " << name;
    static const std::string none;
    return none;
  }

  std::string offerJson(const std::string& id, const policies::Policy& policy,
                        const std::string& target) const {
    return policies::writeOdrlPolicy(policy, {id, "Offer", target, std::string(kProvider), "", {}},
                                     codec.odrlStyle());
  }

  std::string agreementJson() const {
    return policies::writeOdrlPolicy(usage,
                                     {agreement.agreement_id,
                                      "Agreement",
                                      agreement.target,
                                      agreement.assigner,
                                      agreement.assignee,
                                      {{"timestamp", agreement.timestamp}}},
                                     codec.odrlStyle());
  }

  CatalogDataset dataset(const std::string& id, const std::string& type,
                         std::vector<WrittenOffer> offers) {
    CatalogDataset dataset;
    dataset.id = id;
    dataset.iri_properties = {{concat(kDct, "type"), type}};
    dataset.literal_properties = {{"https://w3id.org/catenax/ontology/common#version", "3.0"},
                                  {"https://admin-shell.io/aas/3/0/HasSemantics/semanticId",
                                   "urn:samm:io.catenax.serial_part:3.0.0#SerialPart"}};
    for (const auto& offer : offers) {
      // An offer in a catalog names no target: its dataset is the target (dataset-schema.json).
      dataset.offers.push_back({offerJson(offer.id, *offer.policy, "")});
    }
    offers_of_dataset[id] = std::move(offers);
    return dataset;
  }

  bool build() {
    auto parsed_usage = usagePolicy();
    auto parsed_logical = logicalPolicy();
    if (!parsed_usage || !parsed_logical) return false;
    usage = std::move(*parsed_usage);
    logical = std::move(*parsed_logical);

    catalog.id = "urn:uuid:6f1d2c3b-0000-4000-8000-000000000001";
    catalog.participant_id = std::string(kProvider);
    catalog.endpoint_url = std::string(kEndpoint);
    catalog.datasets.push_back(dataset("digital-twin-registry",
                                       "https://w3id.org/catenax/taxonomy#DigitalTwinRegistry",
                                       {{"offer-dtr-usage", &usage}}));
    catalog.datasets.push_back(
        dataset("urn:uuid:serial-part-aspects", "https://w3id.org/catenax/taxonomy#Submodel",
                {{"offer-serial-part-usage", &usage}, {"offer-serial-part-partners", &logical}}));
    catalog.datasets.push_back(dataset("urn:uuid:batch-aspects",
                                       "https://w3id.org/catenax/taxonomy#Submodel",
                                       {{"offer-batch-partners", &logical}}));
    empty_catalog = catalog;
    empty_catalog.id = "urn:uuid:6f1d2c3b-0000-4000-8000-000000000002";
    empty_catalog.datasets.clear();

    initial_request.consumer_pid = "urn:uuid:32541fe6-c580-409e-85a8-8a9a32fbe833";
    initial_request.callback_address = "https://oem.example/api/v1/dsp/2025-1/callback";
    initial_request.offer.id = "offer-serial-part-usage";
    initial_request.offer.target = "urn:uuid:serial-part-aspects";
    counter_request.consumer_pid = initial_request.consumer_pid;
    counter_request.provider_pid = "urn:uuid:a343fcbf-99fc-4ce8-8e9b-148c97605aab";
    counter_request.offer.id = "offer-serial-part-partners";
    counter_request.offer.target = "urn:uuid:serial-part-aspects";

    agreement.consumer_pid = counter_request.consumer_pid;
    agreement.provider_pid = counter_request.provider_pid;
    agreement.agreement_id = "urn:uuid:e8dc8655-44c2-46ef-b701-4cffdc2faa44";
    agreement.target = "urn:uuid:serial-part-aspects";
    agreement.assigner = std::string(kProvider);
    agreement.assignee = std::string(kConsumer);
    agreement.timestamp = "2026-11-23T10:00:00Z";

    const std::string c = agreement.consumer_pid;
    const std::string p = agreement.provider_pid;
    accepted = {c, p, NegotiationMessage::kAccepted};
    finalized = {c, p, NegotiationMessage::kFinalized};
    verification.consumer_pid = c;
    verification.provider_pid = p;
    negotiation_termination.consumer_pid = c;
    negotiation_termination.provider_pid = p;
    negotiation_termination.code = "policy";
    negotiation_termination.reasons = {"Membership: the partner is not an active member",
                                       "FrameworkAgreement: DataExchangeGovernance:1.0 missing"};
    negotiation_ack = {c, p, "REQUESTED"};
    negotiation_error = {c, p, "404", {"no negotiation urn:uuid:unknown"}};

    const std::string tc = "urn:uuid:9c1d4e62-6d0e-4f6b-9a59-0d6d8b1b8d01";
    const std::string tp = "urn:uuid:0b7e9d44-27a1-4d8c-a3a2-5b3f8f1f5c02";
    transfer_request = {tc, agreement.agreement_id, "HttpData-PULL",
                        "https://oem.example/api/v1/dsp/2025-1/callback"};
    transfer_start.consumer_pid = tc;
    transfer_start.provider_pid = tp;
    transfer_start.data_address =
        DataAddress{"https://w3id.org/idsa/v4.1/HTTP",
                    "https://supplier.example/api/public",
                    {{"authorization", "eyJhbGciOiJFZERTQSJ9.e30.c2lnbmF0dXJl"},
                     {"refreshToken", "refresh-1"},
                     {"refreshEndpoint", "https://supplier.example/api/public/token"},
                     {"expiresIn", "300"}}};
    suspension.consumer_pid = tc;
    suspension.provider_pid = tp;
    suspension.code = "agreement-revoked";
    suspension.reasons = {"the agreement was revoked"};
    completion.consumer_pid = tc;
    completion.provider_pid = tp;
    transfer_termination.consumer_pid = tc;
    transfer_termination.provider_pid = tp;
    transfer_termination.code = "expired";
    transfer_termination.reasons = {"the agreement expired"};
    transfer_ack = {tc, tp, "STARTED"};
    transfer_error = {tc, tp, "400", {"format must be HttpData-PULL"}};

    const auto add = [&](std::string name, std::string schema, std::string body) {
      written.push_back({std::move(name), std::move(schema), std::move(body)});
    };
    add("catalog", "catalog/catalog-schema.json", codec.writeCatalog(catalog));
    add("empty catalog", "catalog/catalog-schema.json", codec.writeCatalog(empty_catalog));
    add("dataset", "catalog/dataset-schema.json",
        codec.writeDataset(catalog.datasets[1], catalog.endpoint_url));
    add("catalog error", "catalog/catalog-error-schema.json",
        codec.writeCatalogError(catalog_error_code, catalog_error_reason));
    add("negotiation ack", "negotiation/contract-negotiation-schema.json",
        codec.writeNegotiationAck(negotiation_ack));
    add("negotiation error", "negotiation/contract-negotiation-error-schema.json",
        codec.writeNegotiationError(negotiation_error));
    add("initial contract request", "negotiation/contract-request-message-schema.json",
        codec.writeContractRequest(initial_request, offerJson(initial_request.offer.id, usage,
                                                              initial_request.offer.target)));
    add("counter contract request", "negotiation/contract-request-message-schema.json",
        codec.writeContractRequest(counter_request, offerJson(counter_request.offer.id, logical,
                                                              counter_request.offer.target)));
    add("agreement", "negotiation/contract-agreement-message-schema.json",
        codec.writeAgreement(agreement, agreementJson()));
    add("event ACCEPTED", "negotiation/contract-negotiation-event-message-schema.json",
        codec.writeNegotiationEvent(accepted));
    add("event FINALIZED", "negotiation/contract-negotiation-event-message-schema.json",
        codec.writeNegotiationEvent(finalized));
    add("agreement verification", "negotiation/contract-agreement-verification-message-schema.json",
        codec.writeAgreementVerification(verification));
    add("negotiation termination",
        "negotiation/contract-negotiation-termination-message-schema.json",
        codec.writeNegotiationTermination(negotiation_termination));
    add("transfer ack", "transfer/transfer-process-schema.json",
        codec.writeTransferAck(transfer_ack));
    add("transfer error", "transfer/transfer-error-schema.json",
        codec.writeTransferError(transfer_error));
    add("transfer request", "transfer/transfer-request-message-schema.json",
        codec.writeTransferRequest(transfer_request));
    add("transfer start", "transfer/transfer-start-message-schema.json",
        codec.writeTransferStart(transfer_start));
    add("transfer suspension", "transfer/transfer-suspension-message-schema.json",
        codec.writeTransferSuspension(suspension));
    add("transfer completion", "transfer/transfer-completion-message-schema.json",
        codec.writeTransferCompletion(completion));
    add("transfer termination", "transfer/transfer-termination-message-schema.json",
        codec.writeTransferTermination(transfer_termination));
    return true;
  }
};

class DspEmittedMessages : public ::testing::Test {
 protected:
  void SetUp() override {
    auto validator = DspSchemaValidator::fromEnvironment();
    if (!validator) {
      std::cout << "SKIPPED: " << validator.error().message << std::endl;
      GTEST_SKIP() << validator.error().message;
    }
    validator_.emplace(std::move(validator).value());
    ASSERT_TRUE(emitted_.build());
  }

  std::optional<DspSchemaValidator> validator_;
  Emitted emitted_;
};

TEST_F(DspEmittedMessages, EveryWrittenMessageIsValidForItsOfficial2025Schema) {
  std::vector<DspSchemaCheck> checks = emitted_.written;
  ASSERT_EQ(checks.size(), 20u);
  // Controls in the same batch: a written message checked against another message's schema
  // must be refused, so an OK above is the schema's verdict, not a lookup that matched nothing.
  checks.push_back({"control: completion as a start message",
                    "transfer/transfer-start-message-schema.json",
                    emitted_.body("transfer completion")});
  checks.push_back({"control: contract request as an agreement message",
                    "negotiation/contract-agreement-message-schema.json",
                    emitted_.body("initial contract request")});
  const auto verdicts = validator_->validate(checks);
  ASSERT_TRUE(verdicts.ok()) << verdicts.error().describe();
  ASSERT_EQ(verdicts.value().size(), checks.size());
  for (size_t i = 0; i < emitted_.written.size(); ++i) {
    const DspSchemaVerdict& verdict = verdicts.value()[i];
    EXPECT_EQ(verdict.name, checks[i].name);
    EXPECT_TRUE(verdict.valid) << checks[i].name << " (" << checks[i].schema
                               << "): " << verdict.errors << "\n"
                               << checks[i].document_json;
  }
  const DspSchemaVerdict& start_control = verdicts.value()[emitted_.written.size()];
  EXPECT_FALSE(start_control.valid);
  EXPECT_NE(start_control.errors.find("/@type must be equal to constant"), std::string::npos)
      << start_control.errors;
  const DspSchemaVerdict& agreement_control = verdicts.value()[emitted_.written.size() + 1];
  EXPECT_FALSE(agreement_control.valid);
  EXPECT_NE(agreement_control.errors.find("required property 'agreement'"), std::string::npos)
      << agreement_control.errors;
  std::cout << emitted_.written.size() << " written messages validated\n"
            << validator_->lastDiagnostics();
}

std::string canonicalOf(const std::string& expanded_policy) {
  const auto policy = policies::parsePolicy(expanded_policy);
  EXPECT_TRUE(policy.ok()) << (policy.ok() ? "" : policy.error().describe()) << "\n"
                           << expanded_policy;
  return policy.ok() ? policies::canonicalPolicyText(policy.value()) : std::string();
}

TEST_F(DspEmittedMessages, EveryMessageTheCodecReadsReadsBackWithTheValuesWritten) {
  const Emitted& e = emitted_;
  const DspCodec& codec = e.codec;

  for (const auto* sent : {&e.initial_request, &e.counter_request}) {
    const bool initial = sent == &e.initial_request;
    SCOPED_TRACE(initial ? "initial contract request" : "counter contract request");
    const auto read = readAs<ContractRequestMessage>(
        codec, e.body(initial ? "initial contract request" : "counter contract request"),
        "ContractRequestMessage");
    EXPECT_EQ(read.consumer_pid, sent->consumer_pid);
    EXPECT_EQ(read.provider_pid, sent->provider_pid);
    EXPECT_EQ(read.callback_address, sent->callback_address);
    EXPECT_EQ(read.offer.id, sent->offer.id);
    EXPECT_EQ(read.offer.target, sent->offer.target);
    EXPECT_EQ(canonicalOf(read.offer.expanded_policy),
              policies::canonicalPolicyText(initial ? e.usage : e.logical));
  }

  const auto agreement =
      readAs<ContractAgreementMessage>(codec, e.body("agreement"), "ContractAgreementMessage");
  EXPECT_EQ(agreement.consumer_pid, e.agreement.consumer_pid);
  EXPECT_EQ(agreement.provider_pid, e.agreement.provider_pid);
  EXPECT_EQ(agreement.agreement_id, e.agreement.agreement_id);
  EXPECT_EQ(agreement.target, e.agreement.target);
  EXPECT_EQ(agreement.assigner, e.agreement.assigner);
  EXPECT_EQ(agreement.assignee, e.agreement.assignee);
  EXPECT_EQ(agreement.timestamp, e.agreement.timestamp);
  EXPECT_EQ(canonicalOf(agreement.expanded_policy), policies::canonicalPolicyText(e.usage));

  for (const auto& [name, sent] :
       {std::pair("event ACCEPTED", &e.accepted), std::pair("event FINALIZED", &e.finalized)}) {
    SCOPED_TRACE(name);
    const auto event =
        readAs<NegotiationEventMessage>(codec, e.body(name), "ContractNegotiationEventMessage");
    EXPECT_EQ(event.consumer_pid, sent->consumer_pid);
    EXPECT_EQ(event.provider_pid, sent->provider_pid);
    EXPECT_EQ(event.event, sent->event);
  }

  const auto expectProcess = [&](const ProcessMessage& read, const ProcessMessage& sent) {
    EXPECT_EQ(read.consumer_pid, sent.consumer_pid);
    EXPECT_EQ(read.provider_pid, sent.provider_pid);
    EXPECT_EQ(read.code, sent.code);
    EXPECT_EQ(read.reasons, sent.reasons);
  };
  expectProcess(readAs<AgreementVerificationMessage>(codec, e.body("agreement verification"),
                                                     "ContractAgreementVerificationMessage"),
                e.verification);
  expectProcess(readAs<NegotiationTerminationMessage>(codec, e.body("negotiation termination"),
                                                      "ContractNegotiationTerminationMessage"),
                e.negotiation_termination);
  expectProcess(readAs<TransferSuspensionMessage>(codec, e.body("transfer suspension"),
                                                  "TransferSuspensionMessage"),
                e.suspension);
  expectProcess(readAs<TransferCompletionMessage>(codec, e.body("transfer completion"),
                                                  "TransferCompletionMessage"),
                e.completion);
  expectProcess(readAs<TransferTerminationMessage>(codec, e.body("transfer termination"),
                                                   "TransferTerminationMessage"),
                e.transfer_termination);

  for (const auto& [name, type, sent] :
       {std::tuple("negotiation ack", "ContractNegotiation", &e.negotiation_ack),
        std::tuple("transfer ack", "TransferProcess", &e.transfer_ack)}) {
    SCOPED_TRACE(name);
    const auto ack = readAs<ProcessAck>(codec, e.body(name), type);
    EXPECT_EQ(ack.consumer_pid, sent->consumer_pid);
    EXPECT_EQ(ack.provider_pid, sent->provider_pid);
    EXPECT_EQ(ack.state, sent->state);
  }

  const auto request =
      readAs<TransferRequestMessage>(codec, e.body("transfer request"), "TransferRequestMessage");
  EXPECT_EQ(request.consumer_pid, e.transfer_request.consumer_pid);
  EXPECT_EQ(request.agreement_id, e.transfer_request.agreement_id);
  EXPECT_EQ(request.format, e.transfer_request.format);
  EXPECT_EQ(request.callback_address, e.transfer_request.callback_address);

  const auto start =
      readAs<TransferStartMessage>(codec, e.body("transfer start"), "TransferStartMessage");
  EXPECT_EQ(start.consumer_pid, e.transfer_start.consumer_pid);
  EXPECT_EQ(start.provider_pid, e.transfer_start.provider_pid);
  ASSERT_TRUE(start.data_address.has_value());
  EXPECT_EQ(start.data_address->endpoint_type, e.transfer_start.data_address->endpoint_type);
  EXPECT_EQ(start.data_address->endpoint, e.transfer_start.data_address->endpoint);
  EXPECT_EQ(start.data_address->properties, e.transfer_start.data_address->properties);
}

// --- Expanded JSON-LD, for the messages the codec writes but does not read ------------------

using Node = rapidjson::Value;

std::vector<const Node*> entries(const Node& node, std::string_view iri) {
  std::vector<const Node*> out;
  const auto it = node.FindMember(rapidjson::StringRef(iri.data(), iri.size()));
  if (it == node.MemberEnd() || !it->value.IsArray()) return out;
  for (const auto& entry : it->value.GetArray()) out.push_back(&entry);
  return out;
}

// The @id or @value of each entry of a property.
std::vector<std::string> texts(const Node& node, std::string_view iri) {
  std::vector<std::string> out;
  for (const Node* entry : entries(node, iri)) {
    for (const char* key : {"@id", "@value"}) {
      if (entry->IsObject() && entry->HasMember(key) && (*entry)[key].IsString()) {
        out.emplace_back((*entry)[key].GetString());
      }
    }
  }
  return out;
}

std::string text(const Node& node, std::string_view iri) {
  const auto all = texts(node, iri);
  return all.size() == 1 ? all.front() : "<" + std::to_string(all.size()) + " values>";
}

std::vector<std::string> typesOf(const Node& node) {
  std::vector<std::string> out;
  if (!node.HasMember("@type") || !node["@type"].IsArray()) return out;
  for (const auto& type : node["@type"].GetArray()) out.emplace_back(type.GetString());
  return out;
}

std::string idOf(const Node& node) {
  return node.HasMember("@id") && node["@id"].IsString() ? node["@id"].GetString() : "";
}

std::string nodeAsDocument(const Node& node) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartArray();
  node.Accept(writer);
  writer.EndArray();
  return buffer.GetString();
}

// Parses `body` expanded into `document`; false (with a failure) when it does not expand to one
// node.
bool expandOne(const std::string& body, rapidjson::Document& document) {
  const auto expanded = schemas::JsonLdExpander().expand(body);
  EXPECT_TRUE(expanded.ok()) << (expanded.ok() ? "" : expanded.error().describe()) << "\n" << body;
  if (!expanded.ok()) return false;
  document.Parse(expanded.value().c_str());
  EXPECT_TRUE(document.IsArray() && document.Size() == 1 && document[0].IsObject())
      << expanded.value();
  return document.IsArray() && document.Size() == 1 && document[0].IsObject();
}

void expectDataset(const Emitted& e, const Node& node, const CatalogDataset& sent) {
  SCOPED_TRACE(sent.id);
  EXPECT_EQ(idOf(node), sent.id);
  EXPECT_EQ(typesOf(node), std::vector<std::string>{concat(kDcat, "Dataset")});
  for (const auto& [iri, value] : sent.iri_properties) EXPECT_EQ(text(node, iri), value) << iri;
  for (const auto& [iri, value] : sent.literal_properties) {
    EXPECT_EQ(text(node, iri), value) << iri;
  }
  const auto offers = entries(node, concat(kOdrl, "hasPolicy"));
  const auto& written_offers = e.offers_of_dataset.at(sent.id);
  ASSERT_EQ(offers.size(), written_offers.size());
  for (size_t i = 0; i < offers.size(); ++i) {
    EXPECT_EQ(idOf(*offers[i]), written_offers[i].id);
    EXPECT_EQ(typesOf(*offers[i]), std::vector<std::string>{concat(kOdrl, "Offer")});
    EXPECT_EQ(text(*offers[i], concat(kOdrl, "assigner")), kProvider);
    EXPECT_EQ(canonicalOf(nodeAsDocument(*offers[i])),
              policies::canonicalPolicyText(*written_offers[i].policy));
  }
  const auto distributions = entries(node, concat(kDcat, "distribution"));
  ASSERT_EQ(distributions.size(), 1u);
  EXPECT_EQ(text(*distributions[0], concat(kDct, "format")), "HttpData-PULL");
  EXPECT_EQ(text(*distributions[0], concat(kDcat, "accessService")),
            e.catalog.endpoint_url + "#dsp");
}

TEST_F(DspEmittedMessages, CatalogsDatasetsAndErrorsExpandToTheValuesWritten) {
  const Emitted& e = emitted_;
  for (const Catalog* sent : {&e.catalog, &e.empty_catalog}) {
    SCOPED_TRACE(sent->id);
    rapidjson::Document document;
    ASSERT_TRUE(expandOne(e.body(sent == &e.catalog ? "catalog" : "empty catalog"), document));
    const Node& catalog = document[0];
    EXPECT_EQ(idOf(catalog), sent->id);
    EXPECT_EQ(typesOf(catalog), std::vector<std::string>{concat(kDcat, "Catalog")});
    EXPECT_EQ(text(catalog, concat(kDspace2025, "participantId")), sent->participant_id);
    const auto services = entries(catalog, concat(kDcat, "service"));
    ASSERT_EQ(services.size(), 1u);
    EXPECT_EQ(typesOf(*services[0]), std::vector<std::string>{concat(kDcat, "DataService")});
    EXPECT_EQ(text(*services[0], concat(kDcat, "endpointURL")), sent->endpoint_url);
    const auto datasets = entries(catalog, concat(kDcat, "dataset"));
    ASSERT_EQ(datasets.size(), sent->datasets.size());
    for (size_t i = 0; i < datasets.size(); ++i) expectDataset(e, *datasets[i], sent->datasets[i]);
  }
  {
    rapidjson::Document document;
    ASSERT_TRUE(expandOne(e.body("dataset"), document));
    expectDataset(e, document[0], e.catalog.datasets[1]);
  }
  {
    rapidjson::Document document;
    ASSERT_TRUE(expandOne(e.body("catalog error"), document));
    EXPECT_EQ(typesOf(document[0]), std::vector<std::string>{concat(kDspace2025, "CatalogError")});
    EXPECT_EQ(text(document[0], concat(kDspace2025, "code")), e.catalog_error_code);
    EXPECT_EQ(texts(document[0], concat(kDspace2025, "reason")),
              std::vector<std::string>{e.catalog_error_reason});
  }
  for (const auto& [name, type, sent] :
       {std::tuple("negotiation error", "ContractNegotiationError", &e.negotiation_error),
        std::tuple("transfer error", "TransferError", &e.transfer_error)}) {
    SCOPED_TRACE(name);
    rapidjson::Document document;
    ASSERT_TRUE(expandOne(e.body(name), document));
    EXPECT_EQ(typesOf(document[0]), std::vector<std::string>{concat(kDspace2025, type)});
    EXPECT_EQ(text(document[0], concat(kDspace2025, "consumerPid")), sent->consumer_pid);
    EXPECT_EQ(text(document[0], concat(kDspace2025, "providerPid")), sent->provider_pid);
    EXPECT_EQ(text(document[0], concat(kDspace2025, "code")), sent->code);
    EXPECT_EQ(texts(document[0], concat(kDspace2025, "reason")), sent->reasons);
  }
}

// --- The official examples of inbound messages ----------------------------------------------

// Every message cxgw accepts as input (InboundMessage), by its local type name.
const std::set<std::string> kInboundTypes = {
    "CatalogRequestMessage",
    "ContractRequestMessage",
    "ContractAgreementMessage",
    "ContractNegotiationEventMessage",
    "ContractAgreementVerificationMessage",
    "ContractNegotiationTerminationMessage",
    "TransferRequestMessage",
    "TransferStartMessage",
    "TransferSuspensionMessage",
    "TransferCompletionMessage",
    "TransferTerminationMessage",
    "ContractNegotiation",
    "TransferProcess",
};

// Examples of what cxgw only sends or never handles; the codec must refuse each as input.
const std::set<std::string> kNotInboundTypes = {
    "Catalog",                   // cxgw writes catalogs; it does not read them
    "Dataset",                   // likewise
    "CatalogError",              // an error body cxgw writes
    "DatasetRequestMessage",     // not served: cxgw answers catalog requests only
    "ContractOfferMessage",      // cxgw is the provider; it never receives offers
    "ContractNegotiationError",  // an error body cxgw writes
    "TransferError",             // an error body cxgw writes
};

// Examples the specification gives as illustrations only, with placeholder values where the
// message needs real ones. Each must still exist and hold its placeholder.
struct Excluded {
  const char* example;      // relative to the version's folder
  const char* placeholder;  // must occur in the file
  const char* reason;
};
constexpr Excluded kExcludedV08Examples[] = {
    {"negotiation/message/contract-request-message.json", "\"https://......\"",
     "illustrative: the callbackAddress is the placeholder \"https://......\", and the offer has "
     "neither the @id nor the @type its own schema (contract-schema.json#/definitions/Offer) "
     "requires; cxgw identifies the requested offer by its @id"},
    {"transfer/message/transfer-start-message.json", "\"dspace:dataAddress\": \"https://......\"",
     "illustrative: dspace:dataAddress is the placeholder string \"https://......\" where a "
     "DataAddress object belongs, so there is no data address to compare"},
};

const char* referenceDir() {
  const char* dir = std::getenv("CX_REFERENCE_DIR");
  return dir != nullptr && *dir != '\0' ? dir : nullptr;
}

// A member of an example by any of its names (plain in 2025-1, "dspace:"/"odrl:" in v0.8).
const Node* member(const Node& object, std::initializer_list<const char*> names) {
  if (!object.IsObject()) return nullptr;
  for (const char* name : names) {
    if (object.HasMember(name)) return &object[name];
  }
  return nullptr;
}

// The text of a value as the example writes it: a string, or the @value / @id of an object.
std::string textOf(const Node* value) {
  if (value == nullptr) return "";
  if (value->IsString()) return value->GetString();
  if (value->IsObject()) {
    for (const char* key : {"@value", "@id"}) {
      if (value->HasMember(key) && (*value)[key].IsString()) return (*value)[key].GetString();
    }
  }
  return "";
}

std::vector<std::string> textsOf(const Node* value) {
  std::vector<std::string> out;
  if (value == nullptr) return out;
  if (!value->IsArray()) {
    if (!textOf(value).empty()) out.push_back(textOf(value));
    return out;
  }
  for (const auto& entry : value->GetArray()) {
    if (!textOf(&entry).empty()) out.push_back(textOf(&entry));
  }
  return out;
}

// "dspace:ACCEPTED" -> "ACCEPTED": v0.8 writes states, events and formats as dspace terms; the
// codec reports them by local name.
std::string localName(std::string value) {
  constexpr std::string_view kPrefix = "dspace:";
  if (value.starts_with(kPrefix)) value.erase(0, kPrefix.size());
  return value;
}

// The local type name of an example: v0.8 prefixes types with "dspace:" or "dcat:".
std::string typeName(std::string type) {
  for (std::string_view prefix : {"dspace:", "dcat:"}) {
    if (type.starts_with(prefix)) type.erase(0, prefix.size());
  }
  return type;
}

struct ExampleFile {
  std::string name;  // relative to the version's folder
  std::string text;
};

std::vector<ExampleFile> examplesIn(const fs::path& root,
                                    std::initializer_list<const char*> folders) {
  std::vector<ExampleFile> out;
  for (const char* folder : folders) {
    const fs::path dir = root / folder;
    if (!fs::is_directory(dir)) {
      ADD_FAILURE() << dir << " is missing";
      continue;
    }
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
      out.push_back({fs::relative(entry.path(), root).generic_string(), readFile(entry.path())});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const ExampleFile& a, const ExampleFile& b) { return a.name < b.name; });
  return out;
}

void expectPids(const Node& example, const std::string& consumer_pid,
                const std::string& provider_pid) {
  EXPECT_EQ(consumer_pid, textOf(member(example, {"consumerPid", "dspace:consumerPid"})));
  EXPECT_EQ(provider_pid, textOf(member(example, {"providerPid", "dspace:providerPid"})));
}

// The number of permissions of an ODRL node of an example.
size_t permissionCount(const Node* policy) {
  const Node* permissions = policy ? member(*policy, {"permission", "odrl:permission"}) : nullptr;
  if (permissions == nullptr) return 0;
  return permissions->IsArray() ? permissions->Size() : 1;
}

void expectPolicyNode(const std::string& expanded_policy, const Node* written) {
  const auto policy = policies::parsePolicy(expanded_policy);
  ASSERT_TRUE(policy.ok()) << policy.error().describe() << "\n" << expanded_policy;
  EXPECT_EQ(policy.value().permissions.size(), permissionCount(written)) << expanded_policy;
}

// Reads one example of an inbound type and compares what the codec read with the file.
void expectExampleRead(const DspCodec& codec, const ExampleFile& file, const Node& example,
                       const std::string& type) {
  const auto read = codec.read(file.text, {std::string_view(type)});
  ASSERT_TRUE(read.ok()) << read.error().describe();
  const InboundMessage& message = read.value();

  if (type == "CatalogRequestMessage") {
    const auto* m = std::get_if<CatalogRequestMessage>(&message);
    ASSERT_NE(m, nullptr);
    // The filter's content is left to implementations; cxgw reads EDC's QuerySpec objects
    // only, and the official examples hold none.
    const Node* filter = member(example, {"filter", "dspace:filter"});
    if (filter != nullptr && filter->IsArray()) {
      for (const auto& entry : filter->GetArray()) {
        ASSERT_FALSE(entry.IsObject()) << "the example now has a filter object: compare it here";
      }
    }
    EXPECT_TRUE(m->criteria.empty());
    EXPECT_EQ(m->offset, 0u);
    EXPECT_FALSE(m->limit.has_value());
  } else if (type == "ContractRequestMessage") {
    const auto* m = std::get_if<ContractRequestMessage>(&message);
    ASSERT_NE(m, nullptr);
    expectPids(example, m->consumer_pid, m->provider_pid);
    EXPECT_EQ(m->callback_address,
              textOf(member(example, {"callbackAddress", "dspace:callbackAddress"})));
    const Node* offer = member(example, {"offer", "dspace:offer"});
    ASSERT_NE(offer, nullptr);
    EXPECT_EQ(m->offer.id, textOf(member(*offer, {"@id"})));
    EXPECT_EQ(m->offer.target, textOf(member(*offer, {"target", "odrl:target"})));
    expectPolicyNode(m->offer.expanded_policy, offer);
  } else if (type == "ContractAgreementMessage") {
    const auto* m = std::get_if<ContractAgreementMessage>(&message);
    ASSERT_NE(m, nullptr);
    expectPids(example, m->consumer_pid, m->provider_pid);
    const Node* agreement = member(example, {"agreement", "dspace:agreement"});
    ASSERT_NE(agreement, nullptr);
    EXPECT_EQ(m->agreement_id, textOf(member(*agreement, {"@id"})));
    EXPECT_EQ(m->target, textOf(member(*agreement, {"target", "odrl:target"})));
    // v0.8 names the parties dspace:providerId / dspace:consumerId.
    EXPECT_EQ(m->assigner,
              textOf(member(*agreement, {"assigner", "odrl:assigner", "dspace:providerId"})));
    EXPECT_EQ(m->assignee,
              textOf(member(*agreement, {"assignee", "odrl:assignee", "dspace:consumerId"})));
    EXPECT_EQ(m->timestamp, textOf(member(*agreement, {"timestamp", "dspace:timestamp"})));
    EXPECT_FALSE(m->assigner.empty());
    EXPECT_FALSE(m->timestamp.empty());
    expectPolicyNode(m->expanded_policy, agreement);
  } else if (type == "ContractNegotiationEventMessage") {
    const auto* m = std::get_if<NegotiationEventMessage>(&message);
    ASSERT_NE(m, nullptr);
    expectPids(example, m->consumer_pid, m->provider_pid);
    const std::string event = localName(textOf(member(example, {"eventType", "dspace:eventType"})));
    EXPECT_EQ(m->event,
              event == "FINALIZED" ? NegotiationMessage::kFinalized : NegotiationMessage::kAccepted)
        << event;
  } else if (type == "TransferRequestMessage") {
    const auto* m = std::get_if<TransferRequestMessage>(&message);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->consumer_pid, textOf(member(example, {"consumerPid", "dspace:consumerPid"})));
    EXPECT_EQ(m->agreement_id, textOf(member(example, {"agreementId", "dspace:agreementId"})));
    EXPECT_EQ(m->format, localName(textOf(member(example, {"format", "dct:format"}))));
    EXPECT_EQ(m->callback_address,
              textOf(member(example, {"callbackAddress", "dspace:callbackAddress"})));
  } else if (type == "TransferStartMessage") {
    const auto* m = std::get_if<TransferStartMessage>(&message);
    ASSERT_NE(m, nullptr);
    expectPids(example, m->consumer_pid, m->provider_pid);
    const Node* address = member(example, {"dataAddress", "dspace:dataAddress"});
    ASSERT_EQ(m->data_address.has_value(), address != nullptr);
    if (address != nullptr) {
      EXPECT_EQ(m->data_address->endpoint_type,
                textOf(member(*address, {"endpointType", "dspace:endpointType"})));
      EXPECT_EQ(m->data_address->endpoint,
                textOf(member(*address, {"endpoint", "dspace:endpoint"})));
      std::vector<std::pair<std::string, std::string>> properties;
      const Node* list = member(*address, {"endpointProperties", "dspace:endpointProperties"});
      ASSERT_TRUE(list != nullptr && list->IsArray());
      for (const auto& property : list->GetArray()) {
        properties.emplace_back(textOf(member(property, {"name", "dspace:name"})),
                                textOf(member(property, {"value", "dspace:value"})));
      }
      EXPECT_EQ(m->data_address->properties, properties);
      EXPECT_FALSE(properties.empty());
    }
  } else if (type == "ContractNegotiation" || type == "TransferProcess") {
    const auto* m = std::get_if<ProcessAck>(&message);
    ASSERT_NE(m, nullptr);
    expectPids(example, m->consumer_pid, m->provider_pid);
    EXPECT_EQ(m->state, localName(textOf(member(example, {"state", "dspace:state"}))));
    EXPECT_FALSE(m->state.empty());
  } else {
    // The messages that carry only the process ids, a code and reasons.
    const ProcessMessage* m = std::visit(
        [](const auto& read_message) -> const ProcessMessage* {
          if constexpr (std::is_base_of_v<ProcessMessage, std::decay_t<decltype(read_message)>>) {
            return &read_message;
          } else {
            return nullptr;
          }
        },
        message);
    ASSERT_NE(m, nullptr) << type << " was not read as a process message";
    expectPids(example, m->consumer_pid, m->provider_pid);
    EXPECT_EQ(m->code, textOf(member(example, {"code", "dspace:code"})));
    EXPECT_EQ(m->reasons, textsOf(member(example, {"reason", "dspace:reason"})));
  }
}

// Reads every example under `folders` of the version: inbound ones must be read with the
// values of the file, the others refused.
void checkOfficialExamples(DspVersion version, const fs::path& root,
                           std::initializer_list<const char*> folders,
                           const std::vector<Excluded>& excluded, size_t min_inbound) {
  const DspCodec codec(version, schemas::JsonLdExpander());
  const std::vector<ExampleFile> files = examplesIn(root, folders);
  std::set<std::string> types_read;
  size_t inbound = 0;
  for (const ExampleFile& file : files) {
    SCOPED_TRACE(file.name);
    rapidjson::Document example;
    example.Parse(file.text.c_str());
    ASSERT_TRUE(example.IsObject()) << "not a JSON object";
    const std::string type = typeName(textOf(member(example, {"@type"})));
    const auto exclusion = std::find_if(excluded.begin(), excluded.end(),
                                        [&](const Excluded& e) { return file.name == e.example; });
    if (exclusion != excluded.end()) {
      EXPECT_NE(file.text.find(exclusion->placeholder), std::string::npos)
          << "listed as illustrative, but " << exclusion->placeholder << " is no longer in it";
      std::cout << "EXCLUDED " << dspVersionName(version) << " " << file.name << " (" << type
                << "): " << exclusion->reason << "\n";
      continue;
    }
    if (kInboundTypes.contains(type)) {
      ++inbound;
      types_read.insert(type);
      expectExampleRead(codec, file, example, type);
    } else if (kNotInboundTypes.contains(type)) {
      const auto read = codec.read(
          file.text,
          {"CatalogRequestMessage", "ContractRequestMessage", "ContractAgreementMessage",
           "ContractNegotiationEventMessage", "ContractAgreementVerificationMessage",
           "ContractNegotiationTerminationMessage", "TransferRequestMessage",
           "TransferStartMessage", "TransferSuspensionMessage", "TransferCompletionMessage",
           "TransferTerminationMessage", "ContractNegotiation", "TransferProcess"});
      EXPECT_FALSE(read.ok()) << type << " is not an input of cxgw but was read";
      std::cout << "not an input of cxgw: " << dspVersionName(version) << " " << file.name << " ("
                << type << ")\n";
    } else {
      ADD_FAILURE() << "example of unknown type '" << type << "': classify it in this test";
    }
  }
  for (const Excluded& e : excluded) {
    EXPECT_TRUE(std::any_of(files.begin(), files.end(),
                            [&](const ExampleFile& f) { return f.name == e.example; }))
        << e.example << " is listed as excluded but no longer exists";
  }
  EXPECT_GE(inbound, min_inbound);
  std::cout << inbound << " inbound " << dspVersionName(version) << " examples read, of "
            << types_read.size() << " types\n";
}

std::optional<fs::path> versionFolder(const char* version) {
  const char* dir = referenceDir();
  if (dir == nullptr) return std::nullopt;
  const fs::path folder = fs::path(dir) / "dsp" / version;
  if (!fs::is_directory(folder)) return std::nullopt;
  return folder;
}

TEST(DspOfficialExamples, The2025InboundExamplesAreReadWithTheirValues) {
  const auto folder = versionFolder("2025-1");
  if (!folder) {
    std::cout << "SKIPPED: CX_REFERENCE_DIR is unset or has no dsp/2025-1" << std::endl;
    GTEST_SKIP() << "CX_REFERENCE_DIR is unset or has no dsp/2025-1";
  }
  checkOfficialExamples(DspVersion::k2025_1, *folder,
                        {"catalog/example", "negotiation/example", "transfer/example"}, {}, 15);
}

TEST(DspOfficialExamples, TheV08InboundExamplesAreReadWithTheirValues) {
  const auto folder = versionFolder("v0.8");
  if (!folder) {
    std::cout << "SKIPPED: CX_REFERENCE_DIR is unset or has no dsp/v0.8" << std::endl;
    GTEST_SKIP() << "CX_REFERENCE_DIR is unset or has no dsp/v0.8";
  }
  checkOfficialExamples(DspVersion::kV08, *folder,
                        {"negotiation/message", "transfer/message", "catalog/message"},
                        {std::begin(kExcludedV08Examples), std::end(kExcludedV08Examples)}, 12);
}

}  // namespace
}  // namespace cxgw::gateway::dsp
