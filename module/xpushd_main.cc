// xpushd: the push gateway daemon.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <iostream>

#include "module/config.h"
#include "module/engine.h"
#include "push/apns_provider.h"
#include "push/fcm_provider.h"
#include "rules/loader.h"

int main(int argc, char** argv) {
  CLI::App cli{"xpushd: wakes phones for offline XMPP users through APNs and FCM"};
  std::string config_path = "/etc/xpush/xpush.yaml";
  bool check_only = false;
  cli.add_option("-c,--config", config_path, "configuration file")->capture_default_str();
  cli.add_flag("--check-config", check_only, "validate the configuration and exit");
  CLI11_PARSE(cli, argc, argv);

  xpush::Config config;
  try {
    config = xpush::load_config_file(config_path);
  } catch (const xpush::ConfigError& e) {
    std::cerr << "xpushd: " << e.what() << "\n";
    return 2;
  }
  if (check_only) {
    // Also load what the file points at: keys and certificates.
    try {
      boost::asio::io_context scratch;
      const auto now = [] { return std::chrono::system_clock::now(); };
      if (config.push_provider == "direct" && !config.apns.apps.empty()) {
        xpush::push::ApnsProvider probe{scratch.get_executor(), config.apns, now};
      }
      if (config.push_provider == "direct" && !config.fcm.apps.empty()) {
        xpush::push::FcmProvider probe{scratch.get_executor(), config.fcm, now};
      }
    } catch (const std::exception& e) {
      std::cerr << "xpushd: " << config_path << ": " << e.what() << "\n";
      return 2;
    }
    if (!config.rules_path.empty()) {
      const auto rules = xpush::rules::load_rules_file(config.rules_path);
      if (!rules) {
        for (const auto& e : rules.error()) std::cerr << "xpushd: " << e << "\n";
        return 2;
      }
    }
    std::cout << config_path << ": ok\n";
    return 0;
  }

  auto logger = spdlog::stderr_color_mt("xpushd");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");

  try {
    xpush::Engine engine{config};
    boost::asio::signal_set signals{engine.context(), SIGINT, SIGTERM};
    signals.async_wait([&](boost::system::error_code ec, int signal) {
      if (ec) return;
      spdlog::info("signal {}: stopping", signal);
      engine.stop();
    });
    std::signal(SIGPIPE, SIG_IGN);
    spdlog::info("xpushd starting: component {} via {}:{}", config.link.session.component_domain,
                 config.link.host, config.link.port);
    engine.run();
    spdlog::info("xpushd stopped");
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
  return 0;
}
