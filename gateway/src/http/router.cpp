#include "cxgw/gateway/http/router.hpp"

#include <algorithm>
#include <cassert>
#include <memory>

namespace cxgw::gateway {

std::vector<std::string> Router::splitPath(std::string_view path) {
  std::vector<std::string> segments;
  if (path.empty() || path == "/") return segments;
  if (path.front() == '/') path.remove_prefix(1);
  size_t start = 0;
  while (true) {
    const size_t slash = path.find('/', start);
    segments.emplace_back(
        path.substr(start, slash == std::string_view::npos ? path.npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return segments;
}

void Router::add(std::string method, std::string_view pattern, AsyncHandler handler) {
  Route route;
  route.method = std::move(method);
  route.pattern = std::string(pattern);
  for (const std::string& text : splitPath(pattern)) {
    const bool is_param = text.size() > 2 && text.front() == '{' && text.back() == '}';
    route.segments.push_back({is_param ? text.substr(1, text.size() - 2) : text, is_param});
  }
  route.handler = std::move(handler);
  for (const Route& existing : routes_) {
    const bool same_shape =
        existing.method == route.method && existing.segments.size() == route.segments.size() &&
        std::equal(existing.segments.begin(), existing.segments.end(), route.segments.begin(),
                   [](const Segment& a, const Segment& b) {
                     return a.is_param == b.is_param && (a.is_param || a.text == b.text);
                   });
    assert(!same_shape && "route registered twice");
    (void)same_shape;
  }
  routes_.push_back(std::move(route));
}

void Router::add(std::string method, std::string_view pattern, Handler handler) {
  auto shared = std::make_shared<Handler>(std::move(handler));
  add(std::move(method), pattern, AsyncHandler([shared](HttpRequest& request, Responder respond) {
        respond((*shared)(request));
      }));
}

bool Router::matches(const Route& route, const std::vector<std::string>& segments) {
  if (route.segments.size() != segments.size()) return false;
  for (size_t i = 0; i < segments.size(); ++i) {
    const Segment& segment = route.segments[i];
    if (segment.is_param ? segments[i].empty() : segment.text != segments[i]) return false;
  }
  return true;
}

bool Router::moreSpecific(const Route& a, const Route& b) {
  for (size_t i = 0; i < a.segments.size() && i < b.segments.size(); ++i) {
    if (a.segments[i].is_param != b.segments[i].is_param) return !a.segments[i].is_param;
  }
  return false;
}

Router::Match Router::match(std::string_view method,
                            const std::vector<std::string>& decoded_segments) const {
  const Route* best = nullptr;
  const Route* best_get = nullptr;
  std::vector<std::string> allowed;
  for (const Route& route : routes_) {
    if (!matches(route, decoded_segments)) continue;
    allowed.push_back(route.method);
    if (route.method == method && (best == nullptr || moreSpecific(route, *best))) best = &route;
    if (route.method == "GET" && (best_get == nullptr || moreSpecific(route, *best_get))) {
      best_get = &route;
    }
  }
  if (best == nullptr && method == "HEAD") best = best_get;

  Match result;
  if (best != nullptr) {
    result.outcome = Match::Outcome::kFound;
    result.handler = &best->handler;
    result.route = best->pattern;
    for (size_t i = 0; i < best->segments.size(); ++i) {
      if (best->segments[i].is_param) result.params[best->segments[i].text] = decoded_segments[i];
    }
  } else if (!allowed.empty()) {
    result.outcome = Match::Outcome::kMethodNotAllowed;
    if (std::find(allowed.begin(), allowed.end(), "GET") != allowed.end())
      allowed.push_back("HEAD");
    std::sort(allowed.begin(), allowed.end());
    allowed.erase(std::unique(allowed.begin(), allowed.end()), allowed.end());
    result.allowed_methods = std::move(allowed);
  }
  return result;
}

}  // namespace cxgw::gateway
