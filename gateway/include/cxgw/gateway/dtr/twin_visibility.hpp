#pragma once
// Who sees a digital twin, and how much of it: the one rule behind the twin registry, the data
// plane and the change feed (the externalSubjectId semantics of the Tractus-X registry).
//
// - A partner whose BPN is in the twin's visible_to sees the whole twin (TwinView::kFull).
// - A twin whose visible_to holds store::kPublicReadable is seen by every partner with a
//   registry agreement, but only through the specific asset ids whose name the operator listed
//   in public_readable_id_types (TwinView::kPublic); with no such names it is seen by nobody.
// - Anyone else does not see it at all (TwinView::kNone): for that partner it does not exist.

#include <string>
#include <string_view>
#include <vector>

#include "cxgw/store/state_store.hpp"

namespace cxgw::gateway::dtr {

enum class TwinView { kNone, kPublic, kFull };

class TwinVisibility {
 public:
  explicit TwinVisibility(std::vector<std::string> public_readable_id_types)
      : public_readable_id_types_(std::move(public_readable_id_types)) {}

  TwinView viewOf(const store::Twin& twin, std::string_view partner_bpn) const;

  // What a store query for this partner's twins must match (store::TwinQuery::visible_to_any).
  std::vector<std::string> visibleToAny(std::string_view partner_bpn) const;

  // The twin's specific asset ids as `view` shows them, digitalTwinType included.
  std::vector<store::SpecificAssetId> assetIds(const store::Twin& twin, TwinView view) const;

  // Whether a lookup by `ids` may find a twin seen with `view`: a public view is found only by
  // public ids, so that a lookup cannot learn which twin carries a hidden id.
  bool findableBy(TwinView view, const std::vector<store::SpecificAssetId>& ids) const;

  bool isPublicIdType(std::string_view name) const;

 private:
  const std::vector<std::string> public_readable_id_types_;
};

}  // namespace cxgw::gateway::dtr
