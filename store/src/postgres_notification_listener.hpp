#pragma once
// LISTEN on one PostgreSQL NOTIFY channel, from a thread of its own and on a connection of its
// own, for the stores' onChange(). Every notification (several that arrive together count as
// one) calls `on_notify`. A lost connection is reopened with a growing pause (100 ms to 5 s);
// once listening again, it calls `on_notify` too, since notifications may have gone unheard
// meanwhile. listening() is true only while LISTEN is in effect on a connection that has not
// failed: a reader that must not miss a change trusts what it heard only while it is.
//
// Thread-safety: listening() from any thread; `on_notify` runs on the listener's thread.

#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace cxgw::store {

class PostgresNotificationListener {
 public:
  // Starts listening. `what` names the notifications in the log, e.g. "store change".
  PostgresNotificationListener(std::string connection_string, std::string channel, std::string what,
                               std::function<void()> on_notify);
  // Stops listening; no call of `on_notify` is running or will follow.
  ~PostgresNotificationListener();
  PostgresNotificationListener(const PostgresNotificationListener&) = delete;
  PostgresNotificationListener& operator=(const PostgresNotificationListener&) = delete;

  bool listening() const { return listening_; }

 private:
  void run();

  const std::string connection_string_;
  const std::string channel_;
  const std::string what_;
  const std::function<void()> on_notify_;
  std::atomic<bool> listening_{false};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace cxgw::store
