#pragma once
// The subscribers of StateStore::onChange() and ProcessStore::onChange(), for the store
// implementations: subscribe() hands out the handle, notifyAll() calls every callback. A
// callback runs under the subscribers' lock, so that once a handle is destroyed no call of its
// callback is running or will follow.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "cxgw/store/change_subscription.hpp"

namespace cxgw::store {

class ChangeSubscribers : public std::enable_shared_from_this<ChangeSubscribers> {
 public:
  std::unique_ptr<ChangeSubscription> subscribe(std::function<void()> on_change) {
    std::lock_guard lock(mutex_);
    const uint64_t id = next_id_++;
    callbacks_.emplace(id, std::move(on_change));
    return std::make_unique<Handle>(shared_from_this(), id);
  }

  void notifyAll() {
    std::lock_guard lock(mutex_);
    for (auto& [id, callback] : callbacks_) callback();
  }

  bool empty() {
    std::lock_guard lock(mutex_);
    return callbacks_.empty();
  }

 private:
  class Handle final : public ChangeSubscription {
   public:
    Handle(std::shared_ptr<ChangeSubscribers> owner, uint64_t id)
        : owner_(std::move(owner)), id_(id) {}
    ~Handle() override {
      std::lock_guard lock(owner_->mutex_);
      owner_->callbacks_.erase(id_);
    }

   private:
    std::shared_ptr<ChangeSubscribers> owner_;
    uint64_t id_;
  };

  std::mutex mutex_;
  std::map<uint64_t, std::function<void()>> callbacks_;
  uint64_t next_id_ = 0;
};

}  // namespace cxgw::store
