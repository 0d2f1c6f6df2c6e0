#include "store/audit_trail_contract.hpp"

namespace cxgw::store {
namespace {

struct MemoryTrail : ::testing::Test {
  static std::unique_ptr<AuditTrail> create(std::function<Status()> before_commit) {
    return createMemoryAuditTrail({std::move(before_commit)});
  }
};

INSTANTIATE_TYPED_TEST_SUITE_P(Memory, AuditTrailContract, MemoryTrail);

}  // namespace
}  // namespace cxgw::store
