// xpushctl: operator commands that read xpushd's store.
#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <chrono>
#include <ctime>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "base/read_file.h"
#include "cli/common.h"
#include "cli/devices.h"
#include "cli/doctor.h"
#include "base/sanitize.h"
#include "interceptor/jid.h"
#include "interceptor/push_publish.h"
#include "interceptor/xml_stream.h"
#include "engine/config.h"
#include "engine/rules_dry_run.h"
#include "push/vapid.h"
#include "push/vendor_api.h"
#include "rules/loader.h"
#include "store/open_store.h"

namespace {

using xpush::cli::iso_time;

std::unique_ptr<xpush::store::Store> open_store(const std::string& config_path) {
  return xpush::cli::open_configured_store(config_path);
}

int outbox(const std::string& config_path, bool as_json, std::size_t limit) {
  auto store = open_store(config_path);
  const auto counts = store->outbox_counts();
  const auto dead = store->dead_letters(limit);
  if (!counts || !dead) {
    std::cerr << "xpushctl: " << (!counts ? counts.error().message : dead.error().message) << "\n";
    return 1;
  }
  if (!as_json) {
    std::cout << "pending " << counts->pending << "\ndead " << counts->dead << "\n";
  }
  for (const auto& e : *dead) {
    if (as_json) {
      std::cout << nlohmann::json{{"id", e.id},           {"node", e.node},
                                  {"domain", e.domain},   {"attempts", e.attempts},
                                  {"created", iso_time(e.created_ms)},
                                  {"reason", e.last_reason}}
                       .dump()
                << "\n";
    } else {
      std::cout << "dead-letter " << e.id << " node=" << e.node << " attempts=" << e.attempts
                << " created=" << iso_time(e.created_ms) << " reason=\"" << e.last_reason << "\"\n";
    }
  }
  return 0;
}

// stdin -> stdout; what changed, and where, to stderr.
int sanitize_stdin(bool report, bool drop, bool strip_discouraged) {
  std::string input{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
  std::vector<xpush::base::SanitizeChange> changes;
  const xpush::base::SanitizeOptions options{
      .forbidden = drop ? xpush::base::Forbidden::kDrop : xpush::base::Forbidden::kReplace,
      .discouraged = strip_discouraged ? xpush::base::DiscouragedChars::kStrip
                                       : xpush::base::DiscouragedChars::kKeep};
  std::cout << xpush::base::sanitize(input, options, report ? &changes : nullptr);
  for (const auto& c : changes) std::cerr << "byte " << c.offset << ": " << c.what << "\n";
  if (report) std::cerr << changes.size() << " change(s)\n";
  return 0;
}

nlohmann::json message_json(const xpush::store::OfflineMessage& m) {
  return {{"id", m.id},           {"account", m.account}, {"domain", m.domain},
          {"sender", m.sender},   {"message_id", m.message_id}, {"source", m.source},
          {"received", iso_time(m.received_ms)}, {"content", m.content}};
}

// `list` shows the newest `limit`; `export` writes every message, newest
// first, as JSON lines.
int messages(const std::string& config_path, const std::string& action, const std::string& account,
             std::size_t limit, const std::string& reason) {
  auto store = open_store(config_path);
  const auto fail = [](const xpush::store::StoreError& e) {
    std::cerr << "xpushctl: " << e.message << "\n";
    return 1;
  };
  if (action == "count") {
    auto n = store->count_messages(account);
    if (!n) return fail(n.error());
    std::cout << *n << "\n";
  } else if (action == "unread") {
    auto n = store->unread_count(account);
    if (!n) return fail(n.error());
    std::cout << *n << "\n";
  } else if (action == "read") {
    auto n = store->mark_read(account);
    if (!n) return fail(n.error());
    std::cout << "marked " << *n << " message(s) of " << account << " read; the badge starts from zero\n";
  } else if (action == "erase") {
    auto n = store->erase_messages(account);
    if (!n) return fail(n.error());
    std::cout << "erased " << *n << " message(s) of " << account << "\n";
  } else if (action == "hold") {
    if (auto r = store->hold_messages(account, reason); !r) return fail(r.error());
    std::cout << "legal hold on " << account << ": retention purges skip it\n";
  } else if (action == "release") {
    auto r = store->release_messages(account);
    if (!r) return fail(r.error());
    std::cout << (*r ? "released " : "no hold on ") << account << "\n";
  } else {
    const bool all = action == "export";
    std::int64_t before = 0;
    do {
      auto page = store->messages_of(account, all ? 500 : limit, before);
      if (!page) return fail(page.error());
      for (const auto& m : *page) {
        if (all) {
          std::cout << message_json(m).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
        } else {
          std::cout << m.id << " " << iso_time(m.received_ms) << " " << m.source << " from="
                    << (m.sender.empty() ? "-" : m.sender) << " " << m.content.size() << " bytes\n";
        }
      }
      if (!all || page->size() < 500) break;
      before = page->back().id;
    } while (true);
  }
  return 0;
}

// Exit 0 when the file loads, 1 with every error otherwise.
int rules_check(const std::string& path) {
  const auto loaded = xpush::rules::load_rules_file(path);
  if (!loaded) {
    for (const auto& e : loaded.error()) std::cerr << e << "\n";
    std::cerr << loaded.error().size() << " error(s)\n";
    return 1;
  }
  std::cout << path << ": ok, " << (*loaded)->size() << " rules\n";
  return 0;
}

struct RulesTestInput {
  std::string stanza_file;
  std::string publish_file;
  std::string recipient;
  std::string at;  // ISO 8601 UTC, e.g. 2026-11-22T23:30:00Z
  std::string platform = "both";
  xpush::DryRunOptions dry_run;
};

tl::expected<xpush::interceptor::OfflineEvent, std::string> event_from(const RulesTestInput& in) {
  using namespace xpush::interceptor;
  const bool is_stanza = !in.stanza_file.empty();
  auto element = parse_stanza_text(xpush::base::read_file(is_stanza ? in.stanza_file : in.publish_file,
                                                          is_stanza ? "stanza" : "publish"));
  if (!element) return tl::unexpected((is_stanza ? in.stanza_file : in.publish_file) + ": " + element.error());
  OfflineEvent event;
  event.recipient = in.recipient;
  if (is_stanza) {
    event.source = EventSource::kForwardedStanza;
    if (event.recipient.empty()) {
      if (auto to = Jid::parse(element->attr_or("to"))) event.recipient = to->bare();
    }
    event.stanza = std::move(*element);
    return event;
  }
  auto publish = parse_publish(*element);
  if (!publish) return tl::unexpected(in.publish_file + ": " + publish.error());
  event.summary = publish->summary;
  event.node = publish->node;
  return event;
}

std::optional<std::chrono::system_clock::time_point> parse_utc(const std::string& text) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!end || (*end != '\0' && std::string_view{end} != "Z")) return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

int rules_test(const std::string& path, RulesTestInput in) {
  const auto loaded = xpush::rules::load_rules_file(path);
  if (!loaded) {
    for (const auto& e : loaded.error()) std::cerr << e << "\n";
    return 1;
  }
  auto event = event_from(in);
  if (!event) {
    std::cerr << "xpushctl: " << event.error() << "\n";
    return 1;
  }
  in.dry_run.now = std::chrono::system_clock::now();
  if (!in.at.empty()) {
    const auto at = parse_utc(in.at);
    if (!at) {
      std::cerr << "xpushctl: --at wants a UTC time such as 2026-11-22T23:30:00Z\n";
      return 2;
    }
    in.dry_run.now = *at;
  }
  in.dry_run.apns = in.platform == "apns" || in.platform == "both" || in.platform == "all";
  in.dry_run.fcm = in.platform == "fcm" || in.platform == "both" || in.platform == "all";
  in.dry_run.webpush = in.platform == "webpush" || in.platform == "all";
  in.dry_run.webhook = in.platform == "webhook" || in.platform == "all";
  for (const auto p : xpush::push::kAllPlatforms) {
    const auto name = xpush::push::to_string(p);
    if (xpush::push::is_vendor(p) && (in.platform == name || in.platform == "vendors" || in.platform == "all")) {
      in.dry_run.vendors.push_back(p);
    }
  }
  event->received_at = in.dry_run.now;
  std::cout << xpush::describe_decision((*loaded)->evaluate(*event, in.dry_run.now), in.dry_run);
  return 0;
}

// A fresh VAPID key, readable by its owner only; never over an existing file.
int webpush_keygen(const std::string& out) {
  auto pem = xpush::push::generate_vapid_key_pem();
  if (!pem) {
    std::cerr << "xpushctl: " << pem.error() << "\n";
    return 1;
  }
  const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::cerr << "xpushctl: cannot create " << out << ": " << std::strerror(errno)
              << (errno == EEXIST ? " (a key in use is never replaced; remove it first if you mean to)" : "") << "\n";
    return 1;
  }
  const bool written = ::write(fd, pem->data(), pem->size()) == static_cast<ssize_t>(pem->size());
  ::close(fd);
  if (!written) {
    std::cerr << "xpushctl: cannot write " << out << "\n";
    return 1;
  }
  const auto vapid = xpush::push::Vapid::create(*pem, "mailto:unused@example.org");
  std::cout << "wrote " << out << " (mode 0600)\n"
            << "public key (applicationServerKey): " << vapid->public_key() << "\n"
            << "in xpush.yaml:\n  push:\n    webpush:\n      vapid: { key_file: " << out
            << ", subject: \"mailto:you@example.org\" }\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"xpushctl: look into a running xpush"};
  cli.require_subcommand(1);
  std::string config_path = "/etc/xpush/xpush.yaml";
  cli.add_option("-c,--config", config_path, "xpushd's configuration file")->capture_default_str();

  auto* outbox_cmd = cli.add_subcommand("outbox", "notifications waiting, and dead letters with their last reason");
  bool as_json = false;
  std::size_t limit = 100;
  outbox_cmd->add_flag("--json", as_json, "one JSON object per dead letter");
  outbox_cmd->add_option("--limit", limit, "dead letters to list")->capture_default_str();
  auto* sanitize_cmd = cli.add_subcommand(
      "sanitize", "make stdin valid UTF-8 of XML characters (U+FFFD for the rest) on stdout");
  bool report = false, drop = false, strip = false;
  sanitize_cmd->add_flag("--report", report, "list what changed, with byte offsets, on stderr");
  sanitize_cmd->add_flag("--drop", drop, "remove forbidden characters instead of replacing them");
  sanitize_cmd->add_flag("--strip-discouraged", strip, "also remove what XML 1.0 discourages");
  auto* rules_cmd = cli.add_subcommand("rules", "check a rules file, or show what a message would become");
  rules_cmd->require_subcommand(1);
  std::string rules_path;
  auto* check_cmd = rules_cmd->add_subcommand("check", "exit 0 when the file is valid, 1 with its errors");
  check_cmd->add_option("file", rules_path, "rules.yaml")->required();
  auto* test_cmd = rules_cmd->add_subcommand(
      "test", "the deciding rule and the exact APNs, FCM (and Web Push) requests for one message");
  RulesTestInput input;
  test_cmd->add_option("file", rules_path, "rules.yaml")->required();
  auto* stanza_opt = test_cmd->add_option("--stanza", input.stanza_file, "an offline <message/> stanza (XML file)");
  auto* publish_opt = test_cmd->add_option("--publish", input.publish_file,
                                           "a XEP-0357 publish <iq/> as the server sends it (XML file)");
  stanza_opt->excludes(publish_opt);
  test_cmd->add_option("--recipient", input.recipient, "the offline user's JID (default: the stanza's to)");
  test_cmd->add_option("--at", input.at, "decide as at this UTC time, e.g. 2026-11-22T23:30:00Z (quiet hours)");
  test_cmd->add_option("--platform", input.platform,
                       "apns, fcm, both (apns and fcm), webpush, webhook, hms, honor, xiaomi, oppo, vivo, "
                       "vendors (the last five) or all")
      ->check(CLI::IsMember({"apns", "fcm", "both", "webpush", "webhook", "hms", "honor", "xiaomi", "oppo", "vivo",
                             "vendors", "all"}))
      ->capture_default_str();
  test_cmd->add_option("--topic", input.dry_run.apns_topic, "APNs topic (bundle id)")->capture_default_str();
  test_cmd->add_option("--project", input.dry_run.fcm_project, "FCM project id")->capture_default_str();
  auto* messages_cmd = cli.add_subcommand("messages", "a user's offline messages: list, count, export, erase, hold, release, unread, read");
  std::string action, account, hold_reason = "legal hold";
  std::size_t message_limit = 50;
  messages_cmd->add_option("action", action, "list | count | export (JSON lines) | erase | hold | release | unread (the badge) | read (reset it)")
      ->required()
      ->check(CLI::IsMember({"list", "count", "export", "erase", "hold", "release", "unread", "read"}));
  messages_cmd->add_option("jid", account, "the user's bare JID")->required();
  messages_cmd->add_option("--limit", message_limit, "messages to list, newest first")->capture_default_str();
  messages_cmd->add_option("--reason", hold_reason, "why a legal hold is placed")->capture_default_str();
  auto* webpush_cmd = cli.add_subcommand("webpush", "Web Push: make the VAPID key");
  webpush_cmd->require_subcommand(1);
  std::string key_out;
  auto* keygen_cmd = webpush_cmd->add_subcommand("keygen", "write a new VAPID key (P-256, PEM) and print its public key");
  keygen_cmd->add_option("--out", key_out, "where to write it, e.g. /etc/xpush/vapid.pem")->required();
  auto* devices_cmd = cli.add_subcommand("devices", "a user's devices: list JID, show NODE, disable NODE, enable NODE, test JID");
  devices_cmd->require_subcommand(1);
  std::string device_arg, device_domain, disable_reason = "disabled by operator";
  auto* devices_list_cmd = devices_cmd->add_subcommand("list", "every device of a user, disabled ones too");
  devices_list_cmd->add_option("jid", device_arg, "the user's bare JID")->required();
  auto* devices_show_cmd = devices_cmd->add_subcommand("show", "one device, by its node");
  auto* devices_disable_cmd = devices_cmd->add_subcommand("disable", "stop pushes to a device (the server is answered cancel)");
  auto* devices_enable_cmd = devices_cmd->add_subcommand("enable", "push to a disabled device again");
  auto* devices_test_cmd = devices_cmd->add_subcommand(
      "test", "send a test notification to every enabled device of a user through the running xpushd");
  std::string test_text;
  devices_test_cmd->add_option("jid", device_arg, "the user's bare JID")->required();
  devices_test_cmd->add_option("--text", test_text, "what the notification says");
  for (auto* sub : {devices_show_cmd, devices_disable_cmd, devices_enable_cmd}) {
    sub->add_option("node", device_arg, "the device's XEP-0357 node")->required();
    sub->add_option("--domain", device_domain, "the server domain, when the node exists on several");
  }
  devices_disable_cmd->add_option("--reason", disable_reason, "kept with the device")->capture_default_str();
  auto* doctor_cmd = cli.add_subcommand(
      "doctor", "check the configuration, files, component link, rules, store, providers, admin listener and clock");
  xpush::doctor::Options doctor_options;
  doctor_cmd->add_option("--user", doctor_options.service_user, "the user xpushd runs as")->capture_default_str();
  int doctor_timeout = 10;
  doctor_cmd->add_option("--timeout", doctor_timeout, "seconds each network check may take")
      ->check(CLI::Range(1, 300))
      ->capture_default_str();
  CLI11_PARSE(cli, argc, argv);

  try {
    if (*doctor_cmd) {
      doctor_options.config_path = config_path;
      doctor_options.timeout = std::chrono::seconds{doctor_timeout};
      return xpush::doctor::run(doctor_options, std::cout);
    }
    if (*keygen_cmd) return webpush_keygen(key_out);
    if (*devices_test_cmd) return xpush::cli::devices_test(config_path, device_arg, test_text, std::cout);
    if (*devices_cmd) {
      auto store = open_store(config_path);
      if (*devices_list_cmd) return xpush::cli::devices_list(*store, device_arg, std::cout);
      if (*devices_show_cmd) return xpush::cli::devices_show(*store, device_arg, device_domain, std::cout);
      if (*devices_disable_cmd) {
        return xpush::cli::devices_disable(*store, device_arg, device_domain, disable_reason, std::cout);
      }
      return xpush::cli::devices_enable(*store, device_arg, device_domain, std::cout);
    }
    if (*messages_cmd) return messages(config_path, action, account, message_limit, hold_reason);
    if (*check_cmd) return rules_check(rules_path);
    if (*test_cmd) {
      if (input.stanza_file.empty() && input.publish_file.empty()) {
        std::cerr << "xpushctl: rules test needs --stanza FILE or --publish FILE\n";
        return 2;
      }
      return rules_test(rules_path, input);
    }
    if (*sanitize_cmd) return sanitize_stdin(report, drop, strip);
    if (*outbox_cmd) return outbox(config_path, as_json, limit);
  } catch (const xpush::ConfigError& e) {
    std::cerr << "xpushctl: " << e.what() << "\n";
    return 2;
  } catch (const std::runtime_error& e) {  // an unreadable input file
    std::cerr << "xpushctl: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
