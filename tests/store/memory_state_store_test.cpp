#include "store/state_store_contract.hpp"

namespace cxgw::store {
namespace {

struct MemoryStore : ::testing::Test {
  static std::unique_ptr<StateStore> create() { return createMemoryStateStore(); }
};

INSTANTIATE_TYPED_TEST_SUITE_P(Memory, StateStoreContract, MemoryStore);

}  // namespace
}  // namespace cxgw::store
