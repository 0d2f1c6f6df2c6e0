#include "cxgw/gateway/dsp/dsp_codec.hpp"

#include <gtest/gtest.h>

#include "cxgw/policies/policy_parser.hpp"

namespace cxgw::gateway::dsp {
namespace {

const DspCodec k2025{DspVersion::k2025_1, schemas::JsonLdExpander()};
const DspCodec kV08{DspVersion::kV08, schemas::JsonLdExpander()};

template <typename Message>
Message readAs(const DspCodec& codec, const std::string& body,
               std::initializer_list<std::string_view> expected) {
  auto read = codec.read(body, expected);
  EXPECT_TRUE(read.ok()) << (read.ok() ? "" : read.error().describe()) << "\n" << body;
  if (!read.ok()) return {};
  const auto* message = std::get_if<Message>(&read.value());
  EXPECT_NE(message, nullptr);
  return message ? *message : Message{};
}

policies::Policy membershipPolicy() {
  auto policy = policies::parsePolicy(R"([{"@id": "p", "@type": ["http://www.w3.org/ns/odrl/2/Set"],
    "http://www.w3.org/ns/odrl/2/permission": [{"http://www.w3.org/ns/odrl/2/action": [{"@id": "http://www.w3.org/ns/odrl/2/use"}],
      "http://www.w3.org/ns/odrl/2/constraint": [{
        "http://www.w3.org/ns/odrl/2/leftOperand": [{"@id": "https://w3id.org/catenax/2025/9/policy/Membership"}],
        "http://www.w3.org/ns/odrl/2/operator": [{"@id": "http://www.w3.org/ns/odrl/2/eq"}],
        "http://www.w3.org/ns/odrl/2/rightOperand": [{"@value": "active"}]}]}]}])");
  EXPECT_TRUE(policy.ok()) << (policy.ok() ? "" : policy.error().describe());
  return policy.ok() ? policy.value() : policies::Policy{};
}

TEST(DspCodec, ReadsAContractRequestInBothCompactionStylesOfV08) {
  const std::string prefixed = R"({"@context": "https://w3id.org/dspace/v0.8/context.json",
    "@type": "dspace:ContractRequestMessage", "dspace:consumerPid": "urn:uuid:c1",
    "dspace:offer": {"@id": "offer-1", "odrl:target": "asset-1",
      "odrl:permission": [{"odrl:action": "odrl:use"}]},
    "dspace:callbackAddress": "https://consumer.example/cb"})";
  const std::string edc_style = R"({"@context": {"@vocab": "https://w3id.org/edc/v0.0.1/ns/",
      "dspace": "https://w3id.org/dspace/v0.8/", "odrl": "http://www.w3.org/ns/odrl/2/"},
    "@type": "dspace:ContractRequestMessage", "dspace:consumerPid": "urn:uuid:c1",
    "dspace:offer": {"@type": "odrl:Offer", "@id": "offer-1", "odrl:target": {"@id": "asset-1"},
      "odrl:permission": [{"odrl:action": {"@id": "odrl:use"}}]},
    "dspace:callbackAddress": "https://consumer.example/cb"})";
  for (const std::string& body : {prefixed, edc_style}) {
    const auto m = readAs<ContractRequestMessage>(kV08, body, {"ContractRequestMessage"});
    EXPECT_EQ(m.consumer_pid, "urn:uuid:c1");
    EXPECT_EQ(m.provider_pid, "");
    EXPECT_EQ(m.offer.id, "offer-1");
    EXPECT_EQ(m.offer.target, "asset-1");
    EXPECT_EQ(m.callback_address, "https://consumer.example/cb");
    const auto policy = policies::parsePolicy(m.offer.expanded_policy);
    ASSERT_TRUE(policy.ok()) << policy.error().describe();
    ASSERT_EQ(policy.value().permissions.size(), 1U);
    EXPECT_EQ(policy.value().permissions[0].action_iri, "http://www.w3.org/ns/odrl/2/use");
  }
}

TEST(DspCodec, WrittenMessagesReadBackInBothVersions) {
  const policies::Policy policy = membershipPolicy();
  for (const DspCodec* codec : {&k2025, &kV08}) {
    SCOPED_TRACE(std::string(dspVersionName(codec->version())));
    ContractRequestMessage request;
    request.consumer_pid = "urn:uuid:consumer-1";
    request.callback_address = "https://consumer.example/api/v1/dsp";
    const std::string offer = policies::writeOdrlPolicy(
        policy, {"offer-9", "Offer", "asset-7", "BPNL000000000SUP", "", {}}, codec->odrlStyle());
    const auto read = readAs<ContractRequestMessage>(
        *codec, codec->writeContractRequest(request, offer), {"ContractRequestMessage"});
    EXPECT_EQ(read.consumer_pid, request.consumer_pid);
    EXPECT_EQ(read.callback_address, request.callback_address);
    EXPECT_EQ(read.offer.id, "offer-9");
    EXPECT_EQ(read.offer.target, "asset-7");
    const auto reread = policies::parsePolicy(read.offer.expanded_policy);
    ASSERT_TRUE(reread.ok()) << reread.error().describe();
    EXPECT_EQ(policies::canonicalPolicyText(reread.value()), policies::canonicalPolicyText(policy));

    ContractAgreementMessage agreement;
    agreement.consumer_pid = "urn:uuid:consumer-1";
    agreement.provider_pid = "urn:uuid:provider-1";
    const std::string agreement_json = policies::writeOdrlPolicy(
        policy,
        {"agreement-1",
         "Agreement",
         "asset-7",
         "BPNL000000000SUP",
         "BPNL000000000OEM",
         {{codec->version() == DspVersion::kV08 ? "dspace:timestamp" : "timestamp",
           "2026-11-23T10:00:00Z"}}},
        codec->odrlStyle());
    const auto read_agreement = readAs<ContractAgreementMessage>(
        *codec, codec->writeAgreement(agreement, agreement_json), {"ContractAgreementMessage"});
    EXPECT_EQ(read_agreement.agreement_id, "agreement-1");
    EXPECT_EQ(read_agreement.assignee, "BPNL000000000OEM");
    EXPECT_EQ(read_agreement.assigner, "BPNL000000000SUP");
    EXPECT_EQ(read_agreement.timestamp, "2026-11-23T10:00:00Z");
    EXPECT_EQ(read_agreement.provider_pid, "urn:uuid:provider-1");

    const auto ack = readAs<ProcessAck>(
        *codec, codec->writeNegotiationAck({"urn:uuid:c", "urn:uuid:p", "FINALIZED"}),
        {"ContractNegotiation"});
    EXPECT_EQ(ack.state, "FINALIZED");
    EXPECT_EQ(ack.provider_pid, "urn:uuid:p");

    const auto event = readAs<NegotiationEventMessage>(
        *codec,
        codec->writeNegotiationEvent({"urn:uuid:c", "urn:uuid:p", NegotiationMessage::kFinalized}),
        {"ContractNegotiationEventMessage"});
    EXPECT_EQ(event.event, NegotiationMessage::kFinalized);

    TransferStartMessage start;
    start.consumer_pid = "urn:uuid:c";
    start.provider_pid = "urn:uuid:p";
    start.data_address = DataAddress{"https://w3id.org/idsa/v4.1/HTTP",
                                     "https://supplier.example/api/public",
                                     {{"authorization", "token-1"}, {"expiresIn", "300"}}};
    const auto read_start = readAs<TransferStartMessage>(*codec, codec->writeTransferStart(start),
                                                         {"TransferStartMessage"});
    ASSERT_TRUE(read_start.data_address.has_value());
    EXPECT_EQ(read_start.data_address->endpoint, "https://supplier.example/api/public");
    EXPECT_EQ(read_start.data_address->property("authorization"), "token-1");
    EXPECT_EQ(read_start.data_address->property("expiresIn"), "300");

    TransferRequestMessage transfer{"urn:uuid:c", "agreement-1", "HttpData-PULL",
                                    "https://consumer.example/cb"};
    const auto read_transfer = readAs<TransferRequestMessage>(
        *codec, codec->writeTransferRequest(transfer), {"TransferRequestMessage"});
    EXPECT_EQ(read_transfer.agreement_id, "agreement-1");
    EXPECT_EQ(read_transfer.format, "HttpData-PULL");

    NegotiationTerminationMessage termination;
    termination.consumer_pid = "urn:uuid:c";
    termination.provider_pid = "urn:uuid:p";
    termination.code = "policy";
    termination.reasons = {"not a member"};
    const auto read_termination = readAs<NegotiationTerminationMessage>(
        *codec, codec->writeNegotiationTermination(termination),
        {"ContractNegotiationTerminationMessage"});
    EXPECT_EQ(read_termination.code, "policy");
    EXPECT_EQ(read_termination.reasons, std::vector<std::string>{"not a member"});
  }
}

TEST(DspCodec, AMissingProcessIdIsNamed) {
  const auto read = k2025.read(R"({"@context": ["https://w3id.org/dspace/2025/1/context.jsonld"],
      "@type": "ContractAgreementVerificationMessage", "providerPid": "urn:uuid:p"})",
                               {"ContractAgreementVerificationMessage"});
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().key, "consumerPid");
}

TEST(DspCodec, AnotherMessageTypeIsRefusedByName) {
  const auto read = k2025.read(R"({"@context": ["https://w3id.org/dspace/2025/1/context.jsonld"],
      "@type": "TransferCompletionMessage", "providerPid": "urn:uuid:p", "consumerPid": "urn:uuid:c"})",
                               {"ContractRequestMessage"});
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().key, "@type");
  EXPECT_NE(read.error().message.find("TransferCompletionMessage"), std::string::npos)
      << read.error().message;
}

TEST(DspCodec, AMessageOfTheOtherVersionIsRefused) {
  const auto read = kV08.read(R"({"@context": ["https://w3id.org/dspace/2025/1/context.jsonld"],
      "@type": "ContractAgreementVerificationMessage", "providerPid": "urn:uuid:p", "consumerPid": "urn:uuid:c"})",
                              {"ContractAgreementVerificationMessage"});
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().key, "@type");
}

TEST(DspCodec, AnUnknownRemoteContextIsNamedNotFetched) {
  const auto read = k2025.read(R"({"@context": "https://evil.example/context.jsonld",
      "@type": "CatalogRequestMessage"})",
                               {"CatalogRequestMessage"});
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.error().message.find("https://evil.example/context.jsonld"), std::string::npos)
      << read.error().message;
}

TEST(DspCodec, MalformedJsonIsAnError) {
  for (const char* body : {"", "{", "[1,2]", "null", R"({"@type": 5})"}) {
    const auto read = k2025.read(body, {"CatalogRequestMessage"});
    EXPECT_FALSE(read.ok()) << body;
  }
}

TEST(DspCodec, ReadsTheCatalogFilterAsEdcQuerySpec) {
  const auto m = readAs<CatalogRequestMessage>(
      kV08, R"({"@context": {"@vocab": "https://w3id.org/edc/v0.0.1/ns/",
      "dspace": "https://w3id.org/dspace/v0.8/"},
    "@type": "dspace:CatalogRequestMessage",
    "dspace:filter": {"@type": "QuerySpec", "offset": 5, "limit": 10,
      "filterExpression": [{"operandLeft": "https://w3id.org/edc/v0.0.1/ns/id", "operator": "=", "operandRight": "digital-twin-registry"}]}})",
      {"CatalogRequestMessage"});
  EXPECT_EQ(m.offset, 5U);
  EXPECT_EQ(m.limit, std::optional<size_t>(10));
  ASSERT_EQ(m.criteria.size(), 1U);
  EXPECT_EQ(m.criteria[0].operand_right, std::vector<std::string>{"digital-twin-registry"});

  const auto bad = kV08.read(R"({"@context": {"@vocab": "https://w3id.org/edc/v0.0.1/ns/",
      "dspace": "https://w3id.org/dspace/v0.8/"}, "@type": "dspace:CatalogRequestMessage",
    "dspace:filter": {"filterExpression": [{"operandLeft": "x:y", "operator": "like", "operandRight": "a"}]}})",
                             {"CatalogRequestMessage"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().key, "filter.filterExpression[0].operator");
}

}  // namespace
}  // namespace cxgw::gateway::dsp
