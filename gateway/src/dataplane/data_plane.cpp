#include "cxgw/gateway/dataplane/data_plane.hpp"

#include <algorithm>
#include <boost/url/parse_query.hpp>
#include <map>
#include <optional>
#include <utility>

#include "cxgw/core/base64url.hpp"
#include "cxgw/core/ids.hpp"
#include "cxgw/core/json_text.hpp"
#include "cxgw/core/logging.hpp"
#include "cxgw/gateway/dataplane/twin_record_cache.hpp"
#include "cxgw/gateway/dsp/dsp_state_machines.hpp"
#include "cxgw/gateway/dsp/offered_assets.hpp"
#include "cxgw/gateway/http/https_url.hpp"

namespace cxgw::gateway {

std::string submodelPath(std::string_view global_asset_id, std::string_view asset_id) {
  std::string path = "/shells/";
  path += base64UrlEncode(global_asset_id);
  path += "/submodels/";
  path += asset_id;
  path += "/submodel";
  return path;
}

std::string refreshTokenId(const store::TransferProcessRecord& transfer) {
  return transfer.id + "#" + std::to_string(transfer.version);
}

EdrTokens issueEdrTokens(const EdrTokenIssuer& issuer, const store::TransferProcessRecord& transfer,
                         std::chrono::system_clock::time_point now,
                         std::chrono::seconds access_lifetime) {
  EdrClaims claims;
  claims.kind = EdrTokenKind::kAccess;
  claims.token_id = randomUuid();
  claims.audience = transfer.counterparty_bpn;
  claims.partner_bpn = transfer.counterparty_bpn;
  claims.agreement_id = transfer.agreement_id;
  claims.asset_id = transfer.asset_id;
  claims.transfer_process_id = transfer.id;
  claims.issued_at = now;
  claims.expires_at = now + access_lifetime;
  EdrTokens tokens;
  tokens.access_token = issuer.sign(claims);
  claims.kind = EdrTokenKind::kRefresh;
  claims.token_id = refreshTokenId(transfer);
  claims.expires_at = now + kEdrRefreshLifetime;
  tokens.refresh_token = issuer.sign(claims);
  return tokens;
}

namespace {

HttpResponse oauthError(std::string_view error, std::string_view description) {
  return HttpResponse::json(400, "{\"error\":" + json::quote(error) +
                                     ",\"error_description\":" + json::quote(description) + "}");
}

}  // namespace

struct DataPlane::Impl {
  Impl(DataPlaneSettings s, const std::vector<schemas::AspectUrn>& aspects, Dependencies d)
      : settings(std::move(s)), deps(std::move(d)), twins(deps.state) {
    for (const auto& urn : aspects)
      aspect_by_asset.emplace(dsp::aspectAssetId(urn), urn.toString());
  }

  const DataPlaneSettings settings;
  Dependencies deps;
  TwinRecordCache twins;
  std::map<std::string, std::string> aspect_by_asset;  // asset id -> aspect URN

  // A handler tried first on the I/O thread with what memory holds; when that cannot answer
  // (something is not in memory, or the request is refused before its policy decision), run
  // again as a job of the worker pool, which reads the store and audits the refusal. Either way
  // it may answer later, once its audit record is stored: neither thread waits for the trail.
  AsyncHandler inMemoryElseOnWorkers(bool (Impl::*handle)(const HttpRequest&, const Responder&,
                                                          Reach)) {
    return [this, handle](HttpRequest& request, Responder respond) {
      if ((this->*handle)(request, respond, Reach::kMemoryOnly)) return;
      auto job = [this, handle, request = request, respond]() {
        (this->*handle)(request, respond, Reach::kStore);
      };
      if (!deps.workers.tryPost(std::move(job))) {
        respond(HttpResponse::error(503, "overloaded", "the gateway is busy; retry later"));
      }
    };
  }
  AsyncHandler onWorkers(HttpResponse (Impl::*handle)(const HttpRequest&)) {
    return [this, handle](HttpRequest& request, Responder respond) {
      auto job = [this, handle, request = request, respond]() {
        respond((this->*handle)(request));
      };
      if (!deps.workers.tryPost(std::move(job))) {
        respond(HttpResponse::error(503, "overloaded", "the gateway is busy; retry later"));
      }
    };
  }

  // --- submodel payloads ----------------------------------------------------------------------

  // Audits `refusal` and answers with it; returns true. With Reach::kMemoryOnly it does
  // neither and returns false: the workers decide the request again.
  bool refuse(const HttpRequest& request, const Responder& respond, Reach reach,
              const EdrRefusal& refusal, const EdrClaims* claims, const std::string& twin_id) {
    if (reach == Reach::kMemoryOnly) return false;
    deps.gate.refuse(request, refusal, claims, twin_id);
    respond(refusal.toResponse(request.request_id));
    return true;
  }

  // Answers now, or once the decision's audit record is stored; returns true. With
  // Reach::kMemoryOnly, returns false, having answered and audited nothing, when memory does not
  // hold all the request needs or it is refused before its policy decision.
  bool submodel(const HttpRequest& request, const Responder& respond, Reach reach) {
    const std::string& asset_id = request.path_params.at("asset");
    const auto twin_id = base64UrlDecode(request.path_params.at("shell"));
    const std::string twin = twin_id.value_or(std::string());
    EdrAdmission admission = deps.gate.admit(request, asset_id, twin, reach);
    if (admission.deferred) return false;
    if (!admission.grant) {
      respond(admission.refusal.toResponse(request.request_id));
      return true;
    }

    const EdrGrant& grant = *admission.grant;
    const EdrClaims& c = grant.claims;
    if (!twin_id) {
      return refuse(request, respond, reach,
                    {400, "bad_request",
                     "the shell id in the path is not base64url-encoded (RFC 4648, no padding)",
                     "shell id not base64url"},
                    &c, twin);
    }
    const EdrRefusal not_found{404, "not_found", "no such submodel", ""};
    const auto aspect_urn = aspect_by_asset.find(asset_id);
    if (aspect_urn == aspect_by_asset.end()) {
      EdrRefusal r = not_found;
      r.reason = "asset " + asset_id + " is no aspect model on offer";
      return refuse(request, respond, reach, r, &c, twin);
    }
    auto stored_twin = twins.twin(twin, reach);
    if (!stored_twin) {
      return refuse(request, respond, reach, EdrRefusal::storeDown(stored_twin.error()), &c, twin);
    }
    const auto& t = stored_twin.value();
    if (!t || t->withdrawn ||
        deps.visibility.viewOf(t->twin, c.partner_bpn) == dtr::TwinView::kNone) {
      EdrRefusal r = not_found;
      r.reason = !t             ? "no such twin"
                 : t->withdrawn ? "twin withdrawn"
                                : "twin not visible to partner";
      return refuse(request, respond, reach, r, &c, twin);
    }
    auto aspect = deps.payloads.aspect(twin, aspect_urn->second, reach);
    if (!aspect) {
      return refuse(request, respond, reach, EdrRefusal::storeDown(aspect.error()), &c, twin);
    }
    if (!aspect.value() || (*aspect.value())->withdrawn) {
      EdrRefusal r = not_found;
      r.reason = !aspect.value() ? "twin has no such aspect" : "aspect withdrawn";
      return refuse(request, respond, reach, r, &c, twin);
    }
    return deps.gate.permitThen(
        request, grant, twin, reach,
        [respond, request_id = request.request_id,
         payload = std::move(*aspect.value())](std::optional<EdrRefusal> refusal) {
          respond(refusal ? refusal->toResponse(request_id)
                          : HttpResponse::json(200, payload->payload));
        });
  }

  // --- token refresh --------------------------------------------------------------------------

  HttpResponse refresh(const HttpRequest& request) {
    auto partner = deps.authenticator.authenticate(request);
    if (!partner) {
      logWarn("token refresh: partner not authenticated",
              {{"request_id", request.request_id}, {"reason", partner.error().message}});
      HttpResponse response = HttpResponse::json(
          401, R"({"error":"invalid_client","error_description":"unauthenticated"})");
      response.headers.emplace_back("WWW-Authenticate", "Bearer");
      return response;
    }
    auto form = boost::urls::parse_query(request.body);
    if (!form) return oauthError("invalid_request", "the body is not form-encoded");
    std::optional<std::string> grant_type;
    std::optional<std::string> refresh_token;
    for (const auto param : *form) {
      std::optional<std::string>* slot = param.key == "grant_type"      ? &grant_type
                                         : param.key == "refresh_token" ? &refresh_token
                                                                        : nullptr;
      if (slot == nullptr) continue;
      if (slot->has_value()) {
        return oauthError("invalid_request", std::string(param.key) + " is given twice");
      }
      std::string value;
      param.value.decode({}, boost::urls::string_token::assign_to(value));
      *slot = std::move(value);
    }
    if (!grant_type) return oauthError("invalid_request", "grant_type is required");
    if (*grant_type != "refresh_token") {
      return oauthError("unsupported_grant_type", "grant_type must be refresh_token");
    }
    if (!refresh_token || refresh_token->empty()) {
      return oauthError("invalid_request", "refresh_token is required");
    }
    const auto now = deps.gate.now();
    auto claims = deps.gate.tokens().verify(*refresh_token, EdrTokenKind::kRefresh, now);
    const auto invalid = [&](const std::string& reason) {
      logInfo("token refresh refused", {{"request_id", request.request_id},
                                        {"partner", partner.value().claims.bpn},
                                        {"reason", reason}});
      return oauthError("invalid_grant", "the refresh token is not valid");
    };
    if (!claims) return invalid(claims.error().message);
    if (claims.value().partner_bpn != partner.value().claims.bpn) {
      return invalid("refresh token of another partner");
    }
    auto transfer = deps.gate.processes().transfer(claims.value().transfer_process_id);
    if (!transfer) return EdrRefusal::storeDown(transfer.error()).toResponse(request.request_id);
    if (auto why = EdrGate::revoked(transfer.value(), claims.value())) return invalid(*why);
    if (claims.value().token_id != refreshTokenId(*transfer.value())) {
      return invalid("refresh token already used");
    }
    // Moving the record to its next version makes this token the last one of its kind.
    auto moved = deps.gate.processes().updateTransfer(*transfer.value());
    if (!moved) {
      if (moved.error().code == ErrorCode::kConflict) return invalid("refresh token already used");
      return EdrRefusal::storeDown(moved.error()).toResponse(request.request_id);
    }
    const EdrTokens tokens =
        issueEdrTokens(deps.gate.tokens(), moved.value(), now, settings.access_lifetime);
    return HttpResponse::json(
        200, "{\"access_token\":" + json::quote(tokens.access_token) +
                 ",\"token_type\":\"bearer\",\"refresh_token\":" +
                 json::quote(tokens.refresh_token) + ",\"refresh_endpoint\":" +
                 json::quote(joinUrl(settings.public_url, kTokenRefreshPath)) +
                 ",\"expires_in\":" + std::to_string(settings.access_lifetime.count()) + "}");
  }
};

DataPlane::DataPlane(DataPlaneSettings settings, const std::vector<schemas::AspectUrn>& aspects,
                     Dependencies dependencies)
    : impl_(std::make_unique<Impl>(std::move(settings), aspects, std::move(dependencies))) {}

DataPlane::~DataPlane() = default;

void DataPlane::addRoutes(Router& router) {
  const std::string base(kDataPlanePath);
  const std::string submodel = base + "/shells/{shell}/submodels/{asset}/submodel";
  router.add("GET", submodel, impl_->inMemoryElseOnWorkers(&Impl::submodel));
  router.add("GET", submodel + "/$value", impl_->inMemoryElseOnWorkers(&Impl::submodel));
  router.add("POST", std::string(kTokenRefreshPath), impl_->onWorkers(&Impl::refresh));
}

}  // namespace cxgw::gateway
