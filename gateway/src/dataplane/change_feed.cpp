#include "cxgw/gateway/dataplane/change_feed.hpp"

#include <atomic>
#include <charconv>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "cxgw/core/base64url.hpp"
#include "cxgw/core/json_text.hpp"
#include "cxgw/core/logging.hpp"
#include "cxgw/gateway/dataplane/data_plane.hpp"
#include "cxgw/gateway/dsp/offered_assets.hpp"
#include "cxgw/gateway/http/https_url.hpp"

namespace cxgw::gateway {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr size_t kDefaultLimit = 100;
constexpr size_t kMaxLimit = 1000;
constexpr size_t kStreamBatch = 100;  // changes read per round trip of a stream
// After a change was heard, waiting streams re-read every `poll` for this long, for changes the
// store held back behind an older open transaction (no second notification announces them).
constexpr auto kRecentChange = std::chrono::seconds(30);

std::string encodeCursor(const store::ChangePosition& position) {
  return base64UrlEncode(std::to_string(position.commit) + "." + std::to_string(position.sequence));
}

std::optional<int64_t> nonNegative(std::string_view digits) {
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty() || value < 0) {
    return std::nullopt;
  }
  return value;
}

std::optional<store::ChangePosition> decodeCursor(std::string_view cursor) {
  const auto text = base64UrlDecode(cursor);
  if (!text) return std::nullopt;
  const size_t dot = text->find('.');
  if (dot == std::string::npos) return std::nullopt;
  const auto commit = nonNegative(std::string_view(*text).substr(0, dot));
  const auto sequence = nonNegative(std::string_view(*text).substr(dot + 1));
  if (!commit || !sequence) return std::nullopt;
  return store::ChangePosition{*commit, *sequence};
}

// What one token may follow.
struct Scope {
  std::vector<std::string> aspect_urns;
  std::vector<std::string> visible_to_any;
};

bool wantsEventStream(const HttpRequest& request) {
  const auto accept = request.header("accept");
  return accept && accept->find("text/event-stream") != std::string_view::npos;
}

}  // namespace

class FeedStream;

struct ChangeFeed::Impl : std::enable_shared_from_this<ChangeFeed::Impl> {
  Impl(ChangeFeedSettings s, const std::vector<schemas::AspectUrn>& aspects, Dependencies d)
      : settings(std::move(s)), deps(d) {
    for (const auto& urn : aspects) {
      const std::string asset = dsp::aspectAssetId(urn);
      urn_by_asset.emplace(asset, urn.toString());
      asset_by_urn.emplace(urn.toString(), asset);
    }
  }

  const ChangeFeedSettings settings;
  const Dependencies deps;
  std::map<std::string, std::string> urn_by_asset;
  std::map<std::string, std::string> asset_by_urn;

  // Streams with a pending next() and nothing to send, and what wakes them.
  std::mutex mutex;
  std::condition_variable wake;
  uint64_t generation = 0;  // store change notifications heard
  SteadyClock::time_point last_change;
  bool stopping = false;
  std::vector<std::weak_ptr<FeedStream>> waiting;
  std::vector<std::weak_ptr<FeedStream>> streams;  // all open ones, to end them on stop()
  std::unique_ptr<store::ChangeSubscription> subscription;
  std::thread pump;

  void start();
  void stop();
  void pumpLoop();
  uint64_t currentGeneration() {
    std::lock_guard lock(mutex);
    return generation;
  }
  // Parks `stream` until the store changes (or a tick makes it due); at once when the store
  // changed since `seen_generation`.
  void park(const std::shared_ptr<FeedStream>& stream, uint64_t seen_generation);

  std::optional<Scope> scopeOf(const EdrGrant& grant) const {
    Scope scope;
    scope.visible_to_any = deps.visibility.visibleToAny(grant.claims.partner_bpn);
    if (grant.claims.asset_id == dsp::kTwinRegistryAssetId) {
      for (const auto& [urn, asset] : asset_by_urn) scope.aspect_urns.push_back(urn);
      return scope;
    }
    const auto urn = urn_by_asset.find(grant.claims.asset_id);
    if (urn == urn_by_asset.end()) return std::nullopt;
    scope.aspect_urns.push_back(urn->second);
    return scope;
  }

  Result<std::vector<store::AspectChange>> read(const Scope& scope,
                                                const store::ChangePosition& after,
                                                size_t limit) const {
    store::ChangeQuery query;
    query.after = after;
    query.visible_to_any = scope.visible_to_any;
    query.aspect_urns = scope.aspect_urns;
    query.limit = limit;
    return deps.state.changes(query);
  }

  std::string render(const store::AspectChange& change) const {
    const std::string& asset = asset_by_urn.at(change.aspect_urn);
    std::string out = "{\"globalAssetId\":" + json::quote(change.global_asset_id) +
                      ",\"semanticId\":" + json::quote(change.aspect_urn) +
                      ",\"assetId\":" + json::quote(asset) + ",\"change\":\"" +
                      (change.withdrawn ? "withdrawn" : "updated") + "\"";
    if (!change.withdrawn) {
      out += ",\"href\":" + json::quote(joinUrl(settings.public_url, kDataPlanePath) +
                                        submodelPath(change.global_asset_id, asset));
    }
    out += ",\"cursor\":" + json::quote(encodeCursor(change.position)) + "}";
    return out;
  }

  // The request's scope and position, or the answer that refuses it.
  struct Opened {
    Scope scope;
    store::ChangePosition after;
    size_t limit = kDefaultLimit;
    std::optional<HttpResponse> refusal;
  };

  Opened open(const HttpRequest& request) const {
    Opened opened;
    EdrAdmission admission = deps.gate.admit(request, "", "");
    if (!admission.grant) {
      opened.refusal = admission.refusal.toResponse(request.request_id);
      return opened;
    }
    const EdrGrant& grant = *admission.grant;
    const auto bad = [&](const std::string& message, const std::string& reason) {
      const EdrRefusal refusal{400, "bad_request", message, reason};
      deps.gate.refuse(request, refusal, &grant.claims, "");
      opened.refusal = refusal.toResponse(request.request_id);
      return std::move(opened);
    };
    std::optional<std::string_view> since = request.queryParam("since");
    if (!since) since = request.header("last-event-id");
    if (since && !since->empty()) {
      const auto position = decodeCursor(*since);
      if (!position) {
        return bad("since: not a cursor of this feed (use the cursor of a change or page)",
                   "bad since cursor");
      }
      opened.after = *position;
    }
    if (const auto limit = request.queryParam("limit")) {
      const auto value = nonNegative(*limit);
      if (!value || *value < 1 || *value > static_cast<int64_t>(kMaxLimit)) {
        return bad("limit: must be an integer from 1 to " + std::to_string(kMaxLimit), "bad limit");
      }
      opened.limit = static_cast<size_t>(*value);
    }
    auto scope = scopeOf(grant);
    if (!scope) {
      const EdrRefusal refusal{403, "forbidden",
                               "the access token's asset has no change feed; use the token of "
                               "an aspect asset or of the twin registry",
                               "no change feed for asset " + grant.claims.asset_id};
      deps.gate.refuse(request, refusal, &grant.claims, "");
      opened.refusal = refusal.toResponse(request.request_id);
      return opened;
    }
    if (auto refused = deps.gate.permit(request, grant, "")) {
      opened.refusal = refused->toResponse(request.request_id);
      return opened;
    }
    opened.scope = std::move(*scope);
    return opened;
  }

  HttpResponse page(const HttpRequest& request) const {
    Opened opened = open(request);
    if (opened.refusal) return std::move(*opened.refusal);
    auto changes = read(opened.scope, opened.after, opened.limit + 1);
    if (!changes) return EdrRefusal::storeDown(changes.error()).toResponse(request.request_id);
    auto& found = changes.value();
    const bool more = found.size() > opened.limit;
    if (more) found.resize(opened.limit);
    std::string body = "{\"changes\":[";
    store::ChangePosition last = opened.after;
    for (size_t i = 0; i < found.size(); ++i) {
      if (i > 0) body += ',';
      body += render(found[i]);
      last = found[i].position;
    }
    body += "],\"cursor\":" + json::quote(encodeCursor(last)) +
            ",\"more\":" + (more ? "true" : "false") + "}";
    return HttpResponse::json(200, std::move(body));
  }

  HttpResponse openStream(const HttpRequest& request);
};

// One Server-Sent Events stream. It reads the store on the worker pool, one batch per next(),
// and parks in the feed while there is nothing to send.
class FeedStream : public ResponseStream, public std::enable_shared_from_this<FeedStream> {
 public:
  FeedStream(std::shared_ptr<ChangeFeed::Impl> feed, HttpRequest request, Scope scope,
             store::ChangePosition after)
      : feed_(std::move(feed)),
        request_(std::move(request)),
        scope_(std::move(scope)),
        after_(after),
        last_sent_(SteadyClock::now().time_since_epoch().count()) {}

  void next(Deliver deliver) override {
    {
      std::lock_guard lock(mutex_);
      if (closed_) {
        deliver(std::nullopt);
        return;
      }
      pending_ = std::move(deliver);
    }
    schedule();
  }

  void close() override {
    Deliver deliver;
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
      deliver = std::move(pending_);
      pending_ = nullptr;
    }
    if (deliver) deliver(std::nullopt);
  }

  bool closed() {
    std::lock_guard lock(mutex_);
    return closed_;
  }

  bool heartbeatDue(SteadyClock::time_point now) const {
    const SteadyClock::time_point sent{SteadyClock::duration(last_sent_.load())};
    return now - sent >= feed_->settings.heartbeat;
  }

  // Reads on a worker; when the pool is full, the next tick tries again.
  void schedule() {
    auto self = shared_from_this();
    if (!feed_->deps.workers.tryPost([self] { self->poll(); })) {
      std::lock_guard lock(feed_->mutex);
      feed_->waiting.push_back(self);
    }
  }

 private:
  void poll() {
    if (closed()) return;
    const uint64_t generation = feed_->currentGeneration();
    // The token must still be good for every batch: expiry and revocation end the stream.
    if (!feed_->deps.gate.admit(request_, "", "").grant) return close();
    auto changes = feed_->read(scope_, after_, kStreamBatch);
    if (!changes) {
      logWarn("change feed: store read failed; retrying",
              {{"request_id", request_.request_id}, {"reason", changes.error().describe()}});
    }
    std::string text;
    if (changes) {
      for (const auto& change : changes.value()) {
        after_ = change.position;
        text += "id: " + encodeCursor(change.position) +
                "\nevent: change\ndata: " + feed_->render(change) + "\n\n";
      }
    }
    const auto now = SteadyClock::now();
    if (text.empty() && heartbeatDue(now)) text = ": keep-alive\n\n";
    if (text.empty()) return feed_->park(shared_from_this(), generation);
    last_sent_ = now.time_since_epoch().count();
    Deliver deliver;
    {
      std::lock_guard lock(mutex_);
      deliver = std::move(pending_);
      pending_ = nullptr;
    }
    if (deliver) deliver(std::move(text));
  }

  const std::shared_ptr<ChangeFeed::Impl> feed_;
  const HttpRequest request_;
  const Scope scope_;
  store::ChangePosition after_;              // poll() only
  std::atomic<SteadyClock::rep> last_sent_;  // when a piece last went out
  std::mutex mutex_;
  bool closed_ = false;
  Deliver pending_;
};

HttpResponse ChangeFeed::Impl::openStream(const HttpRequest& request) {
  Opened opened = open(request);
  if (opened.refusal) return std::move(*opened.refusal);
  auto stream = std::make_shared<FeedStream>(shared_from_this(), request, std::move(opened.scope),
                                             opened.after);
  {
    std::lock_guard lock(mutex);
    if (stopping) {
      return HttpResponse::error(503, "unavailable", "the gateway is shutting down",
                                 request.request_id);
    }
    std::erase_if(streams, [](const auto& weak) { return weak.expired(); });
    streams.push_back(stream);
  }
  HttpResponse response;
  response.status = 200;
  response.content_type = "text/event-stream";
  response.headers.emplace_back("Cache-Control", "no-cache");
  response.stream = std::move(stream);
  return response;
}

void ChangeFeed::Impl::park(const std::shared_ptr<FeedStream>& stream, uint64_t seen_generation) {
  bool stopped = false;
  {
    std::lock_guard lock(mutex);
    stopped = stopping;
    if (!stopping && generation == seen_generation) {
      waiting.push_back(stream);
      return;
    }
  }
  if (stopped) return stream->close();
  stream->schedule();  // the store changed while this stream was reading
}

void ChangeFeed::Impl::start() {
  auto weak = weak_from_this();
  subscription = deps.state.onChange([weak] {
    if (auto self = weak.lock()) {
      std::lock_guard lock(self->mutex);
      ++self->generation;
      self->last_change = SteadyClock::now();
      self->wake.notify_all();
    }
  });
  pump = std::thread([this] { pumpLoop(); });
}

void ChangeFeed::Impl::pumpLoop() {
  uint64_t handled = 0;
  std::unique_lock lock(mutex);
  while (!stopping) {
    wake.wait_for(lock, settings.poll, [&] { return stopping || generation != handled; });
    if (stopping) break;
    const bool changed = generation != handled;
    handled = generation;
    const auto now = SteadyClock::now();
    const bool recent = now - last_change < kRecentChange;
    std::vector<std::shared_ptr<FeedStream>> due;
    std::vector<std::weak_ptr<FeedStream>> still;
    for (auto& weak : waiting) {
      auto stream = weak.lock();
      if (!stream) continue;
      if (changed || recent || stream->heartbeatDue(now) || stream->closed()) {
        due.push_back(std::move(stream));
      } else {
        still.push_back(std::move(weak));
      }
    }
    waiting = std::move(still);
    lock.unlock();
    for (auto& stream : due) stream->schedule();
    lock.lock();
  }
}

void ChangeFeed::Impl::stop() {
  subscription.reset();
  std::vector<std::shared_ptr<FeedStream>> open_streams;
  {
    std::lock_guard lock(mutex);
    stopping = true;
    for (auto& weak : streams) {
      if (auto stream = weak.lock()) open_streams.push_back(std::move(stream));
    }
    streams.clear();
    waiting.clear();
    wake.notify_all();
  }
  for (auto& stream : open_streams) stream->close();
  if (pump.joinable()) pump.join();
}

ChangeFeed::ChangeFeed(ChangeFeedSettings settings, const std::vector<schemas::AspectUrn>& aspects,
                       Dependencies dependencies)
    : impl_(std::make_shared<Impl>(std::move(settings), aspects, dependencies)) {
  impl_->start();
}

ChangeFeed::~ChangeFeed() {
  impl_->stop();
}

void ChangeFeed::addRoutes(Router& router) {
  std::weak_ptr<Impl> weak = impl_;
  router.add("GET", std::string(kChangeFeedPath), [weak](HttpRequest& request, Responder respond) {
    auto impl = weak.lock();
    if (!impl) {
      respond(HttpResponse::error(503, "unavailable", "the change feed has stopped",
                                  request.request_id));
      return;
    }
    auto job = [impl, request = request, respond] {
      respond(wantsEventStream(request) ? impl->openStream(request) : impl->page(request));
    };
    if (!impl->deps.workers.tryPost(std::move(job))) {
      respond(HttpResponse::error(503, "overloaded", "the gateway is busy; retry later",
                                  request.request_id));
    }
  });
}

}  // namespace cxgw::gateway
