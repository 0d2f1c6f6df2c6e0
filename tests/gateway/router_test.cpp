#include "cxgw/gateway/http/router.hpp"

#include <gtest/gtest.h>

namespace cxgw::gateway {
namespace {

Handler named(std::string name) {
  return [name](const HttpRequest&) { return HttpResponse::text(200, name, "text/plain"); };
}

// Runs the matched handler and returns its body, so a test sees which handler was chosen.
std::string call(const Router::Match& match) {
  if (match.outcome != Router::Match::Outcome::kFound) return "<no match>";
  HttpRequest request;
  std::string body;
  (*match.handler)(request, [&body](HttpResponse response) { body = response.body; });
  return body;
}

Router::Match match(const Router& router, std::string_view method, std::string_view path) {
  return router.match(method, Router::splitPath(path));
}

TEST(Router, MatchesLiteralRoutes) {
  Router router;
  router.add("GET", "/healthz", named("health"));
  router.add("GET", "/readyz", named("ready"));
  EXPECT_EQ(call(match(router, "GET", "/healthz")), "health");
  EXPECT_EQ(call(match(router, "GET", "/readyz")), "ready");
  EXPECT_EQ(match(router, "GET", "/healthz").route, "/healthz");
}

TEST(Router, ExtractsPathParameters) {
  Router router;
  router.add("GET", "/api/v3/shell-descriptors/{id}/submodel-descriptors/{smId}", named("sm"));
  const auto m = match(router, "GET", "/api/v3/shell-descriptors/abc/submodel-descriptors/x1");
  ASSERT_EQ(m.outcome, Router::Match::Outcome::kFound);
  EXPECT_EQ(m.params.at("id"), "abc");
  EXPECT_EQ(m.params.at("smId"), "x1");
  EXPECT_EQ(m.route, "/api/v3/shell-descriptors/{id}/submodel-descriptors/{smId}");
}

TEST(Router, ParameterKeepsDecodedSlashInsideOneSegment) {
  Router router;
  router.add("GET", "/items/{id}", named("item"));
  const auto m = router.match("GET", {"items", "a/b"});
  ASSERT_EQ(m.outcome, Router::Match::Outcome::kFound);
  EXPECT_EQ(m.params.at("id"), "a/b");
}

TEST(Router, LiteralSegmentBeatsParameterWhateverTheOrder) {
  Router router;
  router.add("GET", "/catalog/{id}", named("param"));
  router.add("GET", "/catalog/request", named("literal"));
  EXPECT_EQ(call(match(router, "GET", "/catalog/request")), "literal");
  EXPECT_EQ(call(match(router, "GET", "/catalog/other")), "param");
}

TEST(Router, UnknownPathIsNotFound) {
  Router router;
  router.add("GET", "/a/{id}", named("a"));
  EXPECT_EQ(match(router, "GET", "/b").outcome, Router::Match::Outcome::kNotFound);
  EXPECT_EQ(match(router, "GET", "/a").outcome, Router::Match::Outcome::kNotFound);
  EXPECT_EQ(match(router, "GET", "/a/1/2").outcome, Router::Match::Outcome::kNotFound);
}

TEST(Router, EmptySegmentDoesNotMatchAParameter) {
  Router router;
  router.add("GET", "/a/{id}", named("a"));
  EXPECT_EQ(match(router, "GET", "/a/").outcome, Router::Match::Outcome::kNotFound);
}

TEST(Router, WrongMethodListsAllowedMethods) {
  Router router;
  router.add("GET", "/things/{id}", named("get"));
  router.add("DELETE", "/things/{id}", named("delete"));
  const auto m = match(router, "POST", "/things/1");
  ASSERT_EQ(m.outcome, Router::Match::Outcome::kMethodNotAllowed);
  EXPECT_EQ(m.allowed_methods, (std::vector<std::string>{"DELETE", "GET", "HEAD"}));
}

TEST(Router, HeadFallsBackToGet) {
  Router router;
  router.add("GET", "/healthz", named("health"));
  EXPECT_EQ(call(match(router, "HEAD", "/healthz")), "health");
}

TEST(Router, MethodsAreCaseSensitive) {
  Router router;
  router.add("GET", "/x", named("x"));
  EXPECT_EQ(match(router, "get", "/x").outcome, Router::Match::Outcome::kMethodNotAllowed);
}

TEST(Router, RootPathMatches) {
  Router router;
  router.add("GET", "/", named("root"));
  EXPECT_EQ(call(match(router, "GET", "/")), "root");
}

TEST(RouterSplitPath, SplitsOnSlashes) {
  EXPECT_EQ(Router::splitPath("/"), std::vector<std::string>{});
  EXPECT_EQ(Router::splitPath("/a/b"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Router::splitPath("/a/"), (std::vector<std::string>{"a", ""}));
}

}  // namespace
}  // namespace cxgw::gateway
