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
                int validity_days);

}  // namespace cxgw::app
