#include "cxgw/core/version.hpp"

namespace cxgw {

const char* versionString() {
  return CXGW_VERSION;
}

}  // namespace cxgw
