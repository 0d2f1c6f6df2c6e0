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
      "Write a development CA, a localhost server certificate, client certificates and an EDR "
      "token signing key");
  dev_certs->add_option("DIR", certs_dir, "Directory to write the PEM files to")->required();
  dev_certs->add_option("--client-bpn", client_bpns, "BPN of a client certificate (repeatable)")
      ->capture_default_str();
  std::string server_bpn;
  dev_certs->add_option("--server-bpn", server_bpn,
                        "The gateway's own BPNL, named in the server certificate (SAN "
                        "urn:bpn:…) so that other gateways know it");
  dev_certs->add_option("--days", days, "Validity in days")
      ->check(CLI::Range(1, 3650))
      ->capture_default_str();

  std::string audit_config;
  cxgw::app::AuditQueryArguments audit_query_arguments;
  auto* audit = cli.add_subcommand(
      "audit", "Check and search the tamper-evident audit trail (needs the PostgreSQL store)");
  audit->require_subcommand(1);
  auto* audit_verify = audit->add_subcommand(
      "verify",
      "Check the hash chain of every audit record against the head; exit 1 naming the first "
      "broken record");
  audit_verify->add_option("-c,--config", audit_config, "Gateway YAML config file")->required();
  auto* audit_query =
      audit->add_subcommand("query",
                            "Print the audit records that match every filter given, "
                            "oldest first");
  audit_query->add_option("-c,--config", audit_config, "Gateway YAML config file")->required();
  audit_query->add_option("--partner", audit_query_arguments.partner, "Partner BPN or DID")
      ->type_name("BPN|DID");
  audit_query->add_option("--asset", audit_query_arguments.asset, "Asset id or twin id")
      ->type_name("ID");
  audit_query->add_option("--decision", audit_query_arguments.decision, "Only allow or only deny")
      ->type_name("allow|deny");
  audit_query
      ->add_option("--since", audit_query_arguments.since,
                   "From this time on (RFC 3339, or a date: midnight UTC)")
      ->type_name("TIME");
  audit_query
      ->add_option("--until", audit_query_arguments.until,
                   "Before this time (RFC 3339, or a date: midnight UTC)")
      ->type_name("TIME");
  audit_query->add_option("--limit", audit_query_arguments.limit, "At most N records")
      ->type_name("N")
      ->capture_default_str();
  audit_query->add_option("--format", audit_query_arguments.format, "Output format")
      ->type_name("table|json|csv")
      ->capture_default_str();

  auto* policy = cli.add_subcommand(
      "policy", "Read, check and compare the policy library (ODRL policies, contract definitions)");
  policy->require_subcommand(1);
  std::string policy_dir;
  std::string policy_dir_b;
  std::string policy_subject;
  std::string partner_profile;
  std::string policy_asset;
  std::string policy_at;
  auto* policy_lint = policy->add_subcommand(
      "lint", "Validate a policy library directory; exit 1 naming file and location of each error");
  policy_lint->add_option("DIR", policy_dir, "Policy library directory")->required();
  auto* policy_explain =
      policy->add_subcommand("explain", "Render a policy as plain-language sentences");
  policy_explain
      ->add_option("FILE_OR_ID", policy_subject, "A policy file, or a policy id of --policies")
      ->required();
  policy_explain->add_option("--policies", policy_dir,
                             "Policy library directory (to explain by id)");
  auto* policy_test = policy->add_subcommand(
      "test", "What can a partner see and agree to, and why, under the policy library");
  policy_test->add_option("--partner", partner_profile, "Partner profile YAML (BPN, credentials)")
      ->required();
  policy_test->add_option("--policies", policy_dir, "Policy library directory")->required();
  policy_test->add_option("--asset", policy_asset,
                          "Only contract definitions selecting this asset id");
  policy_test->add_option("--at", policy_at,
                          "Evaluate at this time (RFC 3339 or date; default now)");
  auto* policy_diff = policy->add_subcommand(
      "diff", "Added, removed and changed rules between two libraries, in words");
  policy_diff->add_option("DIR_A", policy_dir, "The library before")->required();
  policy_diff->add_option("DIR_B", policy_dir_b, "The library after")->required();

  cxgw::app::FetchArguments fetch_arguments;
  auto* fetch = cli.add_subcommand(
      "fetch",
      "Act as a DSP consumer: catalog, contract negotiation and transfer against a provider, "
      "reusing a valid agreement and EDR; then GET the --twin's aspect payload with the EDR and "
      "print it, or without --twin print the Endpoint Data Reference as JSON. With --part, look "
      "the part up in the provider's twin registry and fetch each of its submodels. With "
      "--changes, print the aspect's change feed (and --follow it)");
  fetch
      ->add_option("-c,--config", fetch_arguments.config_file,
                   "Gateway YAML config (its certificate, dsp.public_url for the answers, "
                   "partner registry and store)")
      ->required();
  fetch
      ->add_option("--provider", fetch_arguments.provider_url,
                   "The provider's DSP URL, e.g. https://supplier.example/api/v1/dsp/2025-1")
      ->required();
  fetch
      ->add_option("--provider-bpn", fetch_arguments.provider_bpn,
                   "The provider's BPNL, as its catalog and certificate must name it")
      ->required();
  auto* fetch_asset =
      fetch->add_option("--asset", fetch_arguments.asset_id, "The asset id of the catalog");
  auto* fetch_part = fetch->add_option(
      "--part", fetch_arguments.part,
      "name=value of a specific asset id, e.g. partInstanceId=SN-2: find the part in the "
      "provider's twin registry and print its shell descriptors with each submodel's payload");
  fetch_asset->excludes(fetch_part);
  fetch_part->excludes(fetch_asset);
  fetch->add_option("--dsp-version", fetch_arguments.dsp_version, "Wire format of --provider")
      ->type_name("2025-1|v0.8")
      ->capture_default_str();
  auto* fetch_twin =
      fetch->add_option("--twin", fetch_arguments.twin_id,
                        "Global asset id of a twin: print its payload of the --asset aspect model");
  auto* fetch_changes = fetch->add_flag(
      "--changes", fetch_arguments.changes,
      "Print the change feed of the --asset aspect model, one change per line (JSON), from "
      "--since or from the beginning (every aspect we may see once, then what changed)");
  fetch
      ->add_option("--since", fetch_arguments.since,
                   "With --changes: the cursor of the last change already seen")
      ->needs(fetch_changes);
  fetch
      ->add_option("--follow", fetch_arguments.follow_seconds,
                   "With --changes: then keep the stream open for up to SECONDS and print "
                   "changes as they happen")
      ->needs(fetch_changes)
      ->check(CLI::Range(1, 86400));
  fetch
      ->add_option("--max-changes", fetch_arguments.max_changes,
                   "With --follow: stop after this many changes have arrived on the stream")
      ->needs(fetch_changes);
  fetch_changes->excludes(fetch_part);
  fetch_changes->excludes(fetch_twin);
  fetch->add_flag("-v,--verbose", fetch_arguments.verbose, "Print each step with its latency");

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
  if (*dev_certs) return cxgw::app::runDevCerts(certs_dir, client_bpns, server_bpn, days);
  if (*policy_lint) return cxgw::app::runPolicyLint(policy_dir);
  if (*policy_explain) return cxgw::app::runPolicyExplain(policy_subject, policy_dir);
  if (*policy_test) {
    return cxgw::app::runPolicyTest(partner_profile, policy_asset, policy_dir, policy_at);
  }
  if (*policy_diff) return cxgw::app::runPolicyDiff(policy_dir, policy_dir_b);
  if (*audit_verify) return cxgw::app::runAuditVerify(audit_config);
  if (*audit_query) return cxgw::app::runAuditQuery(audit_config, audit_query_arguments);
  if (*fetch) return cxgw::app::runFetch(fetch_arguments);
  return 2;
}
