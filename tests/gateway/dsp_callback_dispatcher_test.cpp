// The callback dispatcher against a fake transport (a port, so a fake is allowed): retries on
// failures that may pass, gives up at once on a refusal and after the last attempt, with a
// reason naming the URL and the outcome.
#include "cxgw/gateway/dsp/dsp_callback_dispatcher.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <mutex>

namespace cxgw::gateway::dsp {
namespace {

using namespace std::chrono_literals;

// Answers each post with the next scripted outcome (the last one repeats).
class ScriptedTransport final : public DspTransport {
 public:
  explicit ScriptedTransport(std::deque<Result<unsigned>> script) : script_(std::move(script)) {}
  Result<unsigned> post(const std::string& url, const std::string& body) override {
    std::lock_guard lock(mutex_);
    posts_.emplace_back(url, body);
    Result<unsigned> next = script_.front();
    if (script_.size() > 1) script_.pop_front();
    return next;
  }
  std::vector<std::pair<std::string, std::string>> posts() const {
    std::lock_guard lock(mutex_);
    return posts_;
  }

 private:
  mutable std::mutex mutex_;
  std::deque<Result<unsigned>> script_;
  std::vector<std::pair<std::string, std::string>> posts_;
};

// Waits for the delivery to end (a bound against a hang, not a timing assertion).
struct Ending {
  std::mutex mutex;
  std::condition_variable ended;
  bool delivered = false;
  std::optional<std::string> gave_up;

  DspCallbackDispatcher::Delivered onDelivered() {
    return [this] {
      std::lock_guard lock(mutex);
      delivered = true;
      ended.notify_all();
    };
  }
  DspCallbackDispatcher::GiveUp onGiveUp() {
    return [this](const std::string& reason) {
      std::lock_guard lock(mutex);
      gave_up = reason;
      ended.notify_all();
    };
  }
  bool await() {
    std::unique_lock lock(mutex);
    return ended.wait_for(lock, 30s, [this] { return delivered || gave_up.has_value(); });
  }
};

Error unreachable() {
  return Error{ErrorCode::kUnavailable, "connection refused", "", "", 0};
}

TEST(DspCallbackDispatcher, RetriesTransientFailuresUntilDelivered) {
  Ending ending;  // outlives the dispatcher's threads
  ScriptedTransport transport({unreachable(), 503U, 429U, 200U});
  DspCallbackDispatcher dispatcher(transport, CallbackRetryPolicy{8, 1ms, 4ms}, 2);
  dispatcher.send("https://consumer.example/cb/x", "{\"a\":1}", ending.onDelivered(),
                  ending.onGiveUp());
  ASSERT_TRUE(ending.await());
  EXPECT_TRUE(ending.delivered);
  EXPECT_FALSE(ending.gave_up.has_value());
  const auto posts = transport.posts();
  ASSERT_EQ(posts.size(), 4U);
  for (const auto& [url, body] : posts) {
    EXPECT_EQ(url, "https://consumer.example/cb/x");
    EXPECT_EQ(body, "{\"a\":1}") << "a retry sends the same message";
  }
}

TEST(DspCallbackDispatcher, ARefusalEndsTheDeliveryAtOnce) {
  Ending ending;  // outlives the dispatcher's threads
  ScriptedTransport transport({400U});
  DspCallbackDispatcher dispatcher(transport, CallbackRetryPolicy{8, 1ms, 4ms}, 1);
  dispatcher.send("https://consumer.example/cb/y", "{}", ending.onDelivered(), ending.onGiveUp());
  ASSERT_TRUE(ending.await());
  ASSERT_TRUE(ending.gave_up.has_value());
  EXPECT_NE(ending.gave_up->find("https://consumer.example/cb/y"), std::string::npos);
  EXPECT_NE(ending.gave_up->find("HTTP 400"), std::string::npos) << *ending.gave_up;
  EXPECT_EQ(transport.posts().size(), 1U);
}

TEST(DspCallbackDispatcher, GivesUpAfterTheLastAttemptNamingTheOutcome) {
  Ending ending;  // outlives the dispatcher's threads
  ScriptedTransport transport({unreachable()});
  DspCallbackDispatcher dispatcher(transport, CallbackRetryPolicy{3, 1ms, 2ms}, 1);
  dispatcher.send("https://consumer.example/cb/z", "{}", ending.onDelivered(), ending.onGiveUp());
  ASSERT_TRUE(ending.await());
  ASSERT_TRUE(ending.gave_up.has_value());
  EXPECT_NE(ending.gave_up->find("after 3 attempts"), std::string::npos) << *ending.gave_up;
  EXPECT_NE(ending.gave_up->find("connection refused"), std::string::npos) << *ending.gave_up;
  EXPECT_EQ(transport.posts().size(), 3U);
  EXPECT_FALSE(ending.delivered);
}

}  // namespace
}  // namespace cxgw::gateway::dsp
