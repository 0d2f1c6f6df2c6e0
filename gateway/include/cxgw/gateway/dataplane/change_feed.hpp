#pragma once
// The change feed: which twins' aspects changed, for partners that follow a supplier in near
// real time instead of polling every payload.
//
//   GET /api/public/changes?since=<cursor>&limit=<1..1000, default 100>
//     Accept: application/json (or anything else): one page,
//       {"changes":[<change>, …],"cursor":"<resume here>","more":<true when more is waiting>}
//     Accept: text/event-stream: a Server-Sent Events stream, one event per change,
//       id: <cursor after this change>
//       event: change
//       data: <change>
//     with a comment line (": keep-alive") after `heartbeat` without events. Without `since`, the
//     Last-Event-ID header (what an EventSource sends when it reconnects) is the cursor.
//   <change> = {"globalAssetId", "semanticId" (the aspect URN), "assetId" (the aspect's DSP
//     asset), "change": "updated" | "withdrawn", "href" (where the payload is, when updated),
//     "cursor"}
//
// The cursor is opaque (base64url of a store::ChangePosition). Resuming with the last cursor
// received misses no change and repeats none (store::StateStore::changes()); an aspect that
// changed several times meanwhile is reported once, at its latest change. Without a cursor the
// feed starts at the beginning of the history, which holds every aspect once: a new follower
// first gets the current state, then what changes.
//
// Who sees what: the request carries an EDR access token and passes the EdrGate like a payload
// request (token, revocation, agreement, then the policy in the data-access scope, audited). The
// token of an aspect asset shows the changes of that aspect model; the token of the twin
// registry's asset shows those of every aspect model on offer (fetching a payload still needs
// the aspect's own agreement). Only twins visible to the token's partner appear
// (dtr::TwinVisibility), and a withdrawn twin's aspects appear as "withdrawn" to those who saw it.
//
// A stream hears of commits through store::StateStore::onChange() (LISTEN/NOTIFY with the
// PostgreSQL store, so a sync on another replica counts too) and reads the store on the worker
// pool. Before each batch of events it admits its token again: once the token has expired or its
// transfer is suspended or terminated, the stream ends, and the partner reconnects with a
// refreshed token and its last event id. A change held back in the store behind an older open
// transaction is picked up by a re-read every `poll` while changes are recent.
//
// Thread-safety: after addRoutes(), used by the server's threads; the feed and its dependencies
// must outlive the server. The destructor ends open streams.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "cxgw/gateway/dataplane/edr_gate.hpp"
#include "cxgw/gateway/dtr/twin_visibility.hpp"
#include "cxgw/gateway/http/router.hpp"
#include "cxgw/gateway/http/worker_pool.hpp"
#include "cxgw/schemas/aspect_urn.hpp"
#include "cxgw/store/state_store.hpp"

namespace cxgw::gateway {

inline constexpr std::string_view kChangeFeedPath = "/api/public/changes";

struct ChangeFeedSettings {
  std::string public_url;  // how partners reach this gateway; hrefs start with it
  std::chrono::milliseconds heartbeat{15000};
  std::chrono::milliseconds poll{1000};
};

class ChangeFeed {
 public:
  struct Dependencies {
    const EdrGate& gate;
    store::StateStore& state;
    const dtr::TwinVisibility& visibility;
    WorkerPool& workers;
  };

  // `aspects`: the aspect models on offer.
  ChangeFeed(ChangeFeedSettings settings, const std::vector<schemas::AspectUrn>& aspects,
             Dependencies dependencies);
  ~ChangeFeed();
  ChangeFeed(const ChangeFeed&) = delete;
  ChangeFeed& operator=(const ChangeFeed&) = delete;

  void addRoutes(Router& router);

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace cxgw::gateway
