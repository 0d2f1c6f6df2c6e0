#pragma once

namespace cxgw {

// The gateway's version, e.g. "0.1.0", set by the build from the CMake project version.
const char* versionString();

}  // namespace cxgw
