#pragma once
// The consumer's way to a supplier's part, as a Catena-X OEM takes it: negotiate access to the
// supplier's twin registry over DSP, look the part up by one of its specific asset ids with the
// registry's EDR, read the shell descriptors, then for each submodel descriptor negotiate its
// asset (the "id=" of its subprotocolBody) and GET the payload at its href.
//
// Only the provider given in the request is talked to: a descriptor whose dspEndpoint or href
// lies elsewhere is not followed (its submodel reports why), so that no token of this provider
// is ever sent to another host. A submodel the provider refuses (policy, visibility) is reported
// with the provider's answer; the others are still fetched.
//
// Thread-safety: as DspConsumer::fetch; blocks until done.

#include <string>
#include <vector>

#include "cxgw/core/result.hpp"
#include "cxgw/gateway/dsp/dsp_consumer.hpp"
#include "cxgw/store/state_store.hpp"

namespace cxgw::gateway::dtr {

struct FoundSubmodel {
  std::string semantic_id;  // the aspect URN
  std::string asset_id;     // from the subprotocolBody
  std::string payload;      // the submodel's value, when fetched
  std::string error;        // why not, otherwise
};

struct FoundPart {
  std::string shell_descriptor;  // JSON, as the registry answered it
  std::string global_asset_id;
  std::vector<FoundSubmodel> submodels;
};

// `provider` names the provider (its asset_id is ignored). Fails when the registry cannot be
// reached or answers with an error; finds nothing when no visible twin carries `id`.
Result<std::vector<FoundPart>> findPart(dsp::DspConsumer& consumer,
                                        const dsp::FetchRequest& provider,
                                        const store::SpecificAssetId& id);

}  // namespace cxgw::gateway::dtr
