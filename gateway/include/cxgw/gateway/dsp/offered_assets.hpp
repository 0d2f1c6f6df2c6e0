#pragma once
// The assets a supplier offers over DSP: its digital twin registry, typed as Catena-X connectors
// look for it, and one asset per aspect model it serves, carrying the model's semantic id.
//
//   digital-twin-registry   dct:type  cx-taxonomy:DigitalTwinRegistry
//   SerialPart-3.0.0        dct:type  cx-taxonomy:Submodel,
//                           aas-semantics:semanticId
//                           urn:samm:io.catenax.serial_part:3.0.0#SerialPart
//
// Contract definitions select them by these properties (edc:id is the asset id).

#include <string>
#include <string_view>
#include <vector>

#include "cxgw/policies/policy_library.hpp"
#include "cxgw/schemas/aspect_urn.hpp"

namespace cxgw::gateway::dsp {

inline constexpr std::string_view kTwinRegistryAssetId = "digital-twin-registry";
inline constexpr std::string_view kDctType = "http://purl.org/dc/terms/type";
inline constexpr std::string_view kSemanticIdProperty =
    "https://admin-shell.io/aas/3/0/HasSemantics/semanticId";
inline constexpr std::string_view kTwinRegistryType =
    "https://w3id.org/catenax/taxonomy#DigitalTwinRegistry";
inline constexpr std::string_view kSubmodelType = "https://w3id.org/catenax/taxonomy#Submodel";

// "SerialPart-3.0.0" for urn:samm:io.catenax.serial_part:3.0.0#SerialPart.
std::string aspectAssetId(const schemas::AspectUrn& urn);

// The registry first, then one asset per distinct aspect model, in the order given.
std::vector<policies::AssetDescription> offeredAssets(
    const std::vector<schemas::AspectUrn>& aspects);

}  // namespace cxgw::gateway::dsp
