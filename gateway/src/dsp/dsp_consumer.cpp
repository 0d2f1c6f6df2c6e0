#include "cxgw/gateway/dsp/dsp_consumer.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include "cxgw/core/base64url.hpp"
#include "cxgw/core/ids.hpp"
#include "cxgw/core/json_text.hpp"
#include "cxgw/core/logging.hpp"
#include "cxgw/core/timestamp.hpp"
#include "cxgw/gateway/http/https_url.hpp"
#include "cxgw/policies/policy_library.hpp"
#include "cxgw/policies/policy_parser.hpp"
#include "cxgw/policies/policy_writer.hpp"

namespace cxgw::gateway::dsp {
namespace {

using SteadyClock = std::chrono::steady_clock;
using TimePoint = std::chrono::system_clock::time_point;
using NegotiationRecord = store::ContractNegotiationRecord;
using TransferRecord = store::TransferProcessRecord;

constexpr std::chrono::milliseconds kStorePoll{50};
constexpr std::string_view kEdcNs = "https://w3id.org/edc/v0.0.1/ns/";
constexpr std::string_view kTxAuthNs = "https://w3id.org/tractusx/auth/";
constexpr std::string_view kDcatNs = "http://www.w3.org/ns/dcat#";
constexpr std::string_view kOdrlNs = "http://www.w3.org/ns/odrl/2/";
constexpr size_t kMaxQuotedBody = 200;

std::string concat(std::string_view a, std::string_view b) {
  std::string out(a);
  out += b;
  return out;
}

// Error::key names the step, so describe() reads "catalog: …".
Error stepError(ErrorCode code, std::string_view step, const std::string& message) {
  return Error{code, message, std::string(step), "", 0};
}

std::string describe(const Error& error) {
  return error.key.empty() ? error.message : error.key + ": " + error.message;
}

std::string trimSlashes(std::string_view url) {
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  return std::string(url);
}

std::string basePath(DspVersion version) {
  return version == DspVersion::kV08 ? std::string(kDspBasePath)
                                     : std::string(kDspBasePath) + "/2025-1";
}

std::string joined(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

std::chrono::microseconds since(SteadyClock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - start);
}

// --- expanded JSON-LD ------------------------------------------------------------------------

std::optional<std::string> scalarText(const rapidjson::Value& entry) {
  if (!entry.IsObject()) return std::nullopt;
  for (const char* key : {"@value", "@id"}) {
    const auto it = entry.FindMember(key);
    if (it != entry.MemberEnd() && it->value.IsString()) {
      return std::string(it->value.GetString(), it->value.GetStringLength());
    }
  }
  return std::nullopt;
}

const rapidjson::Value* propertyValues(const rapidjson::Value& node, std::string_view iri) {
  if (!node.IsObject()) return nullptr;
  const auto it = node.FindMember(rapidjson::Value(
      rapidjson::StringRef(iri.data(), static_cast<rapidjson::SizeType>(iri.size()))));
  if (it == node.MemberEnd() || !it->value.IsArray()) return nullptr;
  return &it->value;
}

std::vector<std::string> texts(const rapidjson::Value& node, std::string_view iri) {
  std::vector<std::string> out;
  if (const auto* values = propertyValues(node, iri)) {
    for (const auto& entry : values->GetArray()) {
      if (auto text = scalarText(entry)) out.push_back(std::move(*text));
    }
  }
  return out;
}

std::vector<const rapidjson::Value*> nodes(const rapidjson::Value& node, std::string_view iri) {
  std::vector<const rapidjson::Value*> out;
  if (const auto* values = propertyValues(node, iri)) {
    for (const auto& entry : values->GetArray()) {
      if (entry.IsObject() && !entry.HasMember("@value")) out.push_back(&entry);
    }
  }
  return out;
}

bool hasType(const rapidjson::Value& node, std::string_view iri) {
  const auto it = node.FindMember("@type");
  if (it == node.MemberEnd() || !it->value.IsArray()) return false;
  return std::any_of(it->value.Begin(), it->value.End(), [&](const rapidjson::Value& type) {
    return type.IsString() && std::string_view(type.GetString(), type.GetStringLength()) == iri;
  });
}

std::string nodeId(const rapidjson::Value& node) {
  const auto it = node.FindMember("@id");
  return it != node.MemberEnd() && it->value.IsString()
             ? std::string(it->value.GetString(), it->value.GetStringLength())
             : std::string();
}

// `node` as an expanded document of its own, for policies::parsePolicy: without the members of
// the DSP namespace (they belong to the protocol, and the policy parser refuses unknown
// members), typed odrl:Offer when it has no type.
std::string standaloneOffer(const rapidjson::Value& node, std::string_view dsp_ns) {
  rapidjson::Document copy;
  copy.CopyFrom(node, copy.GetAllocator());
  std::vector<std::string> foreign;
  for (const auto& member : copy.GetObject()) {
    const std::string_view name(member.name.GetString(), member.name.GetStringLength());
    if (name.substr(0, dsp_ns.size()) == dsp_ns) foreign.emplace_back(name);
  }
  for (const auto& name : foreign) copy.RemoveMember(name.c_str());
  if (!copy.HasMember("@type")) {
    rapidjson::Value types(rapidjson::kArrayType);
    const std::string offer = concat(kOdrlNs, "Offer");
    types.PushBack(rapidjson::Value(offer.c_str(), copy.GetAllocator()), copy.GetAllocator());
    copy.AddMember("@type", types, copy.GetAllocator());
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartArray();
  copy.Accept(writer);
  writer.EndArray();
  return {buffer.GetString(), buffer.GetSize()};
}

// What the provider said in an answer that is not the expected one: the status and the reasons
// of its error body (CatalogError, ContractNegotiationError, TransferError of either version),
// or an excerpt of a body that is none of these.
std::string describeAnswer(const OutboundResponse& response,
                           const schemas::JsonLdExpander& expander) {
  std::string out = "the provider answered HTTP " + std::to_string(response.status);
  std::vector<std::string> reasons;
  if (auto expanded = expander.expand(response.body)) {
    rapidjson::Document document;
    document.Parse(expanded.value().data(), expanded.value().size());
    if (!document.HasParseError() && document.IsArray()) {
      for (const auto& node : document.GetArray()) {
        for (DspVersion version : {DspVersion::k2025_1, DspVersion::kV08}) {
          for (auto& reason : texts(node, concat(dspNamespace(version), "reason"))) {
            reasons.push_back(std::move(reason));
          }
        }
      }
    }
  }
  if (!reasons.empty()) return out + ": " + joined(reasons, "; ");
  if (response.body.empty()) return out;
  return out + ": " + response.body.substr(0, kMaxQuotedBody) +
         (response.body.size() > kMaxQuotedBody ? "…" : "");
}

ErrorCode refusalCode(unsigned status) {
  if (status == 401 || status == 403) return ErrorCode::kPermissionDenied;
  if (status == 404) return ErrorCode::kNotFound;
  if (status >= 500 || status == 408 || status == 429) return ErrorCode::kUnavailable;
  return ErrorCode::kInvalidArgument;
}

// --- catalog -----------------------------------------------------------------------------------

std::string catalogRequestBody(DspVersion version, const std::string& asset_id) {
  const std::string edc(kEdcNs);
  const std::string filter =
      "{\"@type\":" + json::quote(edc + "QuerySpec") + "," + json::quote(edc + "filterExpression") +
      ":[{" + json::quote(edc + "operandLeft") + ":" + json::quote(policies::kAssetIdProperty) +
      "," + json::quote(edc + "operator") + ":\"=\"," + json::quote(edc + "operandRight") + ":" +
      json::quote(asset_id) + "}]}";
  if (version == DspVersion::kV08) {
    return R"({"@context":{"dspace":"https://w3id.org/dspace/v0.8/"},)"
           R"("@type":"dspace:CatalogRequestMessage","dspace:filter":)" +
           filter + "}";
  }
  return R"({"@context":["https://w3id.org/dspace/2025/1/context.jsonld"],)"
         R"("@type":"CatalogRequestMessage","filter":[)" +
         filter + "]}";
}

struct ChosenOffer {
  std::string id;
  std::string expanded_policy;  // standalone expanded document
  policies::Policy policy;
};

Result<ChosenOffer> readCatalog(const std::string& body, const FetchRequest& request,
                                const std::string& our_bpn,
                                const schemas::JsonLdExpander& expander) {
  constexpr std::string_view kStep = "catalog";
  auto expanded = expander.expand(body);
  if (!expanded) {
    return stepError(ErrorCode::kInvalidArgument, kStep,
                     "the provider's catalog cannot be read: " + describe(expanded.error()));
  }
  rapidjson::Document document;
  document.Parse(expanded.value().data(), expanded.value().size());
  const rapidjson::Value* catalog = nullptr;
  if (!document.HasParseError() && document.IsArray()) {
    for (const auto& node : document.GetArray()) {
      if (node.IsObject() && hasType(node, concat(kDcatNs, "Catalog"))) catalog = &node;
    }
  }
  if (catalog == nullptr) {
    return stepError(ErrorCode::kInvalidArgument, kStep,
                     "the provider's answer is no dcat:Catalog");
  }
  const std::string_view dsp_ns = dspNamespace(request.version);
  const auto participants = texts(*catalog, concat(dsp_ns, "participantId"));
  const std::string participant = participants.empty() ? "" : participants.front();
  if (participant != request.provider_bpn) {
    return stepError(ErrorCode::kPermissionDenied, kStep,
                     "the catalog names participant '" + participant +
                         "', not the expected provider " + request.provider_bpn);
  }
  for (const rapidjson::Value* dataset : nodes(*catalog, concat(kDcatNs, "dataset"))) {
    if (nodeId(*dataset) != request.asset_id) continue;
    const auto offers = nodes(*dataset, concat(kOdrlNs, "hasPolicy"));
    if (offers.empty()) {
      return stepError(
          ErrorCode::kNotFound, kStep,
          "the dataset " + request.asset_id + " of " + request.provider_bpn + " carries no offer");
    }
    ChosenOffer chosen;
    chosen.id = nodeId(*offers.front());
    if (chosen.id.empty()) {
      return stepError(ErrorCode::kInvalidArgument, kStep,
                       "the offer of dataset " + request.asset_id + " has no @id");
    }
    chosen.expanded_policy = standaloneOffer(*offers.front(), dsp_ns);
    auto policy = policies::parsePolicy(chosen.expanded_policy, chosen.id);
    if (!policy) {
      return stepError(ErrorCode::kInvalidArgument, kStep,
                       "the offer " + chosen.id + " cannot be read: " + describe(policy.error()));
    }
    const auto invalid = policies::invalidConstraints(policy.value());
    if (!invalid.empty()) {
      return stepError(ErrorCode::kInvalidArgument, kStep,
                       "the offer " + chosen.id + " holds a constraint cxgw does not understand (" +
                           invalid.front().location + ": " + invalid.front().reason + ")");
    }
    chosen.policy = std::move(policy.value());
    return chosen;
  }
  return stepError(
      ErrorCode::kNotFound, kStep,
      request.provider_bpn + " offers no dataset " + request.asset_id + " to " + our_bpn);
}

// --- data address ------------------------------------------------------------------------------

std::optional<std::string> endpointProperty(const DataAddress& address, std::string_view name) {
  for (std::string_view ns : {kEdcNs, kTxAuthNs, std::string_view()}) {
    if (auto value = address.property(concat(ns, name))) return value;
  }
  return std::nullopt;
}

// The "exp" of a JWT, read without verifying it: the provider issued the token and checks it;
// we only need to know when to stop handing it out.
std::optional<TimePoint> jwtExpiry(std::string_view token) {
  constexpr std::string_view kBearer = "Bearer ";
  if (token.substr(0, kBearer.size()) == kBearer) token.remove_prefix(kBearer.size());
  const size_t first = token.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  const size_t second = token.find('.', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  auto payload = base64UrlDecode(token.substr(first + 1, second - first - 1));
  if (!payload) return std::nullopt;
  rapidjson::Document document;
  document.Parse(payload->data(), payload->size());
  if (document.HasParseError() || !document.IsObject()) return std::nullopt;
  const auto exp = document.FindMember("exp");
  if (exp == document.MemberEnd() || !exp->value.IsInt64()) return std::nullopt;
  const int64_t seconds = exp->value.GetInt64();
  // Within the clock's range (nanoseconds since 1970 end in 2262).
  if (seconds < 0 || seconds > 9'000'000'000LL) return std::nullopt;
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::seconds(seconds)));
}

std::optional<TimePoint> accessTokenExpiry(const DataAddress& address, TimePoint received) {
  if (auto token = endpointProperty(address, "authorization")) {
    if (auto expiry = jwtExpiry(*token)) return expiry;
  }
  if (auto expires_in = endpointProperty(address, "expiresIn")) {
    if (!expires_in->empty() && expires_in->size() <= 9 &&
        std::all_of(expires_in->begin(), expires_in->end(),
                    [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; })) {
      return received + std::chrono::seconds(std::stoll(*expires_in));
    }
  }
  return std::nullopt;
}

// The JSON text stored in TransferProcessRecord::data_address_json.
std::string storedAddressJson(const DataAddress& address, TimePoint received) {
  std::string out = "{\"endpointType\":" + json::quote(address.endpoint_type) +
                    ",\"endpoint\":" + json::quote(address.endpoint) + ",\"properties\":[";
  for (size_t i = 0; i < address.properties.size(); ++i) {
    if (i > 0) out += ',';
    out += "{\"name\":" + json::quote(address.properties[i].first) +
           ",\"value\":" + json::quote(address.properties[i].second) + "}";
  }
  out += "],\"receivedAt\":" + json::quote(formatIsoTimestampMicros(received));
  if (auto expiry = accessTokenExpiry(address, received)) {
    out += ",\"expiresAt\":" + json::quote(formatIsoTimestampMicros(*expiry));
  }
  return out + "}";
}

std::optional<EndpointDataReference> readStoredAddress(const std::string& text) {
  rapidjson::Document document;
  document.Parse(text.data(), text.size());
  if (document.HasParseError() || !document.IsObject()) return std::nullopt;
  const auto string = [](const rapidjson::Value& object, const char* name) {
    const auto it = object.FindMember(name);
    return it != object.MemberEnd() && it->value.IsString()
               ? std::string(it->value.GetString(), it->value.GetStringLength())
               : std::string();
  };
  EndpointDataReference edr;
  edr.address.endpoint_type = string(document, "endpointType");
  edr.address.endpoint = string(document, "endpoint");
  const auto properties = document.FindMember("properties");
  if (properties != document.MemberEnd() && properties->value.IsArray()) {
    for (const auto& property : properties->value.GetArray()) {
      if (property.IsObject()) {
        edr.address.properties.emplace_back(string(property, "name"), string(property, "value"));
      }
    }
  }
  edr.expires_at = parseIsoTimestamp(string(document, "expiresAt"));
  edr.endpoint = edr.address.endpoint.empty()
                     ? endpointProperty(edr.address, "endpoint").value_or("")
                     : edr.address.endpoint;
  edr.access_token = endpointProperty(edr.address, "authorization").value_or("");
  edr.refresh_token = endpointProperty(edr.address, "refreshToken").value_or("");
  edr.refresh_endpoint = endpointProperty(edr.address, "refreshEndpoint").value_or("");
  return edr;
}

enum class Callback {
  kAgreement,
  kOffer,
  kNegotiationEvent,
  kNegotiationTermination,
  kTransferStart,
  kTransferCompletion,
  kTransferTermination,
  kTransferSuspension,
};

bool isNegotiationCallback(Callback callback) {
  return callback == Callback::kAgreement || callback == Callback::kOffer ||
         callback == Callback::kNegotiationEvent || callback == Callback::kNegotiationTermination;
}

// The callback a shared route pattern (as HttpRequest::route holds it) stands for.
std::optional<Callback> sharedCallbackOf(std::string_view route) {
  static const std::pair<std::string_view, Callback> kShared[] = {
      {"/negotiations/{pid}/events", Callback::kNegotiationEvent},
      {"/negotiations/{pid}/termination", Callback::kNegotiationTermination},
      {"/transfers/{pid}/start", Callback::kTransferStart},
      {"/transfers/{pid}/completion", Callback::kTransferCompletion},
      {"/transfers/{pid}/termination", Callback::kTransferTermination},
      {"/transfers/{pid}/suspension", Callback::kTransferSuspension},
  };
  for (const auto& [suffix, callback] : kShared) {
    if (route.size() >= suffix.size() && route.substr(route.size() - suffix.size()) == suffix) {
      return callback;
    }
  }
  return std::nullopt;
}

// What a callback handler answers, and what it does once the answer is on its way.
struct Reply {
  HttpResponse response;
  std::function<void()> after;
};

}  // namespace

std::string dspVersionBase(std::string_view url, DspVersion version) {
  std::string root = trimSlashes(url);
  constexpr std::string_view kSuffix = "/2025-1";
  if (root.size() >= kSuffix.size() &&
      root.compare(root.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0) {
    root.resize(root.size() - kSuffix.size());
  }
  return version == DspVersion::kV08 ? root : root + std::string(kSuffix);
}

struct DspConsumer::Impl {
  Impl(DspConsumerSettings s, Dependencies d)
      : settings(std::move(s)),
        deps(std::move(d)),
        v08(DspVersion::kV08, deps.expander),
        v2025(DspVersion::k2025_1, deps.expander) {}

  const DspConsumerSettings settings;
  Dependencies deps;
  const DspCodec v08;
  const DspCodec v2025;

  const DspCodec& codec(DspVersion version) const {
    return version == DspVersion::kV08 ? v08 : v2025;
  }

  // --- waiting for callbacks -------------------------------------------------------------------

  struct Waiter {
    std::condition_variable changed;
    uint64_t generation = 0;
  };
  std::mutex waiters_mutex;
  std::map<std::string, std::shared_ptr<Waiter>> waiters;  // by our process id

  class WaitRegistration {
   public:
    WaitRegistration(Impl& impl, std::string pid)
        : impl_(impl), pid_(std::move(pid)), waiter_(std::make_shared<Waiter>()) {
      std::lock_guard lock(impl_.waiters_mutex);
      impl_.waiters[pid_] = waiter_;
    }
    ~WaitRegistration() {
      std::lock_guard lock(impl_.waiters_mutex);
      impl_.waiters.erase(pid_);
    }
    WaitRegistration(const WaitRegistration&) = delete;
    WaitRegistration& operator=(const WaitRegistration&) = delete;
    Waiter& waiter() { return *waiter_; }

   private:
    Impl& impl_;
    const std::string pid_;
    const std::shared_ptr<Waiter> waiter_;
  };

  void notify(const std::string& pid) {
    std::lock_guard lock(waiters_mutex);
    const auto it = waiters.find(pid);
    if (it == waiters.end()) return;
    ++it->second->generation;
    it->second->changed.notify_all();
  }

  Result<std::optional<NegotiationRecord>> load(const std::string& id, const NegotiationRecord*) {
    return deps.processes.negotiation(id);
  }
  Result<std::optional<TransferRecord>> load(const std::string& id, const TransferRecord*) {
    return deps.processes.transfer(id);
  }
  Result<NegotiationRecord> save(const NegotiationRecord& record) {
    return deps.processes.updateNegotiation(record);
  }
  Result<TransferRecord> save(const TransferRecord& record) {
    return deps.processes.updateTransfer(record);
  }

  // The record `id` once `done` holds for it, reading the store on each wake-up and at least
  // every kStorePoll (the callback may reach another replica). A timeout is kUnavailable with
  // the key "timeout".
  template <typename Record, typename Done>
  Result<Record> awaitRecord(const std::string& id, Waiter& waiter, Done done,
                             std::string_view awaited) {
    const auto deadline = SteadyClock::now() + settings.step_timeout;
    for (;;) {
      uint64_t seen = 0;
      {
        std::lock_guard lock(waiters_mutex);
        seen = waiter.generation;
      }
      auto current = load(id, static_cast<const Record*>(nullptr));
      if (!current) return current.error();
      if (!current.value()) {
        return Error{ErrorCode::kInternal, "the process record " + id + " disappeared", id, "", 0};
      }
      if (done(*current.value())) return std::move(*current.value());
      const auto now = SteadyClock::now();
      if (now >= deadline) {
        return Error{ErrorCode::kUnavailable,
                     "no " + std::string(awaited) + " from the provider within " +
                         std::to_string(settings.step_timeout.count()) + " ms (still " +
                         current.value()->state + ")",
                     "timeout", "", 0};
      }
      std::unique_lock lock(waiters_mutex);
      waiter.changed.wait_for(lock, std::min<SteadyClock::duration>(kStorePoll, deadline - now),
                              [&] { return waiter.generation != seen; });
    }
  }

  // Applies `change` to the record `id` by compare-and-swap, reading it again after a
  // conflict. `change` returns false to leave the record as it is (then: nothing).
  template <typename Record, typename Change>
  Result<std::optional<Record>> changeRecord(const std::string& id, Change change) {
    for (int attempt = 0; attempt < 5; ++attempt) {
      auto current = load(id, static_cast<const Record*>(nullptr));
      if (!current) return current.error();
      if (!current.value()) {
        return Error{ErrorCode::kNotFound, "no process record " + id, id, "", 0};
      }
      Record record = std::move(*current.value());
      if (!change(record)) return std::optional<Record>();
      auto saved = save(record);
      if (saved) {
        notify(id);
        return std::optional<Record>(std::move(saved.value()));
      }
      if (saved.error().code != ErrorCode::kConflict) return saved.error();
    }
    return Error{ErrorCode::kConflict, "the process " + id + " keeps changing", id, "", 0};
  }

  Result<OutboundResponse> post(const std::string& url, std::string body) const {
    OutboundRequest request;
    request.method = "POST";
    request.url = url;
    request.body = std::move(body);
    return deps.client.send(request);
  }

  // --- fetch -------------------------------------------------------------------------------------

  struct Reusable {
    std::optional<store::ContractAgreementRecord> agreement;
    std::optional<TransferRecord> transfer;
    std::optional<EndpointDataReference> edr;
  };

  Result<Reusable> findReusable(const FetchRequest& request) {
    auto agreements =
        deps.processes.agreementsForAsset(store::ProcessRole::kConsumer, request.asset_id);
    if (!agreements) return agreements.error();
    const auto now = deps.now();
    Reusable found;
    for (const auto& agreement : agreements.value()) {
      if (agreement.provider_bpn != request.provider_bpn) continue;
      auto negotiation = deps.processes.negotiation(agreement.negotiation_id);
      if (!negotiation) return negotiation.error();
      if (!negotiation.value() ||
          negotiation.value()->state != negotiationStateName(NegotiationState::kFinalized)) {
        continue;
      }
      if (!found.agreement) found.agreement = agreement;
      auto transfers = deps.processes.transfersForAgreement(agreement.id);
      if (!transfers) return transfers.error();
      for (const auto& transfer : transfers.value()) {
        if (transfer.role != store::ProcessRole::kConsumer ||
            transfer.counterparty_bpn != request.provider_bpn ||
            transfer.state != transferStateName(TransferState::kStarted)) {
          continue;
        }
        auto edr = readStoredAddress(transfer.data_address_json);
        if (!edr || edr->access_token.empty() || !edr->expires_at ||
            *edr->expires_at <= now + kEdrReuseMargin) {
          continue;
        }
        found.agreement = agreement;
        found.transfer = transfer;
        found.edr = std::move(edr);
        return found;
      }
    }
    return found;
  }

  std::string callbackBase(DspVersion version) const {
    return dspVersionBase(settings.callback_base_url, version);
  }

  Result<ChosenOffer> catalog(const FetchRequest& request, const std::string& base) {
    const std::string url = base + "/catalog/request";
    auto answer = post(url, catalogRequestBody(request.version, request.asset_id));
    if (!answer) return stepError(answer.error().code, "catalog", answer.error().message);
    if (answer.value().status != 200) {
      return stepError(refusalCode(answer.value().status), "catalog",
                       describeAnswer(answer.value(), deps.expander));
    }
    return readCatalog(answer.value().body, request, settings.participant_bpn, deps.expander);
  }

  // Our side gives up on a negotiation: TERMINATED with the reason, the provider told so (best
  // effort), and an agreement that never reached FINALIZED retired.
  void abandonNegotiation(DspVersion version, const std::string& id, const std::string& reason) {
    auto changed = changeRecord<NegotiationRecord>(id, [&](NegotiationRecord& record) {
      const auto state = parseNegotiationState(record.state);
      if (state && isTerminal(*state)) return false;
      record.state = std::string(negotiationStateName(NegotiationState::kTerminated));
      record.error_detail = "cxgw terminated it: " + reason;
      return true;
    });
    if (!changed || !changed.value()) return;
    const NegotiationRecord& record = *changed.value();
    if (!record.agreement_id.empty()) {
      (void)deps.processes.retireAgreement(record.agreement_id, "negotiation terminated: " + reason,
                                           deps.now());
    }
    if (record.provider_pid.empty()) return;
    NegotiationTerminationMessage message;
    message.consumer_pid = record.consumer_pid;
    message.provider_pid = record.provider_pid;
    message.code = "consumer";
    message.reasons = {reason};
    auto sent =
        post(record.counterparty_address + "/negotiations/" + record.provider_pid + "/termination",
             codec(version).writeNegotiationTermination(message));
    if (!sent || sent.value().status >= 300) {
      logWarn("the provider was not told of the termination", {{"negotiation", id}});
    }
  }

  void abandonTransfer(DspVersion version, const std::string& id, const std::string& reason) {
    auto changed = changeRecord<TransferRecord>(id, [&](TransferRecord& record) {
      const auto state = parseTransferState(record.state);
      if (state && isTerminal(*state)) return false;
      record.state = std::string(transferStateName(TransferState::kTerminated));
      record.error_detail = "cxgw terminated it: " + reason;
      return true;
    });
    if (!changed || !changed.value() || changed.value()->provider_pid.empty()) return;
    const TransferRecord& record = *changed.value();
    TransferTerminationMessage message;
    message.consumer_pid = record.consumer_pid;
    message.provider_pid = record.provider_pid;
    message.code = "consumer";
    message.reasons = {reason};
    auto sent =
        post(record.counterparty_address + "/transfers/" + record.provider_pid + "/termination",
             codec(version).writeTransferTermination(message));
    if (!sent || sent.value().status >= 300) {
      logWarn("the provider was not told of the termination", {{"transfer", id}});
    }
  }

  // Runs the negotiation to FINALIZED; the agreement it produced.
  Result<store::ContractAgreementRecord> negotiate(const FetchRequest& request,
                                                   const std::string& base,
                                                   const ChosenOffer& offer) {
    constexpr std::string_view kStep = "negotiation";
    const DspCodec& c = codec(request.version);
    const auto created_at = deps.now();
    NegotiationRecord record;
    record.id = "urn:uuid:" + randomUuid();
    record.role = store::ProcessRole::kConsumer;
    record.consumer_pid = record.id;
    record.counterparty_bpn = request.provider_bpn;
    record.counterparty_address = base;
    record.protocol = std::string(dspProtocolId(request.version));
    record.state = std::string(negotiationStateName(NegotiationState::kRequested));
    record.asset_id = request.asset_id;
    record.offer_id = offer.id;
    record.policy_json = offer.expanded_policy;
    record.created_at = created_at;
    record.updated_at = created_at;
    const std::string id = record.id;
    WaitRegistration wait(*this, id);
    if (auto created = deps.processes.createNegotiation(record); !created) {
      return stepError(created.error().code, kStep,
                       "the negotiation could not be stored: " + describe(created.error()));
    }
    const auto fail = [&](ErrorCode code, const std::string& message) {
      abandonNegotiation(request.version, id, message);
      return stepError(code, kStep, message);
    };

    ContractRequestMessage message;
    message.consumer_pid = id;
    message.callback_address = callbackBase(request.version);
    const std::string offer_json = policies::writeOdrlPolicy(
        offer.policy,
        {offer.id,
         "Offer",
         request.asset_id,
         offer.policy.assigner.empty() ? request.provider_bpn : offer.policy.assigner,
         "",
         {}},
        c.odrlStyle());
    auto answer = post(base + "/negotiations/request", c.writeContractRequest(message, offer_json));
    if (!answer) return fail(answer.error().code, answer.error().message);
    if (answer.value().status != 201 && answer.value().status != 200) {
      return fail(refusalCode(answer.value().status),
                  describeAnswer(answer.value(), deps.expander));
    }
    auto ack = c.read(answer.value().body, {"ContractNegotiation"});
    if (!ack) {
      return fail(ErrorCode::kInvalidArgument,
                  "the provider's answer cannot be read: " + describe(ack.error()));
    }
    const std::string provider_pid = std::get<ProcessAck>(ack.value()).provider_pid;
    // The agreement may have arrived (and filled the providerPid in) before this answer.
    auto filled = changeRecord<NegotiationRecord>(id, [&](NegotiationRecord& stored) {
      if (!stored.provider_pid.empty()) return false;
      stored.provider_pid = provider_pid;
      return true;
    });
    if (!filled) return fail(filled.error().code, describe(filled.error()));

    auto agreed = awaitRecord<NegotiationRecord>(
        id, wait.waiter(),
        [](const NegotiationRecord& r) {
          return r.state != negotiationStateName(NegotiationState::kRequested);
        },
        "agreement");
    if (!agreed) return fail(agreed.error().code, agreed.error().message);
    if (agreed.value().provider_pid != provider_pid) {
      return fail(ErrorCode::kInvalidArgument, "the provider answered with providerPid " +
                                                   provider_pid + " but sent its messages for " +
                                                   agreed.value().provider_pid);
    }
    if (agreed.value().state == negotiationStateName(NegotiationState::kTerminated)) {
      return stepError(ErrorCode::kPermissionDenied, kStep, agreed.value().error_detail);
    }
    // VERIFIED before the message leaves: the provider answers it with FINALIZED at once, which
    // only follows VERIFIED.
    auto verified = changeRecord<NegotiationRecord>(id, [](NegotiationRecord& stored) {
      if (stored.state != negotiationStateName(NegotiationState::kAgreed)) return false;
      stored.state = std::string(negotiationStateName(NegotiationState::kVerified));
      return true;
    });
    if (!verified) return fail(verified.error().code, describe(verified.error()));
    if (!verified.value()) {
      auto now_stored = deps.processes.negotiation(id);
      if (now_stored && now_stored.value() &&
          now_stored.value()->state == negotiationStateName(NegotiationState::kTerminated)) {
        return stepError(ErrorCode::kPermissionDenied, kStep, now_stored.value()->error_detail);
      }
      return fail(ErrorCode::kInvalidArgument,
                  "the negotiation is " + agreed.value().state + ", not AGREED");
    }
    AgreementVerificationMessage verification;
    verification.consumer_pid = id;
    verification.provider_pid = provider_pid;
    auto verify_answer = post(base + "/negotiations/" + provider_pid + "/agreement/verification",
                              c.writeAgreementVerification(verification));
    if (!verify_answer) return fail(verify_answer.error().code, verify_answer.error().message);
    if (verify_answer.value().status >= 300) {
      return fail(
          refusalCode(verify_answer.value().status),
          "the verification was refused: " + describeAnswer(verify_answer.value(), deps.expander));
    }
    auto finalized = awaitRecord<NegotiationRecord>(
        id, wait.waiter(),
        [](const NegotiationRecord& r) {
          return r.state == negotiationStateName(NegotiationState::kFinalized) ||
                 r.state == negotiationStateName(NegotiationState::kTerminated);
        },
        "FINALIZED event");
    if (!finalized) return fail(finalized.error().code, finalized.error().message);
    if (finalized.value().state == negotiationStateName(NegotiationState::kTerminated)) {
      if (!finalized.value().agreement_id.empty()) {
        (void)deps.processes.retireAgreement(finalized.value().agreement_id,
                                             "negotiation terminated", deps.now());
      }
      return stepError(ErrorCode::kPermissionDenied, kStep, finalized.value().error_detail);
    }
    auto agreement = deps.processes.agreement(finalized.value().agreement_id);
    if (!agreement) return stepError(agreement.error().code, kStep, describe(agreement.error()));
    if (!agreement.value()) {
      return stepError(ErrorCode::kInternal, kStep,
                       "the agreement " + finalized.value().agreement_id + " is not stored");
    }
    return std::move(*agreement.value());
  }

  // Runs a transfer under `agreement` to STARTED; its record, with the data address.
  Result<TransferRecord> transfer(const FetchRequest& request, const std::string& base,
                                  const store::ContractAgreementRecord& agreement) {
    constexpr std::string_view kStep = "transfer";
    const DspCodec& c = codec(request.version);
    const auto created_at = deps.now();
    TransferRecord record;
    record.id = "urn:uuid:" + randomUuid();
    record.role = store::ProcessRole::kConsumer;
    record.consumer_pid = record.id;
    record.agreement_id = agreement.id;
    record.asset_id = agreement.asset_id;
    record.counterparty_bpn = request.provider_bpn;
    record.counterparty_address = base;
    record.protocol = std::string(dspProtocolId(request.version));
    record.transfer_type = std::string(kHttpDataPull);
    record.state = std::string(transferStateName(TransferState::kRequested));
    record.created_at = created_at;
    record.updated_at = created_at;
    const std::string id = record.id;
    WaitRegistration wait(*this, id);
    if (auto created = deps.processes.createTransfer(record); !created) {
      return stepError(created.error().code, kStep,
                       "the transfer could not be stored: " + describe(created.error()));
    }
    const auto fail = [&](ErrorCode code, const std::string& message) {
      abandonTransfer(request.version, id, message);
      return stepError(code, kStep, message);
    };
    TransferRequestMessage message;
    message.consumer_pid = id;
    message.agreement_id = agreement.id;
    message.format = std::string(kHttpDataPull);
    message.callback_address = callbackBase(request.version);
    auto answer = post(base + "/transfers/request", c.writeTransferRequest(message));
    if (!answer) return fail(answer.error().code, answer.error().message);
    if (answer.value().status != 201 && answer.value().status != 200) {
      return fail(refusalCode(answer.value().status),
                  describeAnswer(answer.value(), deps.expander));
    }
    auto ack = c.read(answer.value().body, {"TransferProcess"});
    if (!ack) {
      return fail(ErrorCode::kInvalidArgument,
                  "the provider's answer cannot be read: " + describe(ack.error()));
    }
    const std::string provider_pid = std::get<ProcessAck>(ack.value()).provider_pid;
    auto filled = changeRecord<TransferRecord>(id, [&](TransferRecord& stored) {
      if (!stored.provider_pid.empty()) return false;
      stored.provider_pid = provider_pid;
      return true;
    });
    if (!filled) return fail(filled.error().code, describe(filled.error()));
    auto started = awaitRecord<TransferRecord>(
        id, wait.waiter(),
        [](const TransferRecord& r) {
          return r.state != transferStateName(TransferState::kRequested);
        },
        "TransferStartMessage");
    if (!started) return fail(started.error().code, started.error().message);
    if (started.value().provider_pid != provider_pid) {
      return fail(ErrorCode::kInvalidArgument, "the provider answered with providerPid " +
                                                   provider_pid + " but sent its messages for " +
                                                   started.value().provider_pid);
    }
    if (started.value().state == transferStateName(TransferState::kTerminated)) {
      return stepError(ErrorCode::kPermissionDenied, kStep, started.value().error_detail);
    }
    if (started.value().state != transferStateName(TransferState::kStarted)) {
      return fail(ErrorCode::kInvalidArgument,
                  "the transfer is " + started.value().state + ", not STARTED");
    }
    return std::move(started.value());
  }

  Result<FetchOutcome> fetch(const FetchRequest& request) {
    if (!isHttpsUrl(request.provider_dsp_url)) {
      return stepError(
          ErrorCode::kInvalidArgument, "request",
          "provider_dsp_url must be an https URL, not '" + request.provider_dsp_url + "'");
    }
    if (request.asset_id.empty()) {
      return stepError(ErrorCode::kInvalidArgument, "request", "asset_id is empty");
    }
    if (request.provider_bpn.empty()) {
      return stepError(ErrorCode::kInvalidArgument, "request", "provider_bpn is empty");
    }
    const std::string base = trimSlashes(request.provider_dsp_url);
    FetchOutcome outcome;
    auto reusable = findReusable(request);
    if (!reusable) {
      return stepError(reusable.error().code, "store",
                       "the agreements held cannot be read: " + describe(reusable.error()));
    }
    std::optional<store::ContractAgreementRecord> agreement = reusable.value().agreement;
    if (agreement) {
      outcome.reused_agreement = true;
      outcome.agreement_id = agreement->id;
      outcome.negotiation_pid = agreement->negotiation_id;
    }
    if (reusable.value().transfer) {
      const TransferRecord& transfer = *reusable.value().transfer;
      outcome.reused_transfer = true;
      outcome.transfer_pid = transfer.id;
      outcome.transfer_provider_pid = transfer.provider_pid;
      outcome.edr = std::move(*reusable.value().edr);
      return outcome;
    }
    if (!agreement) {
      auto start = SteadyClock::now();
      auto offer = catalog(request, base);
      outcome.latencies.catalog = since(start);
      if (!offer) return offer.error();
      start = SteadyClock::now();
      auto negotiated = negotiate(request, base, offer.value());
      outcome.latencies.negotiation = since(start);
      if (!negotiated) return negotiated.error();
      agreement = std::move(negotiated.value());
      outcome.agreement_id = agreement->id;
      outcome.negotiation_pid = agreement->negotiation_id;
    }
    const auto start = SteadyClock::now();
    auto transferred = transfer(request, base, *agreement);
    outcome.latencies.transfer = since(start);
    if (!transferred) return transferred.error();
    auto edr = readStoredAddress(transferred.value().data_address_json);
    if (!edr) {
      return stepError(ErrorCode::kInternal, "transfer", "the stored data address cannot be read");
    }
    outcome.transfer_pid = transferred.value().id;
    outcome.transfer_provider_pid = transferred.value().provider_pid;
    outcome.edr = std::move(*edr);
    return outcome;
  }

  // --- callbacks -----------------------------------------------------------------------------

  HttpResponse negotiationError(DspVersion version, unsigned status, std::string consumer_pid,
                                std::string provider_pid, std::string reason) const {
    ProcessMessage error;
    error.consumer_pid = std::move(consumer_pid);
    error.provider_pid = std::move(provider_pid);
    error.code = std::to_string(status);
    error.reasons = {std::move(reason)};
    return HttpResponse::json(status, codec(version).writeNegotiationError(error));
  }

  HttpResponse transferError(DspVersion version, unsigned status, std::string consumer_pid,
                             std::string provider_pid, std::string reason) const {
    ProcessMessage error;
    error.consumer_pid = std::move(consumer_pid);
    error.provider_pid = std::move(provider_pid);
    error.code = std::to_string(status);
    error.reasons = {std::move(reason)};
    return HttpResponse::json(status, codec(version).writeTransferError(error));
  }

  HttpResponse notFound(DspVersion version, Callback callback, const std::string& pid) const {
    return isNegotiationCallback(callback)
               ? negotiationError(version, 404, pid, "", "no contract negotiation " + pid)
               : transferError(version, 404, pid, "", "no transfer process " + pid);
  }

  static Reply respondWith(HttpResponse response) { return Reply{std::move(response), {}}; }
  static Reply accepted() { return respondWith(HttpResponse::json(200, "{}")); }

  static std::string terminationReason(const ProcessMessage& message) {
    std::string reason =
        message.reasons.empty() ? "no reason given" : joined(message.reasons, "; ");
    if (!message.code.empty()) reason += " (code " + message.code + ")";
    return reason;
  }

  // Why cxgw does not accept `message` for the negotiation `record`; nothing when it does.
  static std::optional<std::string> agreementRefusal(const NegotiationRecord& record,
                                                     const ContractAgreementMessage& message) {
    if (message.target != record.asset_id) {
      return "its target " + message.target + " is not the requested asset " + record.asset_id;
    }
    auto agreed = policies::parsePolicy(message.expanded_policy, message.agreement_id);
    if (!agreed) return "its policy cannot be read: " + describe(agreed.error());
    auto offered = policies::parsePolicy(record.policy_json, record.offer_id);
    if (!offered) return "the requested offer cannot be read: " + describe(offered.error());
    if (policies::canonicalPolicyText(agreed.value()) !=
        policies::canonicalPolicyText(offered.value())) {
      return "its policy is not the requested offer " + record.offer_id;
    }
    return std::nullopt;
  }

  // Stores the agreement of `message` once: a repeated message finds it stored for the same
  // negotiation. Empty on success, the failure's answer otherwise.
  std::optional<HttpResponse> storeAgreement(DspVersion version, const NegotiationRecord& record,
                                             const ContractAgreementMessage& message) {
    store::ContractAgreementRecord agreement;
    agreement.id = message.agreement_id;
    agreement.negotiation_id = record.id;
    agreement.role = store::ProcessRole::kConsumer;
    agreement.asset_id = record.asset_id;
    agreement.provider_bpn = record.counterparty_bpn;
    agreement.consumer_bpn = settings.participant_bpn;
    agreement.policy_json = message.expanded_policy;
    agreement.signed_at = parseIsoTimestamp(message.timestamp).value_or(deps.now());
    auto created = deps.processes.createAgreement(agreement);
    if (created) return std::nullopt;
    if (created.error().code == ErrorCode::kConflict) {
      auto existing = deps.processes.agreement(agreement.id);
      if (existing && existing.value() && existing.value()->negotiation_id == record.id &&
          existing.value()->role == store::ProcessRole::kConsumer) {
        return std::nullopt;
      }
      return negotiationError(version, 400, record.id, message.provider_pid,
                              "agreement.@id: " + agreement.id + " is already in use");
    }
    return negotiationError(version, 503, record.id, message.provider_pid,
                            "the agreement could not be stored");
  }

  std::optional<Reply> negotiationCallback(Callback callback, DspVersion version,
                                           const HttpRequest& request,
                                           const AuthenticatedPartner& partner) {
    const DspCodec& c = codec(version);
    const std::string pid = request.path_params.at("pid");
    auto stored = deps.processes.negotiation(pid);
    if (!stored)
      return respondWith(negotiationError(version, 503, pid, "", "the store is unavailable"));
    if (!stored.value() || stored.value()->role != store::ProcessRole::kConsumer) {
      return std::nullopt;
    }
    NegotiationRecord record = std::move(*stored.value());
    if (record.counterparty_bpn != partner.claims.bpn)
      return respondWith(notFound(version, callback, pid));
    if (callback == Callback::kOffer) {
      return respondWith(negotiationError(
          version, 400, pid, record.provider_pid,
          "cxgw does not negotiate counter-offers: agree to the requested offer or terminate"));
    }
    Result<InboundMessage> read = Error{};
    switch (callback) {
      case Callback::kAgreement:
        read = c.read(request.body, {"ContractAgreementMessage"});
        break;
      case Callback::kNegotiationEvent:
        read = c.read(request.body, {"ContractNegotiationEventMessage"});
        break;
      default:
        read = c.read(request.body, {"ContractNegotiationTerminationMessage"});
        break;
    }
    if (!read) return respondWith(negotiationError(version, 400, pid, "", describe(read.error())));
    NegotiationMessage kind = NegotiationMessage::kTermination;
    std::string consumer_pid;
    std::string provider_pid;
    const ContractAgreementMessage* agreement = nullptr;
    std::string reason;
    std::visit(
        [&](const auto& m) {
          using M = std::decay_t<decltype(m)>;
          if constexpr (std::is_same_v<M, ContractAgreementMessage>) {
            kind = NegotiationMessage::kContractAgreement;
            agreement = &m;
          } else if constexpr (std::is_same_v<M, NegotiationEventMessage>) {
            kind = m.event;
          } else if constexpr (std::is_same_v<M, NegotiationTerminationMessage>) {
            kind = NegotiationMessage::kTermination;
            reason = terminationReason(m);
          }
          if constexpr (requires { m.provider_pid; }) {
            consumer_pid = m.consumer_pid;
            provider_pid = m.provider_pid;
          }
        },
        read.value());
    if (consumer_pid != pid) {
      return respondWith(negotiationError(version, 400, pid, provider_pid,
                                          "consumerPid: the message names another negotiation"));
    }
    for (int attempt = 0; attempt < 5; ++attempt) {
      if (!record.provider_pid.empty() && record.provider_pid != provider_pid) {
        return respondWith(negotiationError(
            version, 400, pid, provider_pid,
            "providerPid: the negotiation has providerPid " + record.provider_pid));
      }
      const auto current = parseNegotiationState(record.state);
      const bool repeated =
          (kind == NegotiationMessage::kContractAgreement && agreement != nullptr &&
           record.agreement_id == agreement->agreement_id &&
           (current == NegotiationState::kAgreed || current == NegotiationState::kVerified ||
            current == NegotiationState::kFinalized)) ||
          (kind == NegotiationMessage::kFinalized && current == NegotiationState::kFinalized) ||
          (kind == NegotiationMessage::kTermination && current == NegotiationState::kTerminated);
      if (repeated) return accepted();
      auto next = nextNegotiationState(current, kind, Role::kProvider);
      if (!next) {
        return respondWith(negotiationError(version, 400, pid, provider_pid, next.error().message));
      }
      NegotiationRecord updated = record;
      updated.provider_pid = provider_pid;
      updated.state = std::string(negotiationStateName(next.value()));
      std::optional<std::string> refusal;
      if (agreement != nullptr) {
        refusal = agreementRefusal(record, *agreement);
        if (refusal) {
          updated.state = std::string(negotiationStateName(NegotiationState::kTerminated));
          updated.error_detail = "cxgw refused the agreement: " + *refusal;
        } else {
          if (auto failure = storeAgreement(version, record, *agreement))
            return respondWith(*failure);
          updated.agreement_id = agreement->agreement_id;
        }
      } else if (kind == NegotiationMessage::kTermination) {
        updated.error_detail = "the provider terminated it: " + reason;
      }
      auto saved = deps.processes.updateNegotiation(updated);
      if (saved) {
        notify(pid);
        if (kind == NegotiationMessage::kTermination && !saved.value().agreement_id.empty()) {
          (void)deps.processes.retireAgreement(saved.value().agreement_id,
                                               "negotiation terminated: " + reason, deps.now());
        }
        if (refusal) return refuseAgreement(version, saved.value(), *refusal);
        return accepted();
      }
      if (saved.error().code != ErrorCode::kConflict) break;
      auto again = deps.processes.negotiation(pid);
      if (!again || !again.value()) break;
      record = std::move(*again.value());
    }
    return respondWith(
        negotiationError(version, 503, pid, provider_pid, "the negotiation could not be updated"));
  }

  // Answers an agreement cxgw does not accept with 400, then tells the provider that the
  // negotiation is terminated.
  Reply refuseAgreement(DspVersion version, const NegotiationRecord& record,
                        const std::string& refusal) {
    logWarn("agreement refused", {{"negotiation", record.id}, {"reason", refusal}});
    Reply reply = respondWith(negotiationError(
        version, 400, record.consumer_pid, record.provider_pid, "agreement refused: " + refusal));
    NegotiationTerminationMessage message;
    message.consumer_pid = record.consumer_pid;
    message.provider_pid = record.provider_pid;
    message.code = "agreement-refused";
    message.reasons = {refusal};
    reply.after = [this,
                   url = record.counterparty_address + "/negotiations/" + record.provider_pid +
                         "/termination",
                   body = codec(version).writeNegotiationTermination(message)]() {
      (void)post(url, body);
    };
    return reply;
  }

  std::optional<Reply> transferCallback(Callback callback, DspVersion version,
                                        const HttpRequest& request,
                                        const AuthenticatedPartner& partner) {
    const DspCodec& c = codec(version);
    const std::string pid = request.path_params.at("pid");
    auto stored = deps.processes.transfer(pid);
    if (!stored)
      return respondWith(transferError(version, 503, pid, "", "the store is unavailable"));
    if (!stored.value() || stored.value()->role != store::ProcessRole::kConsumer) {
      return std::nullopt;
    }
    TransferRecord record = std::move(*stored.value());
    if (record.counterparty_bpn != partner.claims.bpn)
      return respondWith(notFound(version, callback, pid));
    Result<InboundMessage> read = Error{};
    switch (callback) {
      case Callback::kTransferStart:
        read = c.read(request.body, {"TransferStartMessage"});
        break;
      case Callback::kTransferCompletion:
        read = c.read(request.body, {"TransferCompletionMessage"});
        break;
      case Callback::kTransferSuspension:
        read = c.read(request.body, {"TransferSuspensionMessage"});
        break;
      default:
        read = c.read(request.body, {"TransferTerminationMessage"});
        break;
    }
    if (!read) return respondWith(transferError(version, 400, pid, "", describe(read.error())));
    TransferMessage kind = TransferMessage::kTermination;
    std::string consumer_pid;
    std::string provider_pid;
    std::optional<DataAddress> address;
    std::string reason;
    std::visit(
        [&](const auto& m) {
          using M = std::decay_t<decltype(m)>;
          if constexpr (std::is_same_v<M, TransferStartMessage>) {
            kind = TransferMessage::kStart;
            address = m.data_address;
          } else if constexpr (std::is_same_v<M, TransferCompletionMessage>) {
            kind = TransferMessage::kCompletion;
          } else if constexpr (std::is_same_v<M, TransferSuspensionMessage>) {
            kind = TransferMessage::kSuspension;
            reason = terminationReason(m);
          } else if constexpr (std::is_same_v<M, TransferTerminationMessage>) {
            kind = TransferMessage::kTermination;
            reason = terminationReason(m);
          }
          if constexpr (requires { m.provider_pid; }) {
            consumer_pid = m.consumer_pid;
            provider_pid = m.provider_pid;
          }
        },
        read.value());
    if (consumer_pid != pid) {
      return respondWith(transferError(version, 400, pid, provider_pid,
                                       "consumerPid: the message names another transfer process"));
    }
    for (int attempt = 0; attempt < 5; ++attempt) {
      if (!record.provider_pid.empty() && record.provider_pid != provider_pid) {
        return respondWith(
            transferError(version, 400, pid, provider_pid,
                          "providerPid: the transfer has providerPid " + record.provider_pid));
      }
      const auto current = parseTransferState(record.state);
      const bool repeated =
          (kind == TransferMessage::kStart && current == TransferState::kStarted) ||
          (kind == TransferMessage::kCompletion && current == TransferState::kCompleted) ||
          (kind == TransferMessage::kSuspension && current == TransferState::kSuspended) ||
          (kind == TransferMessage::kTermination && current == TransferState::kTerminated);
      if (repeated) return accepted();
      auto next = nextTransferState(current, kind, Role::kProvider);
      if (!next) {
        return respondWith(transferError(version, 400, pid, provider_pid, next.error().message));
      }
      TransferRecord updated = record;
      updated.provider_pid = provider_pid;
      updated.state = std::string(transferStateName(next.value()));
      if (kind == TransferMessage::kStart) {
        if (!address || address->endpoint.empty()) {
          return respondWith(transferError(
              version, 400, pid, provider_pid,
              "dataAddress: the start of an HttpData-PULL transfer carries its endpoint"));
        }
        updated.data_address_json = storedAddressJson(*address, deps.now());
      } else if (kind == TransferMessage::kTermination) {
        updated.error_detail = "the provider terminated it: " + reason;
      } else if (kind == TransferMessage::kSuspension) {
        updated.error_detail = "the provider suspended it: " + reason;
      }
      auto saved = deps.processes.updateTransfer(updated);
      if (saved) {
        notify(pid);
        return accepted();
      }
      if (saved.error().code != ErrorCode::kConflict) break;
      auto again = deps.processes.transfer(pid);
      if (!again || !again.value()) break;
      record = std::move(*again.value());
    }
    return respondWith(
        transferError(version, 503, pid, provider_pid, "the transfer could not be updated"));
  }

  std::optional<Reply> handle(Callback callback, DspVersion version, const HttpRequest& request,
                              const AuthenticatedPartner& partner) {
    if (!request.path_params.count("pid")) return std::nullopt;
    return isNegotiationCallback(callback)
               ? negotiationCallback(callback, version, request, partner)
               : transferCallback(callback, version, request, partner);
  }

  AsyncHandler route(DspVersion version, Callback callback) {
    return [this, version, callback](HttpRequest& request, Responder respond) {
      auto job = [this, version, callback, request = request, respond]() {
        auto partner = deps.authenticator.authenticate(request);
        if (!partner) {
          logWarn("partner not authenticated",
                  {{"reason", partner.error().message}, {"route", request.route}});
          respond(isNegotiationCallback(callback)
                      ? negotiationError(version, 401, "", "", "unauthorized")
                      : transferError(version, 401, "", "", "unauthorized"));
          return;
        }
        auto reply = handle(callback, version, request, partner.value());
        if (!reply) {
          const auto pid = request.path_params.find("pid");
          respond(notFound(version, callback,
                           pid == request.path_params.end() ? std::string() : pid->second));
          return;
        }
        respond(std::move(reply->response));
        if (reply->after) reply->after();
      };
      if (!deps.workers.tryPost(std::move(job))) {
        respond(HttpResponse::error(503, "overloaded", "the gateway is busy; retry later"));
      }
    };
  }
};

DspConsumer::DspConsumer(DspConsumerSettings settings, Dependencies dependencies)
    : impl_(std::make_unique<Impl>(std::move(settings), std::move(dependencies))) {}

DspConsumer::~DspConsumer() = default;

Result<FetchOutcome> DspConsumer::fetch(const FetchRequest& request) {
  return impl_->fetch(request);
}

Result<std::string> DspConsumer::pull(const EndpointDataReference& edr,
                                      std::string_view path) const {
  OutboundRequest request;
  request.method = "GET";
  request.url = joinUrl(edr.endpoint, path);
  request.headers.emplace_back("Authorization", edr.access_token);
  auto answer = impl_->deps.client.send(request);
  if (!answer) return stepError(answer.error().code, "data", answer.error().message);
  if (answer.value().status != 200) {
    return stepError(refusalCode(answer.value().status), "data",
                     describeAnswer(answer.value(), impl_->deps.expander));
  }
  return std::move(answer.value().body);
}

Status DspConsumer::follow(const EndpointDataReference& edr, std::string_view path,
                           const std::string& last_event_id, std::chrono::milliseconds max_silence,
                           const std::function<bool(const ServerSentEvent&)>& on_event) const {
  OutboundRequest request;
  request.method = "GET";
  request.url = joinUrl(edr.endpoint, path);
  request.headers = {{"Authorization", edr.access_token}, {"Accept", "text/event-stream"}};
  if (!last_event_id.empty()) request.headers.emplace_back("Last-Event-ID", last_event_id);
  request.max_silence = max_silence;
  ServerSentEventReader reader;
  std::string refusal;  // the body of a refusal, read whole instead of parsed as events
  request.on_body = [&](unsigned status, std::string_view piece) {
    if (status != 200) {
      refusal += piece;
      return refusal.size() < 65536;
    }
    for (const ServerSentEvent& event : reader.feed(piece)) {
      if (!on_event(event)) return false;
    }
    return true;
  };
  auto answer = impl_->deps.client.send(request);
  if (!answer) return stepError(answer.error().code, "data", answer.error().message);
  if (answer.value().status != 200) {
    answer.value().body = std::move(refusal);
    return stepError(refusalCode(answer.value().status), "data",
                     describeAnswer(answer.value(), impl_->deps.expander));
  }
  return {};
}

void DspConsumer::addRoutes(Router& router, DspVersion version) {
  const std::string base = basePath(version);
  router.add("POST", base + "/negotiations/{pid}/agreement",
             impl_->route(version, Callback::kAgreement));
  router.add("POST", base + "/negotiations/{pid}/offers", impl_->route(version, Callback::kOffer));
}

void DspConsumer::addSharedRoutes(Router& router, DspVersion version) {
  const std::string base = basePath(version);
  router.add("POST", base + "/negotiations/{pid}/events",
             impl_->route(version, Callback::kNegotiationEvent));
  router.add("POST", base + "/negotiations/{pid}/termination",
             impl_->route(version, Callback::kNegotiationTermination));
  router.add("POST", base + "/transfers/{pid}/start",
             impl_->route(version, Callback::kTransferStart));
  router.add("POST", base + "/transfers/{pid}/completion",
             impl_->route(version, Callback::kTransferCompletion));
  router.add("POST", base + "/transfers/{pid}/termination",
             impl_->route(version, Callback::kTransferTermination));
  router.add("POST", base + "/transfers/{pid}/suspension",
             impl_->route(version, Callback::kTransferSuspension));
}

void DspConsumer::attachTo(DspProvider& provider) {
  provider.setConsumerFallback(
      [this](DspVersion version, const HttpRequest& request, const AuthenticatedPartner& partner) {
        return handleSharedCallback(version, request, partner);
      });
}

std::optional<HttpResponse> DspConsumer::handleSharedCallback(DspVersion version,
                                                              const HttpRequest& request,
                                                              const AuthenticatedPartner& partner) {
  const auto callback = sharedCallbackOf(request.route);
  if (!callback) return std::nullopt;
  auto reply = impl_->handle(*callback, version, request, partner);
  if (!reply) return std::nullopt;
  if (reply->after) reply->after();
  return std::move(reply->response);
}

}  // namespace cxgw::gateway::dsp
