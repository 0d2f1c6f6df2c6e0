#include "policy_library_files.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <vector>

#include "cxgw/schemas/jsonld_expander.hpp"

namespace cxgw::app {
namespace {

std::vector<std::filesystem::path> policyFiles(const std::filesystem::path& directory) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
    const std::string extension = entry.path().extension().string();
    if (entry.is_regular_file(ec) && (extension == ".json" || extension == ".jsonld")) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

policies::PolicyLibraryBuilder readPolicyDirectory(const std::filesystem::path& directory) {
  policies::PolicyLibraryBuilder builder;
  std::error_code ec;
  if (!std::filesystem::is_directory(directory, ec)) {
    builder.addSourceError(directory.string(), "", "not a directory");
    return builder;
  }
  const schemas::JsonLdExpander expander;
  for (const auto& file : policyFiles(directory)) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in && !in.eof()) {
      builder.addSourceError(file.string(), "", "cannot be read");
      continue;
    }
    auto expanded = expander.expand(text.str());
    if (!expanded) {
      builder.addSourceError(file.string(), expanded.error().key, expanded.error().message);
      continue;
    }
    builder.addDocument(file.string(), expanded.value());
  }
  return builder;
}

std::string policyDirectoryFingerprint(const std::filesystem::path& directory) {
  std::string fingerprint;
  std::error_code ec;
  for (const auto& file : policyFiles(directory)) {
    const auto size = std::filesystem::file_size(file, ec);
    const auto time = std::filesystem::last_write_time(file, ec);
    fingerprint += file.filename().string() + ":" + std::to_string(size) + ":" +
                   std::to_string(time.time_since_epoch().count()) + ";";
  }
  return fingerprint;
}

}  // namespace cxgw::app
