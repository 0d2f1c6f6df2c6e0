#include "cxgw/core/logging.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <memory>
#include <mutex>

#include "cxgw/core/json_text.hpp"

namespace cxgw {
namespace {

spdlog::level::level_enum toSpdlog(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return spdlog::level::trace;
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarn:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
    case LogLevel::kOff:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

// The process-wide logger. Lines are fully formatted by formatLogLine, so the pattern is the
// bare message; spdlog contributes the thread-safe sink and the level filter.
spdlog::logger& logger() {
  static const std::shared_ptr<spdlog::logger> instance = [] {
    auto sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
    auto created = std::make_shared<spdlog::logger>("cxgw", std::move(sink));
    created->set_pattern("%v");
    created->set_level(spdlog::level::info);
    created->flush_on(spdlog::level::trace);
    return created;
  }();
  return *instance;
}

void appendTimestamp(std::string& out) {
  const auto now = std::chrono::system_clock::now();
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  const size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
  out.append(buffer, n);
  char fraction[8];
  std::snprintf(fraction, sizeof fraction, ".%03dZ", static_cast<int>(millis));
  out += fraction;
}

void appendValue(std::string& out, const LogField::Value& value) {
  struct Visitor {
    std::string& out;
    void operator()(std::string_view v) const { json::appendString(out, v); }
    void operator()(int64_t v) const { out += std::to_string(v); }
    void operator()(uint64_t v) const { out += std::to_string(v); }
    void operator()(double v) const {
      if (!std::isfinite(v)) {
        out += "null";
        return;
      }
      char buffer[32];
      std::snprintf(buffer, sizeof buffer, "%.6g", v);
      out += buffer;
    }
    void operator()(bool v) const { out += v ? "true" : "false"; }
  };
  std::visit(Visitor{out}, value);
}

}  // namespace

std::string_view logLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return "trace";
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
    case LogLevel::kOff:
      return "off";
  }
  return "info";
}

void configureLogging(LogLevel level) {
  logger().set_level(toSpdlog(level));
}

bool logEnabled(LogLevel level) {
  return logger().should_log(toSpdlog(level));
}

std::string formatLogLine(LogLevel level, std::string_view message,
                          std::initializer_list<LogField> fields) {
  std::string line;
  line.reserve(128);
  line += "{\"time\":\"";
  appendTimestamp(line);
  line += "\",\"level\":\"";
  line += logLevelName(level);
  line += "\",\"msg\":";
  json::appendString(line, message);
  for (const LogField& field : fields) {
    line.push_back(',');
    json::appendString(line, field.key);
    line.push_back(':');
    appendValue(line, field.value);
  }
  line.push_back('}');
  return line;
}

void logMessage(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
  if (level == LogLevel::kOff || !logEnabled(level)) return;
  logger().log(toSpdlog(level), formatLogLine(level, message, fields));
}

}  // namespace cxgw
