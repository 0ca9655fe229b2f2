// xpushd: the push gateway daemon.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <signal.h>
#include <string>
#include <vector>

#include "engine/config.h"
#include "module/xpush.h"
#include "push/apns_provider.h"
#include "push/fcm_provider.h"
#include "rules/loader.h"

extern char** environ;

namespace {

// Names the descriptors that carry the component link across exec().
constexpr const char* kHandoverVariable = "XPUSH_LINK_HANDOVER";

// The path this binary was started from, read before a package upgrade can
// replace it: a restart in place runs whatever is installed there now.
std::string own_path() {
  char path[PATH_MAX];
  const auto n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return {};
  return std::string{path, static_cast<std::size_t>(n)};
}

// Runs `<binary> --config <path> --check-config` and says whether it passed;
// its complaints go to our stderr (the journal).
bool new_binary_accepts_config(const std::string& binary, const std::string& config_path) {
  std::vector<std::string> args{binary, "--config", config_path, "--check-config"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t child = 0;
  if (posix_spawn(&child, binary.c_str(), nullptr, nullptr, argv.data(), environ) != 0) return false;
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Everything but stdio and the two handed-over descriptors closes on exec.
void close_on_exec_all_but(int keep_a, int keep_b) {
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return;
  const int own = ::dirfd(dir);
  while (const dirent* entry = ::readdir(dir)) {
    const int fd = std::atoi(entry->d_name);
    if (fd <= 2 || fd == own || fd == keep_a || fd == keep_b) continue;
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  ::closedir(dir);
}

// The link's descriptors as the previous process left them, if it did.
std::pair<int, int> inherited_link() {
  const char* value = std::getenv(kHandoverVariable);
  if (!value) return {-1, -1};
  int link_fd = -1, state_fd = -1;
  if (std::sscanf(value, "%d %d", &link_fd, &state_fd) != 2) link_fd = state_fd = -1;
  ::unsetenv(kHandoverVariable);
  return {link_fd, state_fd};
}

}  // namespace

int main(int argc, char** argv) {
  const std::string binary = own_path();
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
  // SIGINT and SIGTERM stop, SIGUSR2 restarts in place (both taken here);
  // SIGHUP stays with the engine (rules reload).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGUSR2);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  spdlog::info("xpushd starting: component {} via {}:{}", config.link.session.component_domain,
               config.link.host, config.link.port);
  char error[2048] = "";
  xpush_engine* engine = nullptr;
  auto [link_fd, state_fd] = inherited_link();
  xpush_status opened = xpush_open_file_handed_over(XPUSH_ABI_VERSION, config_path.c_str(), link_fd, state_fd,
                                                    &engine, error, sizeof error);
  if (opened != XPUSH_OK) {
    spdlog::critical("{}: {}", xpush_status_text(opened), error);
    return 1;
  }
  for (;;) {
    int signal = 0;
    sigwait(&signals, &signal);
    if (signal != SIGUSR2) {
      spdlog::info("signal {}: stopping", signal);
      break;
    }
    // Restart in place (docs/component.md#restarts): same PID, the
    // component stream kept open, the binary and configuration reread.
    if (binary.empty() || !new_binary_accepts_config(binary, config_path)) {
      spdlog::error("restart refused: {} --check-config failed (see above); still running", binary);
      continue;
    }
    spdlog::info("signal {}: restarting in place, handing the component stream over", signal);
    xpush_close_handing_over(engine, &link_fd, &state_fd);
    const std::string fds = std::to_string(link_fd) + " " + std::to_string(state_fd);
    if (link_fd >= 0) ::setenv(kHandoverVariable, fds.c_str(), 1);
    close_on_exec_all_but(link_fd, state_fd);
    spdlog::default_logger()->flush();
    ::execv(binary.c_str(), argv);
    spdlog::error("restart: exec {} failed: {}; carrying on in this process", binary, std::strerror(errno));
    ::unsetenv(kHandoverVariable);
    opened = xpush_open_file_handed_over(XPUSH_ABI_VERSION, config_path.c_str(), link_fd, state_fd, &engine,
                                         error, sizeof error);
    if (opened != XPUSH_OK) {
      spdlog::critical("{}: {}", xpush_status_text(opened), error);
      return 1;
    }
  }
  xpush_close(engine);
  spdlog::info("xpushd stopped");
  return 0;
}
