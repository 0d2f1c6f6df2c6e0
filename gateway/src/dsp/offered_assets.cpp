#include "cxgw/gateway/dsp/offered_assets.hpp"

#include <set>

namespace cxgw::gateway::dsp {

std::string aspectAssetId(const schemas::AspectUrn& urn) {
  return urn.name + "-" + urn.version;
}

std::vector<policies::AssetDescription> offeredAssets(
    const std::vector<schemas::AspectUrn>& aspects) {
  std::vector<policies::AssetDescription> assets;
  const std::string registry(kTwinRegistryAssetId);
  assets.push_back({registry,
                    {{std::string(policies::kAssetIdProperty), registry},
                     {std::string(kDctType), std::string(kTwinRegistryType)},
                     {"https://w3id.org/catenax/ontology/common#version", "3.0"}}});
  std::set<std::string> seen;
  for (const schemas::AspectUrn& urn : aspects) {
    const std::string id = aspectAssetId(urn);
    if (!seen.insert(id).second) continue;
    assets.push_back({id,
                      {{std::string(policies::kAssetIdProperty), id},
                       {std::string(kDctType), std::string(kSubmodelType)},
                       {std::string(kSemanticIdProperty), urn.toString()}}});
  }
  return assets;
}

}  // namespace cxgw::gateway::dsp
