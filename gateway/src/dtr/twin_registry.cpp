#include "cxgw/gateway/dtr/twin_registry.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <utility>

#include "cxgw/core/base64url.hpp"
#include "cxgw/core/ids.hpp"
#include "cxgw/core/timestamp.hpp"
#include "cxgw/gateway/dataplane/data_plane.hpp"
#include "cxgw/gateway/dsp/dsp_provider.hpp"
#include "cxgw/gateway/dsp/offered_assets.hpp"
#include "cxgw/gateway/http/https_url.hpp"

namespace cxgw::gateway::dtr {

namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr size_t kDefaultLimit = 100;
constexpr size_t kMaxLimit = 1000;
// The namespace of submodel descriptor ids (a fixed random UUID; changing it changes every id).
constexpr std::string_view kSubmodelIdNamespace = "0c5d3a8e-7f41-4b26-9e53-d1a2b7c4e690";
constexpr std::string_view kDigitalTwinType = "digitalTwinType";

// An identifier from a path or query: base64url, with the padding many clients add tolerated.
std::optional<std::string> decodeIdentifier(std::string_view text) {
  if (text.size() % 4 == 0) {
    for (int i = 0; i < 2 && !text.empty() && text.back() == '='; ++i) text.remove_suffix(1);
  }
  return base64UrlDecode(text);
}

void writeString(JsonWriter& w, std::string_view text) {
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

void writeGlobalReference(JsonWriter& w, std::string_view value) {
  w.StartObject();
  w.Key("type");
  w.String("ExternalReference");
  w.Key("keys");
  w.StartArray();
  w.StartObject();
  w.Key("type");
  w.String("GlobalReference");
  w.Key("value");
  writeString(w, value);
  w.EndObject();
  w.EndArray();
  w.EndObject();
}

// A request the registry refuses itself: 400, 404, 503.
struct Failure {
  unsigned status;
  std::string text;
};

const Failure kStoreDown{503, "the store is unavailable; retry later"};

struct PageRequest {
  size_t limit = kDefaultLimit;
  std::string after;  // decoded cursor
};

std::optional<Failure> readPage(const HttpRequest& request, PageRequest& page) {
  if (auto limit = request.queryParam("limit")) {
    size_t value = 0;
    const auto [end, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), value);
    if (ec != std::errc() || end != limit->data() + limit->size() || value < 1 ||
        value > kMaxLimit) {
      return Failure{400, "limit: must be a whole number from 1 to " + std::to_string(kMaxLimit)};
    }
    page.limit = value;
  }
  if (auto cursor = request.queryParam("cursor")) {
    auto decoded = base64UrlDecode(*cursor);
    if (!decoded || decoded->empty()) {
      return Failure{400, "cursor: not a cursor this registry handed out"};
    }
    page.after = std::move(*decoded);
  }
  return std::nullopt;
}

void writePagingMetadata(JsonWriter& w, const std::optional<std::string>& next_after) {
  w.Key("paging_metadata");
  w.StartObject();
  if (next_after) {
    w.Key("cursor");
    writeString(w, base64UrlEncode(*next_after));
  }
  w.EndObject();
}

// A specific asset id from a lookup: {"name": "...", "value": "..."} (other members ignored).
std::optional<store::SpecificAssetId> readAssetId(const rapidjson::Value& value) {
  if (!value.IsObject()) return std::nullopt;
  const auto name = value.FindMember("name");
  const auto text = value.FindMember("value");
  if (name == value.MemberEnd() || text == value.MemberEnd() || !name->value.IsString() ||
      !text->value.IsString() || name->value.GetStringLength() == 0) {
    return std::nullopt;
  }
  return store::SpecificAssetId{
      std::string(name->value.GetString(), name->value.GetStringLength()),
      std::string(text->value.GetString(), text->value.GetStringLength())};
}

}  // namespace

std::string submodelDescriptorId(std::string_view global_asset_id, std::string_view aspect_urn) {
  std::string name(global_asset_id);
  name += '\n';
  name += aspect_urn;
  return "urn:uuid:" + nameBasedUuid(kSubmodelIdNamespace, name);
}

struct TwinRegistry::Impl {
  Impl(TwinRegistrySettings s, const std::vector<schemas::AspectUrn>& aspects, Dependencies d)
      : settings(std::move(s)), deps(d) {
    for (const auto& urn : aspects)
      asset_by_aspect.emplace(urn.toString(), dsp::aspectAssetId(urn));
  }

  const TwinRegistrySettings settings;
  const Dependencies deps;
  std::map<std::string, std::string> asset_by_aspect;  // aspect URN -> asset id

  using Handle = HttpResponse (Impl::*)(const HttpRequest&, const EdrGrant&);

  // Through the gate (token for the registry asset, policy), then to the handler on a worker.
  AsyncHandler guarded(Handle handle) {
    return [this, handle](HttpRequest& request, Responder respond) {
      auto job = [this, handle, request = request, respond]() {
        respond(admitted(request, handle));
      };
      if (!deps.workers.tryPost(std::move(job))) {
        respond(error(request, {503, "the gateway is busy; retry later"}));
      }
    };
  }

  HttpResponse admitted(const HttpRequest& request, Handle handle) {
    EdrAdmission admission = deps.gate.admit(request, dsp::kTwinRegistryAssetId, "");
    if (!admission.grant) return refusal(request, admission.refusal);
    if (auto refused = deps.gate.permit(request, *admission.grant, "")) {
      return refusal(request, *refused);
    }
    return (this->*handle)(request, *admission.grant);
  }

  static HttpResponse refusal(const HttpRequest& request, const EdrRefusal& refused) {
    HttpResponse response = error(request, {refused.status, refused.message});
    if (refused.status == 401) response.headers.emplace_back("WWW-Authenticate", "Bearer");
    return response;
  }

  static HttpResponse error(const HttpRequest& request, const Failure& failure) {
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    w.Key("messages");
    w.StartArray();
    w.StartObject();
    w.Key("messageType");
    w.String("Error");
    w.Key("code");
    writeString(w, std::to_string(failure.status));
    w.Key("text");
    writeString(w, failure.text);
    w.Key("timestamp");
    writeString(w, formatIsoTimestamp(std::chrono::system_clock::now()));
    if (!request.request_id.empty()) {
      w.Key("correlationId");
      writeString(w, request.request_id);
    }
    w.EndObject();
    w.EndArray();
    w.EndObject();
    return HttpResponse::json(failure.status, buffer.GetString());
  }

  static HttpResponse ok(rapidjson::StringBuffer& buffer) {
    return HttpResponse::json(200, std::string(buffer.GetString(), buffer.GetSize()));
  }

  // --- rendering ------------------------------------------------------------------------------

  void writeSubmodelDescriptor(JsonWriter& w, const store::Twin& twin,
                               const std::string& aspect_urn, const std::string& asset_id) const {
    w.StartObject();
    w.Key("id");
    writeString(w, submodelDescriptorId(twin.global_asset_id, aspect_urn));
    const size_t hash = aspect_urn.rfind('#');
    w.Key("idShort");
    writeString(w, hash == std::string::npos ? asset_id : aspect_urn.substr(hash + 1));
    w.Key("semanticId");
    writeGlobalReference(w, aspect_urn);
    w.Key("endpoints");
    w.StartArray();
    w.StartObject();
    w.Key("interface");
    w.String("SUBMODEL-3.0");
    w.Key("protocolInformation");
    w.StartObject();
    w.Key("href");
    writeString(w, joinUrl(settings.public_url, std::string(kDataPlanePath) +
                                                    submodelPath(twin.global_asset_id, asset_id)));
    w.Key("endpointProtocol");
    w.String("HTTP");
    w.Key("endpointProtocolVersion");
    w.StartArray();
    w.String("1.1");
    w.EndArray();
    w.Key("subprotocol");
    w.String("DSP");
    w.Key("subprotocolBody");
    writeString(
        w, "id=" + asset_id + ";dspEndpoint=" + joinUrl(settings.public_url, dsp::kDspBasePath));
    w.Key("subprotocolBodyEncoding");
    w.String("plain");
    w.Key("securityAttributes");
    w.StartArray();
    w.StartObject();
    w.Key("type");
    w.String("NONE");
    w.Key("key");
    w.String("NONE");
    w.Key("value");
    w.String("NONE");
    w.EndObject();
    w.EndArray();
    w.EndObject();
    w.EndObject();
    w.EndArray();
    w.EndObject();
  }

  // The aspects of `twin` on offer, as (aspect URN, asset id), in aspect URN order.
  std::vector<std::pair<std::string, std::string>> offeredAspects(
      const store::ListedTwin& twin) const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& urn : twin.aspect_urns) {
      if (auto asset = asset_by_aspect.find(urn); asset != asset_by_aspect.end()) {
        out.emplace_back(urn, asset->second);
      }
    }
    return out;
  }

  void writeShellDescriptor(JsonWriter& w, const store::ListedTwin& listed, TwinView view,
                            const std::string& partner_bpn) const {
    const store::Twin& twin = listed.twin;
    w.StartObject();
    w.Key("id");
    writeString(w, twin.global_asset_id);
    w.Key("idShort");
    writeString(w, twin.id_short);
    w.Key("globalAssetId");
    writeString(w, twin.global_asset_id);
    w.Key("specificAssetIds");
    w.StartArray();
    for (const auto& id : deps.visibility.assetIds(twin, view)) {
      w.StartObject();
      w.Key("name");
      writeString(w, id.name);
      w.Key("value");
      writeString(w, id.value);
      w.Key("externalSubjectId");
      writeGlobalReference(
          w, view == TwinView::kFull ? std::string_view(partner_bpn) : store::kPublicReadable);
      w.EndObject();
    }
    w.EndArray();
    w.Key("submodelDescriptors");
    w.StartArray();
    for (const auto& [urn, asset] : offeredAspects(listed)) {
      writeSubmodelDescriptor(w, twin, urn, asset);
    }
    w.EndArray();
    w.EndObject();
  }

  // --- queries --------------------------------------------------------------------------------

  // One page of the twins `query` finds for the partner, each with how the partner sees it;
  // `next_after` is set when there are more.
  struct TwinPage {
    std::vector<std::pair<store::ListedTwin, TwinView>> twins;
    std::optional<std::string> next_after;
  };

  // `lookup`: the ids the caller looks up by, if any (a public view must be findable by them).
  Result<TwinPage> twinPage(store::TwinQuery query, const std::string& partner_bpn,
                            const std::vector<store::SpecificAssetId>& lookup) const {
    // digitalTwinType is a column of the twin, not one of its stored ids: filter it here.
    std::optional<std::string> twin_type;
    std::erase_if(query.with_asset_ids, [&](const store::SpecificAssetId& id) {
      if (id.name != kDigitalTwinType) return false;
      twin_type = id.value;
      return true;
    });
    query.visible_to_any = deps.visibility.visibleToAny(partner_bpn);
    const size_t limit = query.limit;
    query.limit = limit + 1;
    auto listed = deps.state.visibleTwins(query);
    if (!listed) return listed.error();
    TwinPage page;
    auto& twins = listed.value();
    if (twins.size() > limit) {
      twins.resize(limit);
      page.next_after = twins.back().twin.global_asset_id;
    }
    for (auto& twin : twins) {
      const TwinView view = deps.visibility.viewOf(twin.twin, partner_bpn);
      if (view == TwinView::kNone || !deps.visibility.findableBy(view, lookup)) continue;
      if (twin_type && twin.twin.digital_twin_type != *twin_type) continue;
      page.twins.emplace_back(std::move(twin), view);
    }
    return page;
  }

  // The twin `encoded` names, if the partner may see it; a Failure (400, 404, 503) otherwise.
  std::optional<std::pair<store::ListedTwin, TwinView>> oneTwin(const std::string& encoded,
                                                                const std::string& partner_bpn,
                                                                Failure& failure) const {
    const auto id = decodeIdentifier(encoded);
    if (!id) {
      failure = {400, "aasIdentifier: not base64url-encoded (RFC 4648 section 5)"};
      return std::nullopt;
    }
    store::TwinQuery query;
    query.global_asset_id = *id;
    query.limit = 1;
    auto page = twinPage(query, partner_bpn, {});
    if (!page) {
      failure = kStoreDown;
      return std::nullopt;
    }
    if (page.value().twins.empty()) {
      failure = {404, "no shell descriptor with id " + *id};
      return std::nullopt;
    }
    return std::move(page.value().twins.front());
  }

  // --- handlers -------------------------------------------------------------------------------

  // A page of the twins `query` finds, in the paging envelope: their descriptors, or with
  // `ids_only` their ids (the lookups).
  HttpResponse twinList(const HttpRequest& request, const EdrGrant& grant, store::TwinQuery query,
                        bool ids_only) {
    PageRequest page;
    if (auto bad = readPage(request, page)) return error(request, *bad);
    query.limit = page.limit;
    query.after = page.after;
    const auto lookup = query.with_asset_ids;
    auto twins = twinPage(std::move(query), grant.claims.partner_bpn, lookup);
    if (!twins) return error(request, kStoreDown);
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    writePagingMetadata(w, twins.value().next_after);
    w.Key("result");
    w.StartArray();
    for (const auto& [twin, view] : twins.value().twins) {
      if (ids_only) {
        writeString(w, twin.twin.global_asset_id);
      } else {
        writeShellDescriptor(w, twin, view, grant.claims.partner_bpn);
      }
    }
    w.EndArray();
    w.EndObject();
    return ok(buffer);
  }

  HttpResponse listShells(const HttpRequest& request, const EdrGrant& grant) {
    store::TwinQuery query;
    if (auto created_after = request.queryParam("createdAfter")) {
      auto parsed = parseIsoTimestampStrict(*created_after);
      if (!parsed) {
        return error(request, {400, "createdAfter: not an ISO 8601 date-time with a time zone"});
      }
      query.created_after = parsed.value();
    }
    return twinList(request, grant, std::move(query), false);
  }

  HttpResponse getShell(const HttpRequest& request, const EdrGrant& grant) {
    Failure failure{};
    auto twin = oneTwin(request.path_params.at("aasIdentifier"), grant.claims.partner_bpn, failure);
    if (!twin) return error(request, failure);
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    writeShellDescriptor(w, twin->first, twin->second, grant.claims.partner_bpn);
    return ok(buffer);
  }

  HttpResponse listSubmodels(const HttpRequest& request, const EdrGrant& grant) {
    PageRequest page;
    if (auto bad = readPage(request, page)) return error(request, *bad);
    Failure failure{};
    auto twin = oneTwin(request.path_params.at("aasIdentifier"), grant.claims.partner_bpn, failure);
    if (!twin) return error(request, failure);
    const auto aspects = offeredAspects(twin->first);
    auto it = std::upper_bound(
        aspects.begin(), aspects.end(), page.after,
        [](const std::string& after, const auto& aspect) { return after < aspect.first; });
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    std::optional<std::string> next_after;
    const auto end = static_cast<size_t>(aspects.end() - it) > page.limit
                         ? it + static_cast<std::ptrdiff_t>(page.limit)
                         : aspects.end();
    if (end != aspects.end()) next_after = (end - 1)->first;
    writePagingMetadata(w, next_after);
    w.Key("result");
    w.StartArray();
    for (; it != end; ++it) writeSubmodelDescriptor(w, twin->first.twin, it->first, it->second);
    w.EndArray();
    w.EndObject();
    return ok(buffer);
  }

  HttpResponse getSubmodel(const HttpRequest& request, const EdrGrant& grant) {
    const auto submodel_id = decodeIdentifier(request.path_params.at("submodelIdentifier"));
    if (!submodel_id) {
      return error(request,
                   {400, "submodelIdentifier: not base64url-encoded (RFC 4648 section 5)"});
    }
    Failure failure{};
    auto twin = oneTwin(request.path_params.at("aasIdentifier"), grant.claims.partner_bpn, failure);
    if (!twin) return error(request, failure);
    for (const auto& [urn, asset] : offeredAspects(twin->first)) {
      if (submodelDescriptorId(twin->first.twin.global_asset_id, urn) != *submodel_id) {
        continue;
      }
      rapidjson::StringBuffer buffer;
      JsonWriter w(buffer);
      writeSubmodelDescriptor(w, twin->first.twin, urn, asset);
      return ok(buffer);
    }
    return error(request, {404, "no submodel descriptor with id " + *submodel_id});
  }

  HttpResponse lookup(const HttpRequest& request, const EdrGrant& grant,
                      std::vector<store::SpecificAssetId> ids) {
    store::TwinQuery query;
    query.with_asset_ids = std::move(ids);
    return twinList(request, grant, std::move(query), true);
  }

  HttpResponse lookupByQuery(const HttpRequest& request, const EdrGrant& grant) {
    std::vector<store::SpecificAssetId> ids;
    for (const auto& [name, value] : request.query) {
      if (name != "assetIds") continue;
      const auto decoded = decodeIdentifier(value);
      rapidjson::Document document;
      std::optional<store::SpecificAssetId> id;
      if (decoded && !document.Parse(decoded->data(), decoded->size()).HasParseError()) {
        id = readAssetId(document);
      }
      if (!id) {
        return error(request, {400,
                               "assetIds: each must be a base64url-encoded JSON object "
                               "{\"name\": …, \"value\": …}"});
      }
      ids.push_back(std::move(*id));
    }
    if (ids.empty()) return error(request, {400, "assetIds: at least one is required"});
    return lookup(request, grant, std::move(ids));
  }

  HttpResponse lookupByBody(const HttpRequest& request, const EdrGrant& grant) {
    rapidjson::Document document;
    std::vector<store::SpecificAssetId> ids;
    bool valid = !document.Parse(request.body.data(), request.body.size()).HasParseError() &&
                 document.IsArray() && !document.Empty();
    if (valid) {
      for (const auto& item : document.GetArray()) {
        auto id = readAssetId(item);
        if (!id) {
          valid = false;
          break;
        }
        ids.push_back(std::move(*id));
      }
    }
    if (!valid) {
      return error(request, {400,
                             "body: must be a non-empty JSON array of "
                             "{\"name\": …, \"value\": …} objects"});
    }
    return lookup(request, grant, std::move(ids));
  }

  HttpResponse description(const HttpRequest&, const EdrGrant&) {
    return HttpResponse::json(
        200,
        R"({"profiles":["https://admin-shell.io/aas/API/3/0/AssetAdministrationShellRegistryServiceSpecification/SSP-002",)"
        R"("https://admin-shell.io/aas/API/3/0/DiscoveryServiceSpecification/SSP-001"]})");
  }
};

TwinRegistry::TwinRegistry(TwinRegistrySettings settings,
                           const std::vector<schemas::AspectUrn>& aspects,
                           Dependencies dependencies)
    : impl_(std::make_unique<Impl>(std::move(settings), aspects, dependencies)) {}

TwinRegistry::~TwinRegistry() = default;

void TwinRegistry::addRoutes(Router& router) {
  const std::string base(kTwinRegistryPath);
  Impl& impl = *impl_;
  router.add("GET", base + "/shell-descriptors", impl.guarded(&Impl::listShells));
  router.add("GET", base + "/shell-descriptors/{aasIdentifier}", impl.guarded(&Impl::getShell));
  router.add("GET", base + "/shell-descriptors/{aasIdentifier}/submodel-descriptors",
             impl.guarded(&Impl::listSubmodels));
  router.add("GET",
             base + "/shell-descriptors/{aasIdentifier}/submodel-descriptors/{submodelIdentifier}",
             impl.guarded(&Impl::getSubmodel));
  router.add("GET", base + "/lookup/shells", impl.guarded(&Impl::lookupByQuery));
  router.add("POST", base + "/lookup/shellsByAssetLink", impl.guarded(&Impl::lookupByBody));
  router.add("GET", base + "/description", impl.guarded(&Impl::description));
}

}  // namespace cxgw::gateway::dtr
