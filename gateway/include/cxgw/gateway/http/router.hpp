#pragma once
// Maps a method and a path to a handler.
//
// A pattern is a sequence of '/'-separated segments, each either literal ("shell-descriptors")
// or a parameter ("{id}") that matches exactly one non-empty segment. Matching works on
// percent-decoded segments, so an encoded '/' (%2F) inside a parameter stays in that
// parameter. When several patterns match, the one with literal segments furthest left wins
// ("/a/b" over "/a/{x}"). HEAD is answered by the GET handler when no HEAD route exists.
//
// Build the router once at start-up, then share it read-only (const) between threads.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "cxgw/gateway/http/http_message.hpp"

namespace cxgw::gateway {

class Router {
 public:
  struct Match {
    enum class Outcome { kFound, kNotFound, kMethodNotAllowed } outcome = Outcome::kNotFound;
    const AsyncHandler* handler = nullptr;      // valid while the router lives; kFound only
    std::string route;                          // the pattern; kFound only
    std::map<std::string, std::string> params;  // kFound only
    std::vector<std::string> allowed_methods;   // kMethodNotAllowed only, sorted
  };

  // Registering the same method and pattern shape twice is a programming error and asserts.
  void add(std::string method, std::string_view pattern, AsyncHandler handler);
  void add(std::string method, std::string_view pattern, Handler handler);

  Match match(std::string_view method, const std::vector<std::string>& decoded_segments) const;

  // Splits "/a/b" into {"a","b"} without decoding; "/" is {}. For callers that hold a path
  // with no percent-encoding, such as tests.
  static std::vector<std::string> splitPath(std::string_view path);

 private:
  struct Segment {
    std::string text;  // literal text, or the parameter name
    bool is_param = false;
  };
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<Segment> segments;
    AsyncHandler handler;
  };

  static bool matches(const Route& route, const std::vector<std::string>& segments);
  static bool moreSpecific(const Route& a, const Route& b);

  std::vector<Route> routes_;
};

}  // namespace cxgw::gateway
