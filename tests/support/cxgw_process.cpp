#include "support/cxgw_process.hpp"

#include <gtest/gtest.h>

namespace cxgw::testing {

std::unique_ptr<ChildProcess> startCxgw(
    std::vector<std::string> arguments,
    std::vector<std::pair<std::string, std::string>> environment) {
  SpawnOptions options;
  options.argv = {CXGW_BINARY_PATH};
  options.argv.insert(options.argv.end(), arguments.begin(), arguments.end());
  options.environment = std::move(environment);
  auto child = ChildProcess::spawn(options);
  EXPECT_TRUE(child.ok()) << child.error().describe();
  return child.ok() ? std::move(child).value() : nullptr;
}

CxgwRun runCxgw(std::vector<std::string> arguments,
                std::vector<std::pair<std::string, std::string>> environment,
                std::chrono::milliseconds wait) {
  auto child = startCxgw(std::move(arguments), std::move(environment));
  if (!child) return {};
  CxgwRun run;
  run.output = child->readAll(wait);
  run.exit_code = child->waitFor(wait).value_or(-1);
  return run;
}

rapidjson::Document awaitLogLine(ChildProcess& child, const std::string& message,
                                 std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto line = child.readLine(std::chrono::seconds(1));
    if (!line) continue;
    rapidjson::Document document;
    document.Parse(line->c_str());
    if (!document.HasParseError() && document.IsObject() && document.HasMember("msg") &&
        document["msg"].IsString() && message == document["msg"].GetString()) {
      return document;
    }
  }
  ADD_FAILURE() << "no log line '" << message << "' within " << wait.count() << " ms";
  return {};
}

}  // namespace cxgw::testing
