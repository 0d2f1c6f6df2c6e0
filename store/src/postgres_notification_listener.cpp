#include "postgres_notification_listener.hpp"

#include <algorithm>
#include <chrono>
#include <pqxx/pqxx>

#include "cxgw/core/logging.hpp"

namespace cxgw::store {

PostgresNotificationListener::PostgresNotificationListener(std::string connection_string,
                                                           std::string channel, std::string what,
                                                           std::function<void()> on_notify)
    : connection_string_(std::move(connection_string)),
      channel_(std::move(channel)),
      what_(std::move(what)),
      on_notify_(std::move(on_notify)) {
  thread_ = std::thread([this] { run(); });
}

PostgresNotificationListener::~PostgresNotificationListener() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void PostgresNotificationListener::run() {
  constexpr std::chrono::milliseconds kPoll{200};
  std::chrono::milliseconds pause{100};
  bool reported = false;
  while (!stopping_) {
    try {
      pqxx::connection connection(connection_string_);
      {
        pqxx::nontransaction tx(connection);
        tx.exec0("LISTEN " + connection.quote_name(channel_));
      }
      if (reported) logInfo(what_ + " notifications restored", {});
      reported = false;
      pause = std::chrono::milliseconds(100);
      listening_ = true;
      on_notify_();
      while (!stopping_) {
        if (connection.await_notification(0, kPoll.count() * 1000) > 0) {
          while (connection.get_notifs() > 0) {
          }
          on_notify_();
        }
      }
    } catch (const std::exception& e) {
      listening_ = false;
      on_notify_();
      if (!reported) {
        logWarn(what_ + " notifications lost; reconnecting", {{"reason", e.what()}});
        reported = true;
      }
      for (auto slept = std::chrono::milliseconds(0); slept < pause && !stopping_;
           slept += std::chrono::milliseconds(50)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      pause = std::min(pause * 2, std::chrono::milliseconds(5000));
    }
  }
  listening_ = false;
}

}  // namespace cxgw::store
