#include <unistd.h>

#include <cstdio>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

#include "commands.hpp"
#include "component_wiring.hpp"
#include "cxgw/adapters/sync_engine.hpp"

namespace cxgw::app {
namespace {

std::string rate(uint64_t rows, double seconds) {
  if (seconds <= 0) return "-";
  std::ostringstream out;
  out << std::fixed << std::setprecision(0) << static_cast<double>(rows) / seconds;
  return out.str();
}

// On a terminal: one line redrawn in place, with a bar when the total is known. Otherwise a
// plain line every few seconds, for logs.
class ProgressPrinter {
 public:
  explicit ProgressPrinter(bool terminal) : terminal_(terminal) {}

  void operator()(const adapters::SyncProgress& p) {
    const double seconds = p.elapsed.count();
    if (terminal_) {
      std::ostringstream line;
      line << "\r  " << std::left << std::setw(22) << p.stream << " ";
      if (p.total && *p.total > 0) {
        const double done =
            std::min(1.0, static_cast<double>(p.rows) / static_cast<double>(*p.total));
        const int filled = static_cast<int>(done * 24);
        line << "[" << std::string(static_cast<size_t>(filled), '#')
             << std::string(static_cast<size_t>(24 - filled), '.') << "] ";
      }
      line << p.rows << (p.total ? "/" + std::to_string(*p.total) : "") << " rows  "
           << rate(p.rows, seconds) << " rows/s";
      if (p.total && p.rows > 0 && p.rows < *p.total) {
        const double eta =
            seconds * static_cast<double>(*p.total - p.rows) / static_cast<double>(p.rows);
        line << "  ETA " << static_cast<int>(eta) << " s";
      }
      std::cout << line.str() << "\033[K" << (p.finished ? "\n" : "") << std::flush;
      return;
    }
    if (p.finished || seconds - last_printed_ >= 5.0) {
      last_printed_ = p.finished ? 0.0 : seconds;
      std::cout << "  " << p.stream << ": " << p.rows << " rows, " << rate(p.rows, seconds)
                << " rows/s" << (p.finished ? ", done" : "") << "\n"
                << std::flush;
    }
  }

 private:
  const bool terminal_;
  double last_printed_ = 0;
};

// A summary by stream and field (with one example reason each), then every row.
void printQuarantine(store::StateStore& store) {
  auto entries = store.quarantine("");
  if (!entries) {
    std::cerr << "cxgw: cannot read the quarantine: " << entries.error().describe() << "\n";
    return;
  }
  std::cout << "\nquarantine: " << entries.value().size() << " rows, not served until fixed\n";
  std::map<std::pair<std::string, std::string>, std::pair<size_t, std::string>> summary;
  for (const auto& e : entries.value()) {
    auto& slot = summary[{e.source + " / " + e.stream, e.entry.field}];
    if (slot.first++ == 0) slot.second = e.entry.reason;
  }
  for (const auto& [where, what] : summary) {
    std::cout << "  " << std::setw(6) << std::right << what.first << "  " << where.first << "  "
              << (where.second.empty() ? "(payload)" : where.second) << "\n"
              << "          e.g. " << what.second << "\n";
  }
  std::cout << "\nrows:\n";
  for (const auto& e : entries.value()) {
    std::cout << "  " << e.source << " / " << e.stream << " / " << e.entry.row_key << ": "
              << (e.entry.field.empty() ? "(payload)" : e.entry.field) << ": " << e.entry.reason
              << " (seen " << e.occurrences << "x)\n";
  }
}

}  // namespace

int runSync(const std::filesystem::path& config_file, bool full, bool report) {
  const auto config = loadConfigOrReport(config_file);
  if (!config) return 2;
  if (config->sync.mappings.empty()) {
    std::cerr << "cxgw: sync.mappings in " << config_file.string() << " names no mapping file\n";
    return 2;
  }
  auto mappings = loadConfiguredMappings(*config);
  if (!mappings) {
    std::cerr << "cxgw: mapping error: " << mappings.error().describe() << "\n";
    return 2;
  }
  auto schemas = loadConfiguredSchemas(*config);
  if (!schemas) {
    std::cerr << "cxgw: schema error: " << schemas.error().describe() << "\n";
    return 2;
  }
  auto store = openConfiguredStore(*config, kSyncRememberedTwins);
  if (!store) {
    std::cerr << "cxgw: store: " << store.error().describe() << "\n";
    return 1;
  }
  const bool terminal = isatty(STDOUT_FILENO) != 0;
  int exit_code = 0;
  for (const adapters::Mapping& mapping : mappings.value()) {
    std::cout << "sync " << mapping.source.name << " (" << mapping.file.string() << ")"
              << (full ? ", full" : "") << "\n";
    auto source = adapters::connectPostgresSource(mapping.source, processEnvironment());
    if (!source) {
      std::cerr << "cxgw: " << mapping.source.name << ": " << source.error().describe() << "\n";
      exit_code = 1;
      continue;
    }
    // Two more connections start the next two streams' queries ahead.
    const auto lookahead = adapters::connectReadAhead(mapping.source, processEnvironment(),
                                                      adapters::kReadAheadConnections);
    adapters::SyncEngine engine(mapping, *source.value(), *store.value(), schemas.value(),
                                config->supplier.bpnl, lookahead);
    ProgressPrinter progress(terminal);
    auto result = engine.run(adapters::SyncOptions{full, terminal, std::ref(progress)});
    if (!result) {
      std::cerr << "cxgw: " << mapping.source.name << ": " << result.error().describe() << "\n";
      exit_code = 1;
      continue;
    }
    for (const auto& s : result.value().streams) {
      std::cout << "  " << std::left << std::setw(22) << s.stream << " " << s.rows << " rows in "
                << std::fixed << std::setprecision(1) << s.elapsed.count() << " s: " << s.twins
                << " twins, " << s.aspects_changed << " aspects changed, " << s.aspects_unchanged
                << " unchanged, " << s.withdrawn << " withdrawn, " << s.quarantined
                << " quarantined\n";
    }
  }
  if (auto counts = store.value()->counts(); counts) {
    std::cout << "store: " << counts.value().twins << " twins, " << counts.value().aspects
              << " aspects, " << counts.value().quarantined_rows << " quarantined rows\n";
  }
  if (report) printQuarantine(*store.value());
  return exit_code;
}

}  // namespace cxgw::app
