#pragma once
// Structured logging: one JSON object per line on stdout, written through spdlog.
//
//   {"time":"2026-11-23T07:12:03.481Z","level":"info","msg":"request",
//    "request_id":"…","route":"/healthz","status":200}
//
// Thread-safe. Fields are formatted only when the level is enabled. Call configureLogging()
// once at start-up; before that, messages at info and above go to stdout with the same format.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace cxgw {

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError, kOff };

// "trace", "debug", "info", "warn", "error", "off".
std::string_view logLevelName(LogLevel level);

struct LogField {
  using Value = std::variant<std::string_view, int64_t, uint64_t, double, bool>;

  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, int v) : key(k), value(static_cast<int64_t>(v)) {}
  LogField(std::string_view k, long v) : key(k), value(static_cast<int64_t>(v)) {}
  LogField(std::string_view k, long long v) : key(k), value(static_cast<int64_t>(v)) {}
  LogField(std::string_view k, unsigned v) : key(k), value(static_cast<uint64_t>(v)) {}
  LogField(std::string_view k, unsigned long v) : key(k), value(static_cast<uint64_t>(v)) {}
  LogField(std::string_view k, unsigned long long v) : key(k), value(static_cast<uint64_t>(v)) {}
  LogField(std::string_view k, double v) : key(k), value(v) {}
  LogField(std::string_view k, bool v) : key(k), value(v) {}

  std::string_view key;
  Value value;
};

// Sets the minimum level. Safe to call again (e.g. after a config reload).
void configureLogging(LogLevel level);

bool logEnabled(LogLevel level);

// Formats one log line as JSON (no trailing newline). Exposed for tests.
std::string formatLogLine(LogLevel level, std::string_view message,
                          std::initializer_list<LogField> fields);

void logMessage(LogLevel level, std::string_view message, std::initializer_list<LogField> fields);

inline void logDebug(std::string_view message, std::initializer_list<LogField> fields = {}) {
  logMessage(LogLevel::kDebug, message, fields);
}
inline void logInfo(std::string_view message, std::initializer_list<LogField> fields = {}) {
  logMessage(LogLevel::kInfo, message, fields);
}
inline void logWarn(std::string_view message, std::initializer_list<LogField> fields = {}) {
  logMessage(LogLevel::kWarn, message, fields);
}
inline void logError(std::string_view message, std::initializer_list<LogField> fields = {}) {
  logMessage(LogLevel::kError, message, fields);
}

}  // namespace cxgw
