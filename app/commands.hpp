#pragma once
// The cxgw subcommands. Each returns the process exit code: 0 success, 1 a runtime failure,
// 2 bad usage or configuration.

#include <filesystem>
#include <string>
#include <vector>

namespace cxgw::app {

int runServe(const std::filesystem::path& config_file);
int runConfigCheck(const std::filesystem::path& config_file);
int runConfigKeys();
int runSync(const std::filesystem::path& config_file, bool full, bool report);
int runMappingCheck(const std::filesystem::path& mapping_file,
                    const std::filesystem::path& config_file);
int runDevCerts(const std::filesystem::path& directory, const std::vector<std::string>& client_bpns,
                const std::string& server_bpn, int validity_days);

// The filters and format of `cxgw audit query` as typed; an empty filter is not applied.
struct AuditQueryArguments {
  std::string partner;   // BPN or DID
  std::string asset;     // asset id or twin (global asset) id
  std::string decision;  // "allow" or "deny"
  std::string since;     // RFC 3339 or a date, inclusive
  std::string until;     // RFC 3339 or a date, exclusive
  std::string limit = "1000";
  std::string format = "table";  // table, json or csv
};

int runAuditVerify(const std::filesystem::path& config_file);
int runAuditQuery(const std::filesystem::path& config_file, const AuditQueryArguments& arguments);

// cxgw policy …: lint a library directory; explain a policy file or an id of a library; test
// what a partner profile may see and agree to; diff two library directories.
int runPolicyLint(const std::filesystem::path& directory);
int runPolicyExplain(const std::string& file_or_id, const std::filesystem::path& directory);
int runPolicyTest(const std::filesystem::path& profile_file, const std::string& asset_id,
                  const std::filesystem::path& directory, const std::string& at);
int runPolicyDiff(const std::filesystem::path& before, const std::filesystem::path& after);

// cxgw fetch: catalog -> negotiation -> transfer against a provider, printing the EDR.
struct FetchArguments {
  std::filesystem::path config_file;
  std::string provider_url;  // the provider's DSP base of the version, e.g. …/api/v1/dsp/2025-1
  std::string provider_bpn;
  std::string asset_id;
  std::string dsp_version = "2025-1";  // or "v0.8"
  std::string twin_id;  // set: fetch this twin's aspect payload with the EDR and print it
  // set ("name=value", e.g. "partInstanceId=SN-2"): find the part in the provider's twin
  // registry and print its descriptors and the payloads of its submodels
  std::string part;
  bool changes = false;         // print the --asset's change feed, one change per line
  std::string since;            // with changes: resume after this cursor
  unsigned follow_seconds = 0;  // with changes: then follow the stream this long
  unsigned max_changes = 0;     // with follow: stop after this many streamed changes (0: no limit)
  bool verbose = false;
};
int runFetch(const FetchArguments& arguments);

}  // namespace cxgw::app
