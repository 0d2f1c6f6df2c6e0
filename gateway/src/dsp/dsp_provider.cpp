#include "cxgw/gateway/dsp/dsp_provider.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "cxgw/core/ids.hpp"
#include "cxgw/core/json_text.hpp"
#include "cxgw/core/logging.hpp"
#include "cxgw/core/timestamp.hpp"
#include "cxgw/gateway/dataplane/data_plane.hpp"
#include "cxgw/gateway/dsp/offered_assets.hpp"
#include "cxgw/gateway/dtr/twin_registry.hpp"
#include "cxgw/gateway/http/https_url.hpp"
#include "cxgw/policies/policy_parser.hpp"
#include "cxgw/policies/policy_writer.hpp"

namespace cxgw::gateway::dsp {
namespace {

constexpr std::string_view kOfferPrefix = "urn:cxgw:offer:";
constexpr std::string_view kEdcNs = "https://w3id.org/edc/v0.0.1/ns/";
constexpr std::string_view kTxAuthNs = "https://w3id.org/tractusx/auth/";

std::string percentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::optional<std::string> percentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    const int high = hex(text[i + 1]);
    const int low = hex(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

HttpResponse jsonResponse(unsigned status, std::string body) {
  return HttpResponse::json(status, std::move(body));
}

}  // namespace

std::string offerIdFor(std::string_view contract_definition_id, std::string_view asset_id) {
  return std::string(kOfferPrefix) + percentEncode(contract_definition_id) + ":" +
         percentEncode(asset_id);
}

std::optional<OfferReference> parseOfferId(std::string_view offer_id) {
  if (offer_id.substr(0, kOfferPrefix.size()) != kOfferPrefix) return std::nullopt;
  offer_id.remove_prefix(kOfferPrefix.size());
  const size_t colon = offer_id.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto definition = percentDecode(offer_id.substr(0, colon));
  auto asset = percentDecode(offer_id.substr(colon + 1));
  if (!definition || !asset || definition->empty() || asset->empty()) return std::nullopt;
  return OfferReference{std::move(*definition), std::move(*asset)};
}

struct DspProvider::Impl {
  Impl(DspProviderSettings s, Dependencies d)
      : settings(std::move(s)),
        deps(std::move(d)),
        v08(DspVersion::kV08, deps.expander),
        v2025(DspVersion::k2025_1, deps.expander) {}

  const DspProviderSettings settings;
  Dependencies deps;
  const DspCodec v08;
  const DspCodec v2025;
  ConsumerFallback consumer_fallback;  // set before the routes serve

  const DspCodec& codec(DspVersion version) const {
    return version == DspVersion::kV08 ? v08 : v2025;
  }

  std::string endpointUrl(DspVersion version) const {
    return joinUrl(settings.public_url, version == DspVersion::kV08
                                            ? std::string(kDspBasePath)
                                            : std::string(kDspBasePath) + "/2025-1");
  }

  // --- responses ---------------------------------------------------------------------------

  HttpResponse negotiationError(DspVersion version, unsigned status, std::string consumer_pid,
                                std::string provider_pid, std::string code,
                                std::string reason) const {
    ProcessMessage error;
    error.consumer_pid = std::move(consumer_pid);
    error.provider_pid = std::move(provider_pid);
    error.code = std::move(code);
    error.reasons = {std::move(reason)};
    return jsonResponse(status, codec(version).writeNegotiationError(error));
  }

  HttpResponse transferError(DspVersion version, unsigned status, std::string consumer_pid,
                             std::string provider_pid, std::string code, std::string reason) const {
    ProcessMessage error;
    error.consumer_pid = std::move(consumer_pid);
    error.provider_pid = std::move(provider_pid);
    error.code = std::move(code);
    error.reasons = {std::move(reason)};
    return jsonResponse(status, codec(version).writeTransferError(error));
  }

  // --- routing -----------------------------------------------------------------------------

  using Handle = HttpResponse (Impl::*)(DspVersion, const HttpRequest&,
                                        const AuthenticatedPartner&);

  enum class Area { kCatalog, kNegotiation, kTransfer };

  HttpResponse unauthorized(DspVersion version, Area area) const {
    switch (area) {
      case Area::kNegotiation:
        return negotiationError(version, 401, "", "", "401", "unauthorized");
      case Area::kTransfer:
        return transferError(version, 401, "", "", "401", "unauthorized");
      case Area::kCatalog:
        break;
    }
    return jsonResponse(401, codec(version).writeCatalogError("401", "unauthorized"));
  }

  AsyncHandler authenticated(DspVersion version, Handle handle, Area area) {
    return [this, version, handle, area](HttpRequest& request, Responder respond) {
      auto job = [this, version, handle, area, request = request, respond]() {
        auto partner = deps.authenticator.authenticate(request);
        if (!partner) {
          logWarn("partner not authenticated",
                  {{"reason", partner.error().message}, {"route", request.route}});
          respond(unauthorized(version, area));
          return;
        }
        respond((this->*handle)(version, request, partner.value()));
      };
      if (!deps.workers.tryPost(std::move(job))) {
        respond(HttpResponse::error(503, "overloaded", "the gateway is busy; retry later"));
      }
    };
  }

  // --- catalog -----------------------------------------------------------------------------

  bool criteriaHold(const CatalogRequestMessage& request,
                    const policies::AssetDescription& asset) const {
    for (const auto& criterion : request.criteria) {
      const auto it = asset.properties.find(criterion.operand_left);
      const std::string* value = it == asset.properties.end() ? nullptr : &it->second;
      if (value == nullptr && criterion.operand_left == policies::kAssetIdProperty) {
        value = &asset.id;
      }
      if (value == nullptr) return false;
      if (std::find(criterion.operand_right.begin(), criterion.operand_right.end(), *value) ==
          criterion.operand_right.end()) {
        return false;
      }
    }
    return true;
  }

  CatalogDataset dataset(DspVersion version, const policies::AssetDescription& asset,
                         const std::vector<const policies::ContractDefinition*>& definitions,
                         const policies::PolicyLibrary& library) const {
    CatalogDataset out;
    out.id = asset.id;
    for (const auto& [iri, value] : asset.properties) {
      if (iri == policies::kAssetIdProperty) continue;
      if (iri == kDctType) {
        out.iri_properties.emplace_back(iri, value);
      } else {
        out.literal_properties.emplace_back(iri, value);
      }
    }
    for (const policies::ContractDefinition* definition : definitions) {
      const policies::Policy* policy = library.policy(definition->contract_policy_id);
      if (policy == nullptr) continue;
      out.offers.push_back({policies::writeOdrlPolicy(
          *policy,
          {offerIdFor(definition->id, asset.id), "Offer", "", settings.participant_bpn, "", {}},
          codec(version).odrlStyle())});
    }
    return out;
  }

  HttpResponse catalogRequest(DspVersion version, const HttpRequest& request,
                              const AuthenticatedPartner& partner) {
    const DspCodec& c = codec(version);
    auto read = c.read(request.body, {"CatalogRequestMessage"});
    if (!read) {
      return jsonResponse(
          400, c.writeCatalogError("400", read.error().key.empty()
                                              ? read.error().message
                                              : read.error().key + ": " + read.error().message));
    }
    const auto& message = std::get<CatalogRequestMessage>(read.value());
    const Assets assets = deps.assets();
    std::vector<policies::AssetDescription> candidates;
    if (assets) {
      for (const auto& asset : *assets) {
        if (criteriaHold(message, asset)) candidates.push_back(asset);
      }
    }
    DecisionSubject subject;
    subject.claims = partner.claims;
    std::shared_ptr<const policies::PolicyLibrary> library;
    const auto offers = deps.decisions.catalog(candidates, subject, library);
    Catalog catalog;
    catalog.id = "urn:cxgw:catalog:" + settings.participant_bpn;
    catalog.participant_id = settings.participant_bpn;
    catalog.endpoint_url = endpointUrl(version);
    size_t visible = 0;
    const size_t limit =
        std::min(message.limit.value_or(settings.max_catalog_page), settings.max_catalog_page);
    bool more = false;
    for (size_t i = 0; i < candidates.size() && library; ++i) {
      if (offers[i].empty()) continue;
      if (visible++ < message.offset) continue;
      if (catalog.datasets.size() == limit) {
        more = true;
        break;
      }
      catalog.datasets.push_back(dataset(version, candidates[i], offers[i], *library));
    }
    HttpResponse response = jsonResponse(200, c.writeCatalog(catalog));
    if (more) {
      const std::string next = endpointUrl(version) +
                               "/catalog/request?offset=" + std::to_string(message.offset + limit) +
                               "&limit=" + std::to_string(limit);
      response.headers.emplace_back("Link", "<" + next + ">; rel=\"next\"");
    }
    return response;
  }

  HttpResponse datasetRequest(DspVersion version, const HttpRequest& request,
                              const AuthenticatedPartner& partner) {
    const DspCodec& c = codec(version);
    const std::string id = request.path_params.at("id");
    const Assets assets = deps.assets();
    std::vector<policies::AssetDescription> candidates;
    if (assets) {
      for (const auto& asset : *assets) {
        if (asset.id == id) candidates.push_back(asset);
      }
    }
    DecisionSubject subject;
    subject.claims = partner.claims;
    subject.asset_id = id;
    std::shared_ptr<const policies::PolicyLibrary> library;
    const auto offers = deps.decisions.catalog(candidates, subject, library);
    if (candidates.empty() || !library || offers[0].empty()) {
      return jsonResponse(404, c.writeCatalogError("404", "no dataset " + id));
    }
    return jsonResponse(200, c.writeDataset(dataset(version, candidates[0], offers[0], *library),
                                            endpointUrl(version)));
  }

  // --- negotiation -------------------------------------------------------------------------

  // The negotiation `pid` if it exists and belongs to `partner`; nothing otherwise (404 for
  // both, so that another partner's ids cannot be probed).
  std::optional<store::ContractNegotiationRecord> ownNegotiation(
      const std::string& pid, const AuthenticatedPartner& partner, HttpResponse& failure,
      DspVersion version) {
    auto record = deps.processes.negotiation(pid);
    if (!record) {
      failure = negotiationError(version, 503, "", pid, "503", "the store is unavailable");
      return std::nullopt;
    }
    if (!record.value() || record.value()->role != store::ProcessRole::kProvider ||
        record.value()->counterparty_bpn != partner.claims.bpn) {
      failure = negotiationError(version, 404, "", pid, "404", "no contract negotiation " + pid);
      return std::nullopt;
    }
    return std::move(*record.value());
  }

  HttpResponse negotiationAck(DspVersion version, unsigned status,
                              const store::ContractNegotiationRecord& record) const {
    return jsonResponse(status, codec(version).writeNegotiationAck(
                                    {record.consumer_pid, record.provider_pid, record.state}));
  }

  HttpResponse getNegotiation(DspVersion version, const HttpRequest& request,
                              const AuthenticatedPartner& partner) {
    HttpResponse failure;
    auto record = ownNegotiation(request.path_params.at("pid"), partner, failure, version);
    if (!record) return failure;
    return negotiationAck(version, 200, *record);
  }

  HttpResponse initialContractRequest(DspVersion version, const HttpRequest& request,
                                      const AuthenticatedPartner& partner) {
    const DspCodec& c = codec(version);
    auto read = c.read(request.body, {"ContractRequestMessage"});
    if (!read) {
      return negotiationError(version, 400, "", "", "400", describe(read.error()));
    }
    const auto& message = std::get<ContractRequestMessage>(read.value());
    const auto refuse = [&](std::string reason) {
      return negotiationError(version, 400, message.consumer_pid, "", "400", std::move(reason));
    };
    if (!message.provider_pid.empty()) {
      return refuse("providerPid: an initial ContractRequestMessage has none");
    }
    if (!isHttpsUrl(message.callback_address)) {
      return refuse("callbackAddress: an https URL is required");
    }
    const auto offer = parseOfferId(message.offer.id);
    const std::string not_offered = "offer " + message.offer.id + " is not offered to you";
    if (!offer) return refuse(not_offered);
    if (!message.offer.target.empty() && message.offer.target != offer->asset_id) {
      return refuse("offer.target: the offer is for another asset");
    }
    const Assets assets = deps.assets();
    std::vector<policies::AssetDescription> candidates;
    if (assets) {
      for (const auto& asset : *assets) {
        if (asset.id == offer->asset_id) candidates.push_back(asset);
      }
    }
    DecisionSubject subject;
    subject.claims = partner.claims;
    subject.asset_id = offer->asset_id;
    std::shared_ptr<const policies::PolicyLibrary> library;
    const auto visible = deps.decisions.catalog(candidates, subject, library);
    const policies::ContractDefinition* definition = nullptr;
    if (!candidates.empty() && library) {
      for (const auto* candidate : visible[0]) {
        if (candidate->id == offer->contract_definition_id) definition = candidate;
      }
    }
    if (definition == nullptr) return refuse(not_offered);
    auto requested = policies::parsePolicy(message.offer.expanded_policy, message.offer.id);
    if (!requested) return refuse("offer: " + describe(requested.error()));

    const auto now = deps.now();
    store::ContractNegotiationRecord record;
    record.id = "urn:uuid:" + randomUuid();
    record.role = store::ProcessRole::kProvider;
    record.provider_pid = record.id;
    record.consumer_pid = message.consumer_pid;
    record.counterparty_bpn = partner.claims.bpn;
    record.counterparty_address = message.callback_address;
    record.protocol = std::string(dspProtocolId(version));
    record.state = std::string(negotiationStateName(NegotiationState::kRequested));
    record.asset_id = offer->asset_id;
    record.offer_id = message.offer.id;
    record.contract_definition_id = definition->id;
    record.created_at = now;
    record.updated_at = now;
    if (auto created = deps.processes.createNegotiation(record); !created) {
      return negotiationError(version, 503, message.consumer_pid, "", "503",
                              "the negotiation could not be stored");
    }
    auto stored = deps.processes.negotiation(record.id);
    if (!stored || !stored.value()) {
      return negotiationError(version, 503, message.consumer_pid, "", "503",
                              "the negotiation could not be stored");
    }
    record = *stored.value();
    const policies::Decision decision = deps.decisions.negotiation(
        *definition, requested.value(), subject, policies::purposesDeclaredBy(requested.value()));
    HttpResponse created = negotiationAck(version, 201, record);
    created.headers.emplace_back("Location",
                                 endpointUrl(version) + "/negotiations/" + record.provider_pid);
    // The decision is taken; send its consequence as soon as this answer is on its way.
    const policies::Policy* contract_policy = library->policy(definition->contract_policy_id);
    if (decision.allowed && contract_policy != nullptr) {
      agree(version, std::move(record), *contract_policy);
    } else {
      terminate(version, std::move(record), "policy",
                decision.partner_reason.empty() ? "the contract policy does not allow it"
                                                : decision.partner_reason);
    }
    return created;
  }

  // A pid that is no provider process of ours may be a consumer process of ours: the routes of
  // events, terminations and transfer messages have the same shape on both sides.
  HttpResponse orConsumer(DspVersion version, const HttpRequest& request,
                          const AuthenticatedPartner& partner, HttpResponse failure) {
    if (failure.status != 404 || !consumer_fallback) return failure;
    auto answer = consumer_fallback(version, request, partner);
    return answer ? std::move(*answer) : std::move(failure);
  }

  static std::string describe(const Error& error) {
    return error.key.empty() ? error.message : error.key + ": " + error.message;
  }

  // Moves `record` to `state` by compare-and-swap. A conflict means another thread or replica
  // moved it first; the caller's view is then stale and it must not act on it.
  Result<store::ContractNegotiationRecord> move(store::ContractNegotiationRecord record,
                                                NegotiationState state,
                                                std::string error_detail = {}) {
    record.state = std::string(negotiationStateName(state));
    if (!error_detail.empty()) record.error_detail = std::move(error_detail);
    return deps.processes.updateNegotiation(record);
  }

  void agree(DspVersion version, store::ContractNegotiationRecord record,
             const policies::Policy& contract_policy) {
    const DspCodec& c = codec(version);
    const auto now = deps.now();
    const std::string agreement_id = "urn:uuid:" + randomUuid();
    const std::string agreement_json =
        policies::writeOdrlPolicy(contract_policy,
                                  {agreement_id,
                                   "Agreement",
                                   record.asset_id,
                                   settings.participant_bpn,
                                   record.counterparty_bpn,
                                   {{version == DspVersion::kV08 ? "dspace:timestamp" : "timestamp",
                                     formatIsoTimestamp(now)}}},
                                  c.odrlStyle());
    // What is stored for evaluation later is the same policy without the message's timestamp,
    // which is no ODRL term.
    auto expanded = c.expandPolicy(policies::writeOdrlPolicy(contract_policy,
                                                             {agreement_id,
                                                              "Agreement",
                                                              record.asset_id,
                                                              settings.participant_bpn,
                                                              record.counterparty_bpn,
                                                              {}},
                                                             c.odrlStyle()));
    if (!expanded) {
      terminate(version, std::move(record), "internal", "the agreement could not be prepared");
      return;
    }
    store::ContractAgreementRecord agreement;
    agreement.id = agreement_id;
    agreement.negotiation_id = record.id;
    agreement.role = store::ProcessRole::kProvider;
    agreement.asset_id = record.asset_id;
    agreement.provider_bpn = settings.participant_bpn;
    agreement.consumer_bpn = record.counterparty_bpn;
    agreement.policy_json = std::move(expanded.value());
    agreement.signed_at = now;
    if (!deps.processes.createAgreement(agreement)) {
      terminate(version, std::move(record), "internal", "the agreement could not be stored");
      return;
    }
    record.agreement_id = agreement_id;
    auto agreed = move(std::move(record), NegotiationState::kAgreed);
    if (!agreed) {
      logWarn("negotiation moved meanwhile; agreement not sent",
              {{"reason", agreed.error().message}});
      return;
    }
    ContractAgreementMessage message;
    message.provider_pid = agreed.value().provider_pid;
    message.consumer_pid = agreed.value().consumer_pid;
    sendNegotiationMessage(version, agreed.value(), "/agreement",
                           c.writeAgreement(message, agreement_json));
  }

  void terminate(DspVersion version, store::ContractNegotiationRecord record, std::string code,
                 std::string reason) {
    auto terminated = move(std::move(record), NegotiationState::kTerminated, reason);
    if (!terminated) return;
    NegotiationTerminationMessage message;
    message.provider_pid = terminated.value().provider_pid;
    message.consumer_pid = terminated.value().consumer_pid;
    message.code = std::move(code);
    message.reasons = {std::move(reason)};
    deps.callbacks.send(negotiationCallback(terminated.value(), "/termination"),
                        codec(version).writeNegotiationTermination(message), {}, {});
  }

  static std::string negotiationCallback(const store::ContractNegotiationRecord& record,
                                         std::string_view suffix) {
    return joinUrl(record.counterparty_address, "/negotiations/" + record.consumer_pid) +
           std::string(suffix);
  }

  // Sends a message whose delivery the process depends on; giving up terminates it.
  void sendNegotiationMessage(DspVersion version, const store::ContractNegotiationRecord& record,
                              std::string_view suffix, std::string body) {
    const std::string id = record.id;
    deps.callbacks.send(
        negotiationCallback(record, suffix), std::move(body), {},
        [this, version, id](const std::string& reason) { giveUpNegotiation(version, id, reason); });
  }

  void giveUpNegotiation(DspVersion version, const std::string& id, const std::string& reason) {
    for (int attempt = 0; attempt < 3; ++attempt) {
      auto record = deps.processes.negotiation(id);
      if (!record || !record.value()) return;
      const auto state = parseNegotiationState(record.value()->state);
      if (!state || isTerminal(*state)) return;
      if (move(std::move(*record.value()), NegotiationState::kTerminated, reason)) {
        logWarn("negotiation terminated: callback undeliverable",
                {{"negotiation", id},
                 {"reason", reason},
                 {"version", std::string(dspVersionName(version))}});
        return;
      }
    }
  }

  // A consumer message on an existing negotiation: check the transition, apply it, answer 200.
  // A repeated message that finds the process already where it would lead is answered 200 too.
  HttpResponse negotiationMessage(DspVersion version, const HttpRequest& request,
                                  const AuthenticatedPartner& partner,
                                  std::initializer_list<std::string_view> types) {
    const DspCodec& c = codec(version);
    const std::string pid = request.path_params.at("pid");
    auto read = c.read(request.body, types);
    if (!read) return negotiationError(version, 400, "", pid, "400", describe(read.error()));
    HttpResponse failure;
    auto record = ownNegotiation(pid, partner, failure, version);
    if (!record) return orConsumer(version, request, partner, std::move(failure));
    NegotiationMessage kind = NegotiationMessage::kTermination;
    std::string message_provider_pid;
    std::string reason;
    std::visit(
        [&](const auto& m) {
          using M = std::decay_t<decltype(m)>;
          if constexpr (std::is_same_v<M, NegotiationEventMessage>) {
            kind = m.event;
            message_provider_pid = m.provider_pid;
          } else if constexpr (std::is_same_v<M, AgreementVerificationMessage>) {
            kind = NegotiationMessage::kAgreementVerification;
            message_provider_pid = m.provider_pid;
          } else if constexpr (std::is_same_v<M, NegotiationTerminationMessage>) {
            kind = NegotiationMessage::kTermination;
            message_provider_pid = m.provider_pid;
            reason = m.reasons.empty() ? m.code : m.reasons.front();
          } else if constexpr (std::is_same_v<M, ContractRequestMessage>) {
            kind = NegotiationMessage::kContractRequest;
            message_provider_pid = m.provider_pid;
          }
        },
        read.value());
    if (message_provider_pid != pid) {
      return negotiationError(version, 400, record->consumer_pid, pid, "400",
                              "providerPid: the message names another negotiation");
    }
    for (int attempt = 0; attempt < 3; ++attempt) {
      const auto current = parseNegotiationState(record->state);
      auto next = nextNegotiationState(current, kind, Role::kConsumer);
      if (!next) {
        const bool repeated =
            (kind == NegotiationMessage::kAgreementVerification &&
             (current == NegotiationState::kVerified || current == NegotiationState::kFinalized)) ||
            (kind == NegotiationMessage::kTermination && current == NegotiationState::kTerminated);
        if (repeated) return HttpResponse::json(200, "{}");
        return negotiationError(version, 400, record->consumer_pid, pid, "400",
                                next.error().message);
      }
      auto moved = move(*record, next.value(), reason);
      if (moved) {
        if (next.value() == NegotiationState::kVerified)
          finalize(version, std::move(moved.value()));
        return HttpResponse::json(200, "{}");
      }
      if (moved.error().code != ErrorCode::kConflict) break;
      record = ownNegotiation(pid, partner, failure, version);
      if (!record) return failure;
    }
    return negotiationError(version, 503, record->consumer_pid, pid, "503",
                            "the negotiation could not be updated");
  }

  void finalize(DspVersion version, store::ContractNegotiationRecord record) {
    auto finalized = move(std::move(record), NegotiationState::kFinalized);
    if (!finalized) return;
    NegotiationEventMessage event;
    event.provider_pid = finalized.value().provider_pid;
    event.consumer_pid = finalized.value().consumer_pid;
    event.event = NegotiationMessage::kFinalized;
    sendNegotiationMessage(version, finalized.value(), "/events",
                           codec(version).writeNegotiationEvent(event));
  }

  HttpResponse negotiationEvents(DspVersion v, const HttpRequest& r,
                                 const AuthenticatedPartner& p) {
    return negotiationMessage(v, r, p, {"ContractNegotiationEventMessage"});
  }
  HttpResponse negotiationVerification(DspVersion v, const HttpRequest& r,
                                       const AuthenticatedPartner& p) {
    return negotiationMessage(v, r, p, {"ContractAgreementVerificationMessage"});
  }
  HttpResponse negotiationTermination(DspVersion v, const HttpRequest& r,
                                      const AuthenticatedPartner& p) {
    return negotiationMessage(v, r, p, {"ContractNegotiationTerminationMessage"});
  }
  HttpResponse negotiationCounterRequest(DspVersion v, const HttpRequest& r,
                                         const AuthenticatedPartner& p) {
    return negotiationMessage(v, r, p, {"ContractRequestMessage"});
  }

  // --- transfer ----------------------------------------------------------------------------

  std::optional<store::TransferProcessRecord> ownTransfer(const std::string& pid,
                                                          const AuthenticatedPartner& partner,
                                                          HttpResponse& failure,
                                                          DspVersion version) {
    auto record = deps.processes.transfer(pid);
    if (!record) {
      failure = transferError(version, 503, "", pid, "503", "the store is unavailable");
      return std::nullopt;
    }
    if (!record.value() || record.value()->role != store::ProcessRole::kProvider ||
        record.value()->counterparty_bpn != partner.claims.bpn) {
      failure = transferError(version, 404, "", pid, "404", "no transfer process " + pid);
      return std::nullopt;
    }
    return std::move(*record.value());
  }

  HttpResponse transferAck(DspVersion version, unsigned status,
                           const store::TransferProcessRecord& record) const {
    return jsonResponse(status, codec(version).writeTransferAck(
                                    {record.consumer_pid, record.provider_pid, record.state}));
  }

  HttpResponse getTransfer(DspVersion version, const HttpRequest& request,
                           const AuthenticatedPartner& partner) {
    HttpResponse failure;
    auto record = ownTransfer(request.path_params.at("pid"), partner, failure, version);
    if (!record) return failure;
    return transferAck(version, 200, *record);
  }

  HttpResponse transferRequest(DspVersion version, const HttpRequest& request,
                               const AuthenticatedPartner& partner) {
    const DspCodec& c = codec(version);
    auto read = c.read(request.body, {"TransferRequestMessage"});
    if (!read) return transferError(version, 400, "", "", "400", describe(read.error()));
    const auto& message = std::get<TransferRequestMessage>(read.value());
    const auto refuse = [&](std::string reason) {
      return transferError(version, 400, message.consumer_pid, "", "400", std::move(reason));
    };
    if (message.format != kHttpDataPull) {
      return refuse("format: only " + std::string(kHttpDataPull) + " is offered, not " +
                    message.format);
    }
    if (!isHttpsUrl(message.callback_address)) {
      return refuse("callbackAddress: an https URL is required");
    }
    auto agreement = deps.processes.agreement(message.agreement_id);
    if (!agreement)
      return transferError(version, 503, message.consumer_pid, "", "503", "store unavailable");
    // Unknown and foreign agreements get the same answer.
    if (!agreement.value() || agreement.value()->role != store::ProcessRole::kProvider ||
        agreement.value()->consumer_bpn != partner.claims.bpn) {
      return refuse("agreementId: no agreement " + message.agreement_id + " with you");
    }
    DecisionSubject subject;
    subject.claims = partner.claims;
    const policies::Decision decision =
        deps.decisions.agreement(policies::Scope::kTransfer, *agreement.value(), subject);
    const auto now = deps.now();
    store::TransferProcessRecord record;
    record.id = "urn:uuid:" + randomUuid();
    record.role = store::ProcessRole::kProvider;
    record.provider_pid = record.id;
    record.consumer_pid = message.consumer_pid;
    record.agreement_id = message.agreement_id;
    record.asset_id = agreement.value()->asset_id;
    record.counterparty_bpn = partner.claims.bpn;
    record.counterparty_address = message.callback_address;
    record.protocol = std::string(dspProtocolId(version));
    record.transfer_type = message.format;
    record.state = std::string(transferStateName(TransferState::kRequested));
    record.created_at = now;
    record.updated_at = now;
    if (!deps.processes.createTransfer(record)) {
      return transferError(version, 503, message.consumer_pid, "", "503",
                           "the transfer could not be stored");
    }
    auto stored = deps.processes.transfer(record.id);
    if (!stored || !stored.value()) {
      return transferError(version, 503, message.consumer_pid, "", "503",
                           "the transfer could not be stored");
    }
    HttpResponse created = transferAck(version, 201, *stored.value());
    created.headers.emplace_back("Location",
                                 endpointUrl(version) + "/transfers/" + record.provider_pid);
    if (decision.allowed) {
      start(version, std::move(*stored.value()));
    } else {
      terminateTransfer(version, std::move(*stored.value()), "policy",
                        decision.partner_reason.empty() ? "the agreement does not allow it"
                                                        : decision.partner_reason);
    }
    return created;
  }

  DataAddress dataAddress(const store::TransferProcessRecord& record) const {
    const EdrTokens tokens = issueEdrTokens(deps.tokens, record, deps.now(), settings.edr_lifetime);
    // The registry's EDR leads to the registry API, an aspect's to the data plane.
    const std::string endpoint =
        joinUrl(settings.public_url,
                record.asset_id == kTwinRegistryAssetId ? dtr::kTwinRegistryPath : kDataPlanePath);
    DataAddress address;
    address.endpoint_type = "https://w3id.org/idsa/v4.1/HTTP";
    address.endpoint = endpoint;
    address.properties = {
        {std::string(kEdcNs) + "endpoint", endpoint},
        {std::string(kEdcNs) + "endpointType", "https://w3id.org/idsa/v4.1/HTTP"},
        {std::string(kEdcNs) + "authorization", tokens.access_token},
        {std::string(kEdcNs) + "authType", "bearer"},
        {std::string(kTxAuthNs) + "refreshToken", tokens.refresh_token},
        {std::string(kTxAuthNs) + "refreshEndpoint",
         joinUrl(settings.public_url, kTokenRefreshPath)},
        {std::string(kTxAuthNs) + "refreshAudience", settings.participant_bpn},
        {std::string(kTxAuthNs) + "expiresIn", std::to_string(settings.edr_lifetime.count())},
    };
    return address;
  }

  Result<store::TransferProcessRecord> moveTransfer(store::TransferProcessRecord record,
                                                    TransferState state,
                                                    std::string error_detail = {}) {
    record.state = std::string(transferStateName(state));
    if (!error_detail.empty()) record.error_detail = std::move(error_detail);
    return deps.processes.updateTransfer(record);
  }

  static std::string transferCallback(const store::TransferProcessRecord& record,
                                      std::string_view suffix) {
    return joinUrl(record.counterparty_address, "/transfers/" + record.consumer_pid) +
           std::string(suffix);
  }

  void start(DspVersion version, store::TransferProcessRecord record) {
    auto started = moveTransfer(std::move(record), TransferState::kStarted);
    if (!started) return;
    TransferStartMessage message;
    message.provider_pid = started.value().provider_pid;
    message.consumer_pid = started.value().consumer_pid;
    message.data_address = dataAddress(started.value());
    const std::string id = started.value().id;
    deps.callbacks.send(transferCallback(started.value(), "/start"),
                        codec(version).writeTransferStart(message), {},
                        [this, id](const std::string& reason) { giveUpTransfer(id, reason); });
  }

  void terminateTransfer(DspVersion version, store::TransferProcessRecord record, std::string code,
                         std::string reason) {
    auto terminated = moveTransfer(std::move(record), TransferState::kTerminated, reason);
    if (!terminated) return;
    TransferTerminationMessage message;
    message.provider_pid = terminated.value().provider_pid;
    message.consumer_pid = terminated.value().consumer_pid;
    message.code = std::move(code);
    message.reasons = {std::move(reason)};
    deps.callbacks.send(transferCallback(terminated.value(), "/termination"),
                        codec(version).writeTransferTermination(message), {}, {});
  }

  void giveUpTransfer(const std::string& id, const std::string& reason) {
    for (int attempt = 0; attempt < 3; ++attempt) {
      auto record = deps.processes.transfer(id);
      if (!record || !record.value()) return;
      const auto state = parseTransferState(record.value()->state);
      if (!state || isTerminal(*state)) return;
      if (moveTransfer(std::move(*record.value()), TransferState::kTerminated, reason)) {
        logWarn("transfer terminated: callback undeliverable",
                {{"transfer", id}, {"reason", reason}});
        return;
      }
    }
  }

  HttpResponse transferMessage(DspVersion version, const HttpRequest& request,
                               const AuthenticatedPartner& partner,
                               std::initializer_list<std::string_view> types) {
    const DspCodec& c = codec(version);
    const std::string pid = request.path_params.at("pid");
    auto read = c.read(request.body, types);
    if (!read) return transferError(version, 400, "", pid, "400", describe(read.error()));
    HttpResponse failure;
    auto record = ownTransfer(pid, partner, failure, version);
    if (!record) return orConsumer(version, request, partner, std::move(failure));
    TransferMessage kind = TransferMessage::kTermination;
    std::string message_provider_pid;
    std::string reason;
    std::visit(
        [&](const auto& m) {
          using M = std::decay_t<decltype(m)>;
          if constexpr (std::is_same_v<M, TransferStartMessage>) {
            kind = TransferMessage::kStart;
            message_provider_pid = m.provider_pid;
          } else if constexpr (std::is_same_v<M, TransferSuspensionMessage>) {
            kind = TransferMessage::kSuspension;
            message_provider_pid = m.provider_pid;
            reason = m.reasons.empty() ? m.code : m.reasons.front();
          } else if constexpr (std::is_same_v<M, TransferCompletionMessage>) {
            kind = TransferMessage::kCompletion;
            message_provider_pid = m.provider_pid;
          } else if constexpr (std::is_same_v<M, TransferTerminationMessage>) {
            kind = TransferMessage::kTermination;
            message_provider_pid = m.provider_pid;
            reason = m.reasons.empty() ? m.code : m.reasons.front();
          }
        },
        read.value());
    if (message_provider_pid != pid) {
      return transferError(version, 400, record->consumer_pid, pid, "400",
                           "providerPid: the message names another transfer process");
    }
    for (int attempt = 0; attempt < 3; ++attempt) {
      const auto current = parseTransferState(record->state);
      auto next = nextTransferState(current, kind, Role::kConsumer);
      if (!next) {
        const bool repeated =
            (kind == TransferMessage::kTermination && current == TransferState::kTerminated) ||
            (kind == TransferMessage::kCompletion && current == TransferState::kCompleted);
        if (repeated) return HttpResponse::json(200, "{}");
        return transferError(version, 400, record->consumer_pid, pid, "400", next.error().message);
      }
      if (next.value() == TransferState::kStarted) {
        // A resumed transfer gets a fresh EDR; the old tokens died with the suspension.
        start(version, std::move(*record));
        return HttpResponse::json(200, "{}");
      }
      auto moved = moveTransfer(*record, next.value(), reason);
      if (moved) return HttpResponse::json(200, "{}");
      if (moved.error().code != ErrorCode::kConflict) break;
      record = ownTransfer(pid, partner, failure, version);
      if (!record) return failure;
    }
    return transferError(version, 503, record->consumer_pid, pid, "503",
                         "the transfer could not be updated");
  }

  HttpResponse transferStart(DspVersion v, const HttpRequest& r, const AuthenticatedPartner& p) {
    return transferMessage(v, r, p, {"TransferStartMessage"});
  }
  HttpResponse transferSuspension(DspVersion v, const HttpRequest& r,
                                  const AuthenticatedPartner& p) {
    return transferMessage(v, r, p, {"TransferSuspensionMessage"});
  }
  HttpResponse transferCompletion(DspVersion v, const HttpRequest& r,
                                  const AuthenticatedPartner& p) {
    return transferMessage(v, r, p, {"TransferCompletionMessage"});
  }
  HttpResponse transferTermination(DspVersion v, const HttpRequest& r,
                                   const AuthenticatedPartner& p) {
    return transferMessage(v, r, p, {"TransferTerminationMessage"});
  }

  // --- version ------------------------------------------------------------------------------

  static HttpResponse versions() {
    return jsonResponse(200, R"({"protocolVersions":[{"version":"2025-1","path":")" +
                                 std::string(kDspBasePath) +
                                 R"(/2025-1","binding":"HTTPS"},{"version":"v0.8","path":")" +
                                 std::string(kDspBasePath) + R"(","binding":"HTTPS"}]})");
  }
};

DspProvider::DspProvider(DspProviderSettings settings, Dependencies dependencies)
    : impl_(std::make_unique<Impl>(std::move(settings), std::move(dependencies))) {}

DspProvider::~DspProvider() = default;

void DspProvider::setConsumerFallback(ConsumerFallback fallback) {
  impl_->consumer_fallback = std::move(fallback);
}

void DspProvider::addRoutes(Router& router) {
  Impl& impl = *impl_;
  router.add("GET", "/.well-known/dspace-version",
             Handler([](const HttpRequest&) { return Impl::versions(); }));
  router.add("GET", std::string(kDspBasePath) + "/.well-known/dspace-version",
             Handler([](const HttpRequest&) { return Impl::versions(); }));
  for (DspVersion version : {DspVersion::kV08, DspVersion::k2025_1}) {
    const std::string base = version == DspVersion::kV08 ? std::string(kDspBasePath)
                                                         : std::string(kDspBasePath) + "/2025-1";
    const auto add = [&](const char* method, const std::string& path, Impl::Handle handle,
                         Impl::Area area) {
      router.add(method, base + path, impl.authenticated(version, handle, area));
    };
    using Area = Impl::Area;
    add("POST", "/catalog/request", &Impl::catalogRequest, Area::kCatalog);
    add("GET", "/catalog/datasets/{id}", &Impl::datasetRequest, Area::kCatalog);
    add("POST", "/negotiations/request", &Impl::initialContractRequest, Area::kNegotiation);
    add("GET", "/negotiations/{pid}", &Impl::getNegotiation, Area::kNegotiation);
    add("POST", "/negotiations/{pid}/request", &Impl::negotiationCounterRequest,
        Area::kNegotiation);
    add("POST", "/negotiations/{pid}/events", &Impl::negotiationEvents, Area::kNegotiation);
    add("POST", "/negotiations/{pid}/agreement/verification", &Impl::negotiationVerification,
        Area::kNegotiation);
    add("POST", "/negotiations/{pid}/termination", &Impl::negotiationTermination,
        Area::kNegotiation);
    add("POST", "/transfers/request", &Impl::transferRequest, Area::kTransfer);
    add("GET", "/transfers/{pid}", &Impl::getTransfer, Area::kTransfer);
    add("POST", "/transfers/{pid}/start", &Impl::transferStart, Area::kTransfer);
    add("POST", "/transfers/{pid}/completion", &Impl::transferCompletion, Area::kTransfer);
    add("POST", "/transfers/{pid}/termination", &Impl::transferTermination, Area::kTransfer);
    add("POST", "/transfers/{pid}/suspension", &Impl::transferSuspension, Area::kTransfer);
  }
}

}  // namespace cxgw::gateway::dsp
