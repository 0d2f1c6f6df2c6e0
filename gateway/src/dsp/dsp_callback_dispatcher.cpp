#include "cxgw/gateway/dsp/dsp_callback_dispatcher.hpp"

#include <algorithm>

namespace cxgw::gateway::dsp {

DspCallbackDispatcher::DspCallbackDispatcher(DspTransport& transport, CallbackRetryPolicy policy,
                                             size_t threads)
    : transport_(transport), policy_(policy) {
  if (threads == 0) threads = 1;
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
}

DspCallbackDispatcher::~DspCallbackDispatcher() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  for (auto& thread : threads_) thread.join();
}

void DspCallbackDispatcher::send(std::string url, std::string body, Delivered delivered,
                                 GiveUp give_up) {
  {
    std::lock_guard lock(mutex_);
    due_.emplace(
        std::chrono::steady_clock::now(),
        Delivery{std::move(url), std::move(body), std::move(delivered), std::move(give_up), 0});
  }
  changed_.notify_one();
}

void DspCallbackDispatcher::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (due_.empty()) {
      changed_.wait(lock);
      continue;
    }
    const auto first = due_.begin();
    // A copy: while this thread waits, another may take the delivery and free its node.
    const auto when = first->first;
    if (when > std::chrono::steady_clock::now()) {
      changed_.wait_until(lock, when);
      continue;
    }
    Delivery delivery = std::move(first->second);
    due_.erase(first);
    lock.unlock();
    attempt(std::move(delivery));
    lock.lock();
  }
}

void DspCallbackDispatcher::attempt(Delivery delivery) {
  ++delivery.attempt;
  const auto status = transport_.post(delivery.url, delivery.body);
  std::string outcome;
  if (status.ok()) {
    const unsigned code = status.value();
    if (code >= 200 && code < 300) {
      if (delivery.delivered) delivery.delivered();
      return;
    }
    outcome = "HTTP " + std::to_string(code);
    const bool transient = code >= 500 || code == 408 || code == 429;
    if (!transient) {
      if (delivery.give_up) delivery.give_up(delivery.url + " refused the message: " + outcome);
      return;
    }
  } else {
    outcome = status.error().message;
  }
  if (delivery.attempt >= policy_.max_attempts) {
    if (delivery.give_up) {
      delivery.give_up(delivery.url + " unreachable after " + std::to_string(delivery.attempt) +
                       " attempts: " + outcome);
    }
    return;
  }
  auto delay = policy_.first_delay * (1LL << std::min(delivery.attempt - 1, 20));
  delay = std::min<std::chrono::milliseconds>(delay, policy_.max_delay);
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    due_.emplace(std::chrono::steady_clock::now() + delay, std::move(delivery));
  }
  changed_.notify_one();
}

}  // namespace cxgw::gateway::dsp
