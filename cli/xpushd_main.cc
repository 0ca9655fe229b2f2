// xpushd: the push gateway daemon.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <pthread.h>
#include <csignal>
#include <signal.h>
#include <iostream>

#include "engine/config.h"
#include "module/xpush.h"
#include "push/apns_provider.h"
#include "push/fcm_provider.h"
#include "rules/loader.h"

int main(int argc, char** argv) {
  // Until the engine takes SIGHUP (rules reload), one must not end the process.
  std::signal(SIGHUP, SIG_IGN);
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

  // The engine runs in libxpush.so on a thread of its own, as in any host.
  // SIGINT and SIGTERM are taken here; SIGHUP stays with the engine (rules reload).
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  spdlog::info("xpushd starting: component {} via {}:{}", config.link.session.component_domain,
               config.link.host, config.link.port);
  char error[2048] = "";
  xpush_engine* engine = nullptr;
  const xpush_status opened = xpush_open_file(XPUSH_ABI_VERSION, config_path.c_str(), &engine, error, sizeof error);
  if (opened != XPUSH_OK) {
    spdlog::critical("{}: {}", xpush_status_text(opened), error);
    return 1;
  }
  int signal = 0;
  sigwait(&stop_signals, &signal);
  spdlog::info("signal {}: stopping", signal);
  xpush_close(engine);
  spdlog::info("xpushd stopped");
  return 0;
}
