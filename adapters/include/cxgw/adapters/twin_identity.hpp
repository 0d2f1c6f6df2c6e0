#pragma once
// The identity rule for digital twins: the same ERP record yields the same globalAssetId
// across syncs, restarts, machines and a rebuilt store (docs/mapping.md, "Twin identity").
//
//   namespace      = UUIDv5(NAMESPACE_URL, "urn:cxgw:twins:" + supplier BPNL)
//   globalAssetId  = "urn:uuid:" + UUIDv5(namespace, class + 0x1F + key value 1 + 0x1F + …)
//
// The supplier's BPNL scopes ids, so two suppliers with the same serial numbers never
// collide; the class keeps a serial "4711" apart from a batch "4711".

#include <string>
#include <vector>

namespace cxgw::adapters {

std::string supplierTwinNamespace(const std::string& supplier_bpnl);

std::string twinGlobalAssetId(const std::string& namespace_uuid, const std::string& twin_class,
                              const std::vector<std::string>& key_values);

}  // namespace cxgw::adapters
