#include "cxgw/adapters/twin_identity.hpp"

#include "cxgw/core/ids.hpp"

namespace cxgw::adapters {
namespace {

constexpr const char* kUrlNamespace = "6ba7b811-9dad-11d1-80b4-00c04fd430c8";  // RFC 4122

}  // namespace

std::string supplierTwinNamespace(const std::string& supplier_bpnl) {
  return nameBasedUuid(kUrlNamespace, "urn:cxgw:twins:" + supplier_bpnl);
}

std::string twinGlobalAssetId(const std::string& namespace_uuid, const std::string& twin_class,
                              const std::vector<std::string>& key_values) {
  std::string name = twin_class;
  for (const std::string& value : key_values) {
    name.push_back('\x1F');
    name += value;
  }
  return "urn:uuid:" + nameBasedUuid(namespace_uuid, name);
}

}  // namespace cxgw::adapters
