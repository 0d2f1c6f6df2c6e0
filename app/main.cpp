#include <CLI/CLI.hpp>
#include <iostream>

#include "commands.hpp"
#include "cxgw/core/version.hpp"

int main(int argc, char** argv) {
  CLI::App cli{
      "cxgw - Catena-X supplier data-connector gateway.\n"
      "Serves ERP production and quality data to Catena-X partners over HTTPS.",
      "cxgw"};
  cli.require_subcommand(1);
  cli.footer(
      "Every config key can be overridden by an environment variable: CXGW_ + the key path in\n"
      "upper case with '__' between segments, e.g. server.port <- CXGW_SERVER__PORT.\n"
      "Exit codes: 0 success, 1 runtime failure, 2 bad usage or configuration.");

  auto* version = cli.add_subcommand("version", "Print the version");

  std::string serve_config;
  auto* serve = cli.add_subcommand("serve", "Run the HTTPS gateway until SIGTERM or SIGINT");
  serve->add_option("-c,--config", serve_config, "Gateway YAML config file")->required();

  auto* config = cli.add_subcommand("config", "Inspect configuration");
  config->require_subcommand(1);
  std::string check_file;
  auto* check = config->add_subcommand(
      "check", "Validate a config file and print the effective configuration, secrets masked");
  check->add_option("FILE", check_file, "Gateway YAML config file")->required();
  auto* keys =
      config->add_subcommand("keys", "List every config key with its type and env variable");

  std::string sync_config;
  bool sync_full = false;
  bool sync_report = false;
  auto* sync =
      cli.add_subcommand("sync", "Sync every ERP mapping of the config into the store once");
  sync->add_option("-c,--config", sync_config, "Gateway YAML config file")->required();
  sync->add_flag("--full", sync_full, "Ignore watermarks and read every row again");
  sync->add_flag("--report", sync_report, "Print the quarantine: rows not served, and why");

  auto* mapping = cli.add_subcommand("mapping", "Work with ERP mapping files");
  mapping->require_subcommand(1);
  std::string mapping_file;
  std::string mapping_config;
  auto* mapping_check = mapping->add_subcommand(
      "check", "Check a mapping against the live ERP database and the aspect schemas");
  mapping_check->add_option("FILE", mapping_file, "Mapping YAML file")->required();
  mapping_check->add_option("-c,--config", mapping_config, "Gateway YAML config file")->required();

  std::string certs_dir;
  std::vector<std::string> client_bpns{"BPNL000000000OEM"};
  int days = 30;
  auto* dev_certs = cli.add_subcommand(
      "dev-certs",
      "Write a development CA, a localhost server certificate and client certificates");
  dev_certs->add_option("DIR", certs_dir, "Directory to write the PEM files to")->required();
  dev_certs->add_option("--client-bpn", client_bpns, "BPN of a client certificate (repeatable)")
      ->capture_default_str();
  dev_certs->add_option("--days", days, "Validity in days")
      ->check(CLI::Range(1, 3650))
      ->capture_default_str();

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = cli.exit(e);
    return code == 0 ? 0 : 2;
  }

  if (*version) {
    std::cout << "cxgw " << cxgw::versionString() << "\n";
    return 0;
  }
  if (*serve) return cxgw::app::runServe(serve_config);
  if (*check) return cxgw::app::runConfigCheck(check_file);
  if (*keys) return cxgw::app::runConfigKeys();
  if (*sync) return cxgw::app::runSync(sync_config, sync_full, sync_report);
  if (*mapping_check) return cxgw::app::runMappingCheck(mapping_file, mapping_config);
  if (*dev_certs) return cxgw::app::runDevCerts(certs_dir, client_bpns, days);
  return 2;
}
