#pragma once
// Reading the operator's policy library from a directory: every *.json and *.jsonld file in it
// (not recursive), in name order, expanded with the bundled JSON-LD contexts and handed to a
// PolicyLibraryBuilder. A file that cannot be read or expanded becomes a finding naming the
// file and the JSON path, like any other library error.

#include <filesystem>
#include <memory>
#include <string>

#include "cxgw/policies/policy_library.hpp"

namespace cxgw::app {

policies::PolicyLibraryBuilder readPolicyDirectory(const std::filesystem::path& directory);

// A fingerprint of the directory's policy files (names, sizes, modification times), to notice
// changes by polling.
std::string policyDirectoryFingerprint(const std::filesystem::path& directory);

}  // namespace cxgw::app
