#pragma once
// What changed between two policy libraries, in words: added, removed and changed policies
// (with the rules added and removed, as plain-language sentences), contract definitions and
// business partner group memberships. Rules are compared by their canonical text, so a policy
// rewritten in another JSON-LD style or order is unchanged.

#include <string>
#include <vector>

#include "cxgw/policies/policy_library.hpp"

namespace cxgw::policies {

struct LibraryChange {
  enum class Kind { kAdded, kRemoved, kChanged };
  Kind kind;
  std::string subject;             // e.g. "policy membership-and-deg", "contract definition cd-1"
  std::vector<std::string> lines;  // e.g. "+ Partners … may use this data.", "- …"
};

std::vector<LibraryChange> diffLibraries(const PolicyLibrary& before, const PolicyLibrary& after);

// The changes as a report, one block per change; "no changes" when there are none.
std::string describeChanges(const std::vector<LibraryChange>& changes);

}  // namespace cxgw::policies
