#pragma once
// A directory under /tmp that is removed, with its contents, when the object goes away.

#include <filesystem>
#include <string>

namespace cxgw::testing {

class TempDirectory {
 public:
  explicit TempDirectory(const std::string& prefix = "cxgw-test");
  ~TempDirectory();
  TempDirectory(const TempDirectory&) = delete;
  TempDirectory& operator=(const TempDirectory&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Writes `content` to path()/name and returns the full path.
  std::filesystem::path write(const std::string& name, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

}  // namespace cxgw::testing
