#include "cxgw/gateway/dtr/part_finder.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "cxgw/core/base64url.hpp"
#include "cxgw/gateway/dsp/offered_assets.hpp"

namespace cxgw::gateway::dtr {

namespace {

Error registryError(std::string message) {
  Error error;
  error.code = ErrorCode::kInvalidArgument;
  error.key = "registry";
  error.message = std::move(message);
  return error;
}

std::string text(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return {};
  const auto member = object.FindMember(name);
  return member != object.MemberEnd() && member->value.IsString()
             ? std::string(member->value.GetString(), member->value.GetStringLength())
             : std::string();
}

// The value of `key` in a subprotocolBody "id=…;dspEndpoint=…".
std::string bodyEntry(const std::string& body, const std::string& key) {
  size_t start = 0;
  while (start <= body.size()) {
    const size_t end = std::min(body.find(';', start), body.size());
    const std::string entry = body.substr(start, end - start);
    if (entry.compare(0, key.size() + 1, key + "=") == 0) return entry.substr(key.size() + 1);
    start = end + 1;
  }
  return {};
}

FoundSubmodel fetchSubmodel(dsp::DspConsumer& consumer, const dsp::FetchRequest& provider,
                            const rapidjson::Value& descriptor) {
  FoundSubmodel found;
  const auto semantic = descriptor.FindMember("semanticId");
  if (semantic != descriptor.MemberEnd() && semantic->value.IsObject()) {
    const auto keys = semantic->value.FindMember("keys");
    if (keys != semantic->value.MemberEnd() && keys->value.IsArray() && !keys->value.Empty()) {
      found.semantic_id = text(keys->value[0], "value");
    }
  }
  const auto endpoints = descriptor.FindMember("endpoints");
  if (endpoints == descriptor.MemberEnd() || !endpoints->value.IsArray() ||
      endpoints->value.Empty() || !endpoints->value[0].IsObject() ||
      !endpoints->value[0].HasMember("protocolInformation")) {
    found.error = "the descriptor has no endpoint";
    return found;
  }
  const auto& protocol = endpoints->value[0].FindMember("protocolInformation")->value;
  const std::string body = text(protocol, "subprotocolBody");
  found.asset_id = bodyEntry(body, "id");
  const std::string dsp_endpoint = bodyEntry(body, "dspEndpoint");
  const std::string href = text(protocol, "href");
  if (found.asset_id.empty() || href.empty()) {
    found.error = "the descriptor names no asset id or href";
    return found;
  }
  if (dsp::dspVersionBase(dsp_endpoint, dsp::DspVersion::kV08) !=
      dsp::dspVersionBase(provider.provider_dsp_url, dsp::DspVersion::kV08)) {
    found.error = "the descriptor's dspEndpoint " + dsp_endpoint + " is not the provider's";
    return found;
  }
  dsp::FetchRequest request = provider;
  request.asset_id = found.asset_id;
  auto outcome = consumer.fetch(request);
  if (!outcome) {
    found.error = outcome.error().describe();
    return found;
  }
  const std::string& endpoint = outcome.value().edr.endpoint;
  if (href.compare(0, endpoint.size(), endpoint) != 0) {
    found.error = "the href " + href + " is not under the EDR endpoint " + endpoint;
    return found;
  }
  auto payload = consumer.pull(outcome.value().edr, href.substr(endpoint.size()) + "/$value");
  if (!payload) {
    found.error = payload.error().describe();
  } else {
    found.payload = std::move(payload).value();
  }
  return found;
}

}  // namespace

Result<std::vector<FoundPart>> findPart(dsp::DspConsumer& consumer,
                                        const dsp::FetchRequest& provider,
                                        const store::SpecificAssetId& id) {
  dsp::FetchRequest request = provider;
  request.asset_id = std::string(dsp::kTwinRegistryAssetId);
  auto registry = consumer.fetch(request);
  if (!registry) return registry.error();
  const dsp::EndpointDataReference& edr = registry.value().edr;

  rapidjson::StringBuffer query;
  rapidjson::Writer<rapidjson::StringBuffer> writer(query);
  writer.StartObject();
  writer.Key("name");
  writer.String(id.name.c_str());
  writer.Key("value");
  writer.String(id.value.c_str());
  writer.EndObject();
  auto lookup = consumer.pull(edr, "/lookup/shells?assetIds=" + base64UrlEncode(query.GetString()));
  if (!lookup) return lookup.error();
  rapidjson::Document ids;
  ids.Parse(lookup.value().c_str());
  if (ids.HasParseError() || !ids.IsObject() || !ids.HasMember("result") ||
      !ids["result"].IsArray()) {
    return registryError("the lookup answer has no result list");
  }
  std::vector<FoundPart> parts;
  for (const auto& aas_id : ids["result"].GetArray()) {
    if (!aas_id.IsString()) return registryError("the lookup result holds a non-string id");
    auto shell = consumer.pull(edr, "/shell-descriptors/" + base64UrlEncode(aas_id.GetString()));
    if (!shell) return shell.error();
    rapidjson::Document descriptor;
    descriptor.Parse(shell.value().c_str());
    if (descriptor.HasParseError() || !descriptor.IsObject()) {
      return registryError("the shell descriptor of " + std::string(aas_id.GetString()) +
                           " is not a JSON object");
    }
    FoundPart part;
    part.shell_descriptor = shell.value();
    part.global_asset_id = text(descriptor, "globalAssetId");
    const auto submodels = descriptor.FindMember("submodelDescriptors");
    if (submodels != descriptor.MemberEnd() && submodels->value.IsArray()) {
      for (const auto& submodel : submodels->value.GetArray()) {
        if (!submodel.IsObject()) continue;
        part.submodels.push_back(fetchSubmodel(consumer, provider, submodel));
      }
    }
    parts.push_back(std::move(part));
  }
  return parts;
}

}  // namespace cxgw::gateway::dtr
