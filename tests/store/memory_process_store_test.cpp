#include "store/process_store_contract.hpp"

namespace cxgw::store {
namespace {

struct MemoryProcesses : ::testing::Test {
  static std::unique_ptr<ProcessStore> create() { return createMemoryProcessStore(); }
};

INSTANTIATE_TYPED_TEST_SUITE_P(MemoryProcessStore, ProcessStoreContract, MemoryProcesses);

}  // namespace
}  // namespace cxgw::store
