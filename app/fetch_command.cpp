// cxgw fetch: the consumer role from the command line. Catalog, negotiation and transfer
// against a provider's DSP endpoint, reusing a valid agreement and EDR from the store; then the
// twin's aspect payload from the provider's data plane, or the Endpoint Data Reference. With
// --part, the part's shell descriptors from the provider's twin registry and the payload of each
// submodel (dtr/part_finder.hpp). With --changes, the aspect's change feed, paged, then followed
// as a Server-Sent Events stream.

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <iomanip>
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "component_wiring.hpp"
#include "cxgw/core/json_text.hpp"
#include "cxgw/core/logging.hpp"
#include "cxgw/core/metrics.hpp"
#include "cxgw/core/timestamp.hpp"
#include "cxgw/gateway/dataplane/data_plane.hpp"
#include "cxgw/gateway/dtr/part_finder.hpp"
#include "cxgw/gateway/http/https_server.hpp"
#include "dsp_service.hpp"

namespace cxgw::app {
namespace {

std::string milliseconds(std::chrono::microseconds duration) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1) << static_cast<double>(duration.count()) / 1000.0
      << " ms";
  return out.str();
}

// {"parts":[{"globalAssetId","shellDescriptor","submodels":[{"semanticId","assetId",
// "payload"|"error"}]}]}; a payload that is no JSON is kept as a string.
std::string partsJson(const std::vector<gateway::dtr::FoundPart>& parts) {
  rapidjson::Document out(rapidjson::kObjectType);
  auto& a = out.GetAllocator();
  const auto json = [&](const std::string& text) {
    rapidjson::Document parsed(&a);
    parsed.Parse(text.c_str());
    rapidjson::Value value;
    if (parsed.HasParseError()) {
      value.SetString(text.c_str(), static_cast<rapidjson::SizeType>(text.size()), a);
    } else {
      value.CopyFrom(parsed, a);
    }
    return value;
  };
  const auto string = [&](const std::string& text) {
    return rapidjson::Value(text.c_str(), static_cast<rapidjson::SizeType>(text.size()), a);
  };
  rapidjson::Value list(rapidjson::kArrayType);
  for (const auto& part : parts) {
    rapidjson::Value item(rapidjson::kObjectType);
    item.AddMember("globalAssetId", string(part.global_asset_id), a);
    item.AddMember("shellDescriptor", json(part.shell_descriptor), a);
    rapidjson::Value submodels(rapidjson::kArrayType);
    for (const auto& submodel : part.submodels) {
      rapidjson::Value entry(rapidjson::kObjectType);
      entry.AddMember("semanticId", string(submodel.semantic_id), a);
      entry.AddMember("assetId", string(submodel.asset_id), a);
      if (submodel.error.empty()) {
        entry.AddMember("payload", json(submodel.payload), a);
      } else {
        entry.AddMember("error", string(submodel.error), a);
      }
      submodels.PushBack(entry, a);
    }
    item.AddMember("submodels", submodels, a);
    list.PushBack(item, a);
  }
  out.AddMember("parts", list, a);
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  out.Accept(writer);
  return buffer.GetString();
}

// The change feed of the EDR's aspect (dataplane/change_feed.hpp), one change per line: pages
// from `since` until caught up, then, with follow_seconds, the event stream. 0 or 1.
int printChanges(const gateway::dsp::DspConsumer& consumer,
                 const gateway::dsp::EndpointDataReference& edr, const FetchArguments& arguments) {
  std::string cursor = arguments.since;
  for (bool more = true; more;) {
    auto page = consumer.pull(
        edr, "/changes?limit=1000" + (cursor.empty() ? std::string() : "&since=" + cursor));
    if (!page) {
      std::cerr << "cxgw: fetch: " << page.error().describe() << "\n";
      return 1;
    }
    rapidjson::Document document;
    document.Parse(page.value().c_str());
    if (document.HasParseError() || !document.IsObject() || !document.HasMember("changes") ||
        !document["changes"].IsArray() || !document.HasMember("cursor") ||
        !document["cursor"].IsString()) {
      std::cerr << "cxgw: fetch: the provider's change feed answered no change page\n";
      return 1;
    }
    for (const auto& change : document["changes"].GetArray()) {
      rapidjson::StringBuffer line;
      rapidjson::Writer<rapidjson::StringBuffer> writer(line);
      change.Accept(writer);
      std::cout << line.GetString() << "\n";
    }
    cursor = document["cursor"].GetString();
    more = document.HasMember("more") && document["more"].IsTrue();
  }
  std::cout.flush();
  if (arguments.follow_seconds == 0) {
    std::cerr << "cursor: " << cursor << "\n";
    return 0;
  }
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(arguments.follow_seconds);
  unsigned streamed = 0;
  const auto remaining = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                 std::chrono::steady_clock::now());
  };
  const Status followed = consumer.follow(
      edr, "/changes", cursor, remaining(), [&](const gateway::ServerSentEvent& event) {
        if (!event.comment_only && !event.data.empty()) {
          std::cout << event.data << std::endl;
          if (!event.id.empty()) cursor = event.id;
          ++streamed;
        }
        return remaining().count() > 0 &&
               (arguments.max_changes == 0 || streamed < arguments.max_changes);
      });
  std::cerr << "cursor: " << cursor << "\n";
  // Silence until the deadline ends the stream the way it should.
  if (!followed && remaining().count() > 0) {
    std::cerr << "cxgw: fetch: " << followed.error().describe() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

int runFetch(const FetchArguments& arguments) {
  const auto config = loadConfigOrReport(arguments.config_file);
  if (!config) return 2;
  configureLogging(arguments.verbose ? LogLevel::kWarn : LogLevel::kError);
  if (config->dsp.public_url.empty()) {
    std::cerr << "cxgw: fetch: " << arguments.config_file.string()
              << ": dsp.public_url is required: the provider sends its answers there\n";
    return 2;
  }
  if (arguments.asset_id.empty() == arguments.part.empty()) {
    std::cerr << "cxgw: fetch: give either --asset or --part\n";
    return 2;
  }
  store::SpecificAssetId part_id;
  if (!arguments.part.empty()) {
    const size_t equals = arguments.part.find('=');
    if (equals == 0 || equals == std::string::npos || equals + 1 == arguments.part.size()) {
      std::cerr << "cxgw: fetch: --part must be name=value, e.g. partInstanceId=SN-2\n";
      return 2;
    }
    part_id = {arguments.part.substr(0, equals), arguments.part.substr(equals + 1)};
    if (!arguments.twin_id.empty()) {
      std::cerr << "cxgw: fetch: --twin goes with --asset, not with --part\n";
      return 2;
    }
  }
  if (arguments.since.find_first_not_of(
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") !=
      std::string::npos) {
    std::cerr << "cxgw: fetch: --since must be a cursor of the change feed (base64url)\n";
    return 2;
  }
  gateway::dsp::DspVersion version = gateway::dsp::DspVersion::k2025_1;
  if (arguments.dsp_version == "v0.8") {
    version = gateway::dsp::DspVersion::kV08;
  } else if (arguments.dsp_version != "2025-1") {
    std::cerr << "cxgw: fetch: --dsp-version must be 2025-1 or v0.8\n";
    return 2;
  }
  // The provider answers asynchronously at our callback address: listen there while fetching.
  MetricsRegistry metrics;
  auto server = gateway::HttpsServer::create(config->server, metrics);
  if (!server) {
    std::cerr << "cxgw: fetch: cannot listen for the provider's answers: "
              << server.error().describe()
              << " (a cxgw serve with this configuration already listens there; stop it, or "
                 "give fetch its own server.port and dsp.public_url)\n";
    return 1;
  }
  // Created after the server so that it is destroyed first: its worker threads may still hold
  // answers for the server's connections.
  auto service = DspService::create(
      *config, [] { return nullptr; }, {}, nullptr);
  if (!service) {
    std::cerr << "cxgw: fetch: " << service.error().describe() << "\n";
    return service.error().code == ErrorCode::kUnavailable ? 1 : 2;
  }
  auto router = std::make_shared<gateway::Router>();
  service.value()->addRoutes(*router);
  server.value()->start(router, false);

  gateway::dsp::FetchRequest request;
  request.provider_dsp_url = arguments.provider_url;
  request.version = version;
  request.asset_id = arguments.asset_id;
  request.provider_bpn = arguments.provider_bpn;
  if (!part_id.name.empty()) {
    auto parts = gateway::dtr::findPart(service.value()->consumer(), request, part_id);
    server.value()->shutdown();
    server.value()->wait();
    if (!parts) {
      std::cerr << "cxgw: fetch: " << parts.error().describe() << "\n";
      return 1;
    }
    std::cout << partsJson(parts.value()) << "\n";
    if (parts.value().empty()) {
      std::cerr << "cxgw: fetch: no part with " << arguments.part << " is visible to us\n";
      return 3;
    }
    return 0;
  }
  auto outcome = service.value()->consumer().fetch(request);
  server.value()->shutdown();
  server.value()->wait();
  if (!outcome) {
    std::cerr << "cxgw: fetch: " << outcome.error().describe() << "\n";
    return 1;
  }
  const gateway::dsp::FetchOutcome& o = outcome.value();
  if (arguments.changes) return printChanges(service.value()->consumer(), o.edr, arguments);
  std::optional<Result<std::string>> payload;
  std::chrono::microseconds pull_latency{0};
  if (!arguments.twin_id.empty()) {
    const auto started = std::chrono::steady_clock::now();
    payload = service.value()->consumer().pull(
        o.edr, gateway::submodelPath(arguments.twin_id, arguments.asset_id) + "/$value");
    pull_latency = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started);
  }
  if (arguments.verbose) {
    std::cerr << "catalog:      "
              << (o.reused_agreement ? "skipped (agreement reused)"
                                     : milliseconds(o.latencies.catalog))
              << "\nnegotiation:  "
              << (o.reused_agreement ? "reused " + o.agreement_id
                                     : milliseconds(o.latencies.negotiation) + " to FINALIZED")
              << "\ntransfer:     "
              << (o.reused_transfer ? "reused " + o.transfer_pid
                                    : milliseconds(o.latencies.transfer) + " to STARTED")
              << "\n";
    if (payload) std::cerr << "data:         " << milliseconds(pull_latency) << "\n";
  }
  if (payload) {
    if (!*payload) {
      std::cerr << "cxgw: fetch: " << payload->error().describe() << "\n";
      return 1;
    }
    std::cout << payload->value() << "\n";
    return 0;
  }
  std::cout << "{\"agreementId\":" << json::quote(o.agreement_id)
            << ",\"transferProcessId\":" << json::quote(o.transfer_provider_pid)
            << ",\"endpoint\":" << json::quote(o.edr.endpoint)
            << ",\"authorization\":" << json::quote(o.edr.access_token)
            << ",\"refreshEndpoint\":" << json::quote(o.edr.refresh_endpoint) << ",\"expiresAt\":"
            << (o.edr.expires_at ? json::quote(formatIsoTimestamp(*o.edr.expires_at)) : "null")
            << ",\"reusedAgreement\":" << (o.reused_agreement ? "true" : "false")
            << ",\"reusedTransfer\":" << (o.reused_transfer ? "true" : "false") << "}\n";
  return 0;
}

}  // namespace cxgw::app
