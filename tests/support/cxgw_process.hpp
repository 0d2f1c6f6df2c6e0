#pragma once
// The cxgw executable as the end-to-end tests run it: one place that spawns it, runs a command
// to its end, and waits for a JSON log line of a long-running `cxgw serve`.
//
// The executable is the build's own cxgw (CXGW_BINARY_PATH, set on the test support library).
// Waits are bounds that stop a hang; they never measure speed.

#include <rapidjson/document.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "support/child_process.hpp"

namespace cxgw::testing {

inline constexpr std::chrono::seconds kCxgwWait{60};

// Starts cxgw with `arguments`; null (and a test failure) when it cannot be spawned.
std::unique_ptr<ChildProcess> startCxgw(
    std::vector<std::string> arguments,
    std::vector<std::pair<std::string, std::string>> environment = {});

struct CxgwRun {
  int exit_code = -1;  // -1: it did not end within the wait
  std::string output;  // stdout and stderr
};

// Runs cxgw to its end.
CxgwRun runCxgw(std::vector<std::string> arguments,
                std::vector<std::pair<std::string, std::string>> environment = {},
                std::chrono::milliseconds wait = kCxgwWait);

// Reads JSON log lines until one has "msg" == `message`; returns it, or (after a test failure)
// an empty document.
rapidjson::Document awaitLogLine(ChildProcess& child, const std::string& message,
                                 std::chrono::milliseconds wait = kCxgwWait);

}  // namespace cxgw::testing
