#pragma once
// The handle of a subscription to a store's changes (StateStore::onChange(),
// ProcessStore::onChange()): the subscription ends when the handle is destroyed.

namespace cxgw::store {

class ChangeSubscription {
 public:
  virtual ~ChangeSubscription() = default;
};

}  // namespace cxgw::store
