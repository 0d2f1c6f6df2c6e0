#include "cxgw/gateway/dtr/twin_visibility.hpp"

#include <algorithm>

namespace cxgw::gateway::dtr {

namespace {

constexpr std::string_view kDigitalTwinType = "digitalTwinType";

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

TwinView TwinVisibility::viewOf(const store::Twin& twin, std::string_view partner_bpn) const {
  if (!partner_bpn.empty() && contains(twin.visible_to, partner_bpn)) return TwinView::kFull;
  if (!public_readable_id_types_.empty() && contains(twin.visible_to, store::kPublicReadable)) {
    return TwinView::kPublic;
  }
  return TwinView::kNone;
}

std::vector<std::string> TwinVisibility::visibleToAny(std::string_view partner_bpn) const {
  std::vector<std::string> any;
  if (!partner_bpn.empty()) any.emplace_back(partner_bpn);
  if (!public_readable_id_types_.empty()) any.emplace_back(store::kPublicReadable);
  return any;
}

std::vector<store::SpecificAssetId> TwinVisibility::assetIds(const store::Twin& twin,
                                                             TwinView view) const {
  std::vector<store::SpecificAssetId> ids;
  if (view == TwinView::kNone) return ids;
  bool has_type = false;
  for (const auto& id : twin.specific_asset_ids) {
    has_type = has_type || id.name == kDigitalTwinType;
    if (view == TwinView::kFull || isPublicIdType(id.name)) ids.push_back(id);
  }
  if (!has_type && !twin.digital_twin_type.empty() &&
      (view == TwinView::kFull || isPublicIdType(kDigitalTwinType))) {
    ids.push_back({std::string(kDigitalTwinType), twin.digital_twin_type});
  }
  return ids;
}

bool TwinVisibility::findableBy(TwinView view,
                                const std::vector<store::SpecificAssetId>& ids) const {
  if (view == TwinView::kFull) return true;
  if (view == TwinView::kNone) return false;
  return std::all_of(ids.begin(), ids.end(),
                     [&](const store::SpecificAssetId& id) { return isPublicIdType(id.name); });
}

bool TwinVisibility::isPublicIdType(std::string_view name) const {
  return contains(public_readable_id_types_, name);
}

}  // namespace cxgw::gateway::dtr
