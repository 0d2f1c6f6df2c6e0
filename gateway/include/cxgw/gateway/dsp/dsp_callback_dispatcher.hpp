#pragma once
// Delivers DSP messages to the other side's callback address, event-driven (a message goes out
// the moment it is handed over, not on a polling tick), with retries.
//
// A delivery that fails for a reason that may pass (no connection, timeout, HTTP 5xx, 408, 429)
// is retried with exponential backoff: first_delay, doubling, capped at max_delay, for at most
// max_attempts attempts. A 2xx answer ends it with `delivered`. Any other answer (the receiver
// refused the message, e.g. 400 for an invalid transition or 404) and running out of attempts
// end it with `give_up` and a reason naming the URL and the last outcome; the caller then
// moves the process to TERMINATED. Retries send the same body, so receivers see a repeated
// message at worst, which DSP processes accept idempotently.
//
// Thread-safety: send() from any thread. The callbacks run on the dispatcher's threads. The
// destructor abandons deliveries not yet due and joins the threads.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cxgw/core/result.hpp"

namespace cxgw::gateway::dsp {

// The network underneath: one POST of a JSON body, returning the HTTP status.
class DspTransport {
 public:
  virtual ~DspTransport() = default;
  virtual Result<unsigned> post(const std::string& url, const std::string& body) = 0;
};

struct CallbackRetryPolicy {
  int max_attempts = 8;
  std::chrono::milliseconds first_delay{200};
  std::chrono::milliseconds max_delay{5000};
};

class DspCallbackDispatcher {
 public:
  using Delivered = std::function<void()>;
  using GiveUp = std::function<void(const std::string& reason)>;

  DspCallbackDispatcher(DspTransport& transport, CallbackRetryPolicy policy, size_t threads = 4);
  ~DspCallbackDispatcher();
  DspCallbackDispatcher(const DspCallbackDispatcher&) = delete;
  DspCallbackDispatcher& operator=(const DspCallbackDispatcher&) = delete;

  void send(std::string url, std::string body, Delivered delivered, GiveUp give_up);

 private:
  struct Delivery {
    std::string url;
    std::string body;
    Delivered delivered;
    GiveUp give_up;
    int attempt = 0;
  };
  void run();
  void attempt(Delivery delivery);

  DspTransport& transport_;
  const CallbackRetryPolicy policy_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::multimap<std::chrono::steady_clock::time_point, Delivery> due_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace cxgw::gateway::dsp
