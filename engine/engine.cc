#include "engine/engine.h"

#include <pthread.h>

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <mutex>
#include <unordered_map>

#include "interceptor/component_link.h"
#include "admin/admin_http.h"
#include "engine/app_server.h"
#include "engine/device_test.h"
#include "engine/dispatcher.h"
#include "engine/provider_thread.h"
#include "engine/rules_file.h"
#include "engine/status_board.h"
#include "engine/store_worker.h"
#include "base/read_file.h"
#include "push/apns_provider.h"
#include "push/fcm_provider.h"
#include "push/platform_router.h"
#include "push/log_provider.h"
#include "store/open_store.h"

namespace xpush {

namespace {
// How long a polite stop may take before the loop is stopped regardless.
constexpr std::chrono::seconds kStopGrace{3};
// Below this, a component secret is worth a warning at start.
constexpr std::size_t kShortSecret = 16;

std::unique_ptr<push::Provider> make_provider(const Config& config,
                                             boost::asio::any_io_executor executor) {
  if (config.push_provider == "direct") {
    const auto now = [] { return std::chrono::system_clock::now(); };
    push::PlatformRouter::Providers p;
    if (!config.apns.apps.empty()) p.apns = std::make_unique<push::ApnsProvider>(executor, config.apns, now);
    if (!config.fcm.apps.empty()) p.fcm = std::make_unique<push::FcmProvider>(executor, config.fcm, now);
    if (config.webpush) p.webpush = std::make_unique<push::WebPushProvider>(executor, *config.webpush, now);
    if (config.webhook) p.webhook = std::make_unique<push::WebhookProvider>(executor, *config.webhook, now);
    for (const auto& vendor : config.vendors) {
      p.vendors[vendor.platform] = std::make_unique<push::VendorProvider>(executor, vendor, now);
    }
    return std::make_unique<push::PlatformRouter>(std::move(p));
  }
  return std::make_unique<push::LogProvider>(config.push_log_path);
}

AppServerOptions app_server_options(const Config& config, const RulesFile& rules) {
  AppServerOptions o{config.link.session.component_domain, config.server_domains,
                     config.notification_ttl};
  o.rules = [&rules] { return rules.current(); };
  o.badge_unread = config.badge_unread;
  o.clear_badge_on_return = config.clear_badge_on_return;
  o.limits = config.limits;
  o.registration_cache = config.registration_cache;
  for (const auto& a : config.apns.apps) o.apns_apps.push_back(a.app.name);
  for (const auto& a : config.fcm.apps) o.fcm_apps.push_back(a.name);
  o.webhook = config.webhook.has_value();
  for (const auto& vendor : config.vendors) {
    auto& names = o.vendor_apps[std::string{push::to_string(vendor.platform)}];
    for (const auto& app : vendor.apps) names.push_back(app.name);
  }
  if (config.webpush) {
    o.webpush.emplace(config.webpush->allow_hosts);
    auto vapid = push::Vapid::create(base::read_file(config.webpush->vapid_key_file, "VAPID key"),
                                     config.webpush->subject);
    if (!vapid) throw std::runtime_error(config.webpush->vapid_key_file + ": " + vapid.error());
    o.vapid_public_key = vapid->public_key();
  }
  return o;
}

std::unique_ptr<store::Store> open_store(const Config& config) {
  auto store = store::open_store(config.store);
  if (!store) throw std::runtime_error("store: " + store.error().message);
  spdlog::info("store: {}", store::describe(config.store));
  if (config.link.session.secret.size() < kShortSecret) {
    spdlog::warn("component: the secret is {} characters; anyone who can reach the server's component port"
                 " and guess it can act as this push service: use {} or more random characters",
                 config.link.session.secret.size(), kShortSecret);
  }
  return std::move(*store);
}
}  // namespace

struct Engine::Parts {
  boost::asio::io_context io;
  boost::asio::steady_timer stop_timer{io};
  RulesFile rules;
  std::unique_ptr<push::Provider> provider;
  StoreWorker store;
  Dispatcher dispatcher;
  Retention retention;
  StatusBoard status_board;
  std::string component_domain;
  std::string store_description;
  std::unique_ptr<interceptor::ComponentLink> link;
  std::unique_ptr<AppServer> app;
  std::unique_ptr<DeviceTester> device_tester;
  std::unique_ptr<AdminServer> admin;
  bool stopping = false;
  std::optional<interceptor::LinkHandover> handover;
  // Requests handed in by a host (Engine::submit): their replies go back to it.
  std::unordered_map<std::string, ReplyHandler> local_requests;
  boost::asio::steady_timer snapshot_timer{io};
  boost::asio::steady_timer peers_timer{io};
  mutable std::mutex snapshot_mutex;
  AdminSnapshot last_snapshot;

  void route_reply(const interceptor::Element& reply) {
    if (auto it = local_requests.empty() ? local_requests.end() : local_requests.find(std::string{reply.attr_or("id")});
        it != local_requests.end()) {
      auto handler = std::move(it->second);
      local_requests.erase(it);
      return handler(reply);
    }
    if (!link->send(reply)) {
      spdlog::warn("reply {} to {} lost: component link is down", reply.attr_or("id"), reply.attr_or("to"));
    }
  }

  void refresh_snapshot() {
    {
      const std::lock_guard lock{snapshot_mutex};
      last_snapshot = snapshot();
    }
    if (stopping) return;
    snapshot_timer.expires_after(std::chrono::milliseconds{100});
    snapshot_timer.async_wait([this](boost::system::error_code ec) {
      if (!ec) refresh_snapshot();
    });
  }
  std::chrono::milliseconds config_rules_watch;

  void check_peers() {
    app->check_peers(dispatcher.instance());
    if (stopping) return;
    peers_timer.expires_after(std::chrono::milliseconds{AppServer::kPeerEveryMs});
    peers_timer.async_wait([this](boost::system::error_code ec) {
      if (!ec) check_peers();
    });
  }

  void stop_all_but_the_link() {
    stopping = true;
    dispatcher.stop();
    retention.stop();
    rules.stop();
    snapshot_timer.cancel();
    peers_timer.cancel();
    status_board.stop();
    admin.reset();
  }

  AdminSnapshot snapshot() const {
    const auto& l = link->counters();
    const auto& a = app->counters();
    const auto& d = dispatcher.counters();
    const auto& r = rules.counters();
    AdminSnapshot s{link->ready(),   l.connects,         a.publishes,  a.publishes_refused,
                         a.registrations, d.accepted,         d.attempts,   d.delivered,
                         d.retried,       d.expired,          d.dead_letters, d.tokens_invalid,
                         a.dropped_by_rules, a.folded,        r.reloads,    r.reload_failures,
                         a.forwarded,     a.forwarded_refused, a.forwarded_duplicates, a.publishes_covered,
                         a.forwarded_covered, a.users_back,
                         l.skipped_too_large, l.skipped_too_deep, l.skipped_too_many_attributes,
                         a.registrations_over_cap, a.registrations_rate_limited,
                         a.registrations_superseded, a.notifications_over_ceiling};
    s.chats_read = a.chats_read;
    s.component_pings = l.pings;
    s.component_unresponsive = l.unresponsive;
    s.shared_windows_faults = app->shared_windows_faults();
    fill_status(s.status);
    return s;
  }

  void fill_status(AdminStatus& st) const {
    status_board.fill(st);
    st.version = XPUSH_VERSION;
    st.component = component_domain;
    for (const auto& [platform, t] : dispatcher.provider_tallies()) {
      st.providers.push_back({std::string{push::to_string(platform)}, t.delivered, t.failed, t.last_delivered_ms,
                              t.last_error_ms, t.last_error_status, t.last_error});
    }
    const auto& r = rules.counters();
    st.rules_file = rules.path();
    st.rules_in_force = rules.current()->size();
    st.rules_loaded_ms = r.loaded_ms;
    st.rules_refused_ms = r.refused_ms;
    st.rules_refused_errors = r.refused_errors;
    st.store = store_description;
    st.retention_hours = retention.options().keep.count();
    st.retention_last_run_ms = retention.last_run_ms();
    st.messages_purged = retention.purged();
  }

  explicit Parts(const Config& config)
      : rules(config.rules_path),
        provider(std::make_unique<ProviderThread>(
            io.get_executor(), [&config](boost::asio::any_io_executor push_loop) {
              return make_provider(config, std::move(push_loop));
            })),
        store(io.get_executor(), open_store(config)),
        dispatcher(io.get_executor(), store, *provider, config.delivery,
                   [] { return std::chrono::system_clock::now(); }),
        retention(io.get_executor(), store, config.retention,
                  [] { return std::chrono::system_clock::now(); }),
        status_board(io.get_executor(), store, [] { return std::chrono::system_clock::now(); },
                     [this] {
                       const auto& d = dispatcher.counters();
                       return std::pair{d.accepted, d.delivered};
                     }),
        component_domain(config.link.session.component_domain),
        store_description(store::describe(config.store)) {
    app = std::make_unique<AppServer>(
        store, dispatcher,
        app_server_options(config, rules),
        [this](const interceptor::Element& reply) { route_reply(reply); });
    dispatcher.on_registration_disabled(
        [this](const std::string& domain, const std::string& node) { app->forget_registration(domain, node); });
    link = std::make_unique<interceptor::ComponentLink>(
        io.get_executor(), config.link,
        interceptor::ComponentLink::Handlers{
            [this](interceptor::Element stanza) { app->handle(std::move(stanza)); },
            [this](bool ready) {
              status_board.link_changed();
              if (ready) return;
              if (stopping) return io.stop();
              spdlog::warn("component: link down");
            },
            [this] { return app->in_flight(); }});
    config_rules_watch = config.rules_watch_interval;
    if (config.admin_port != 0) {
      device_tester = std::make_unique<DeviceTester>(io.get_executor(), store, dispatcher);
      admin = std::make_unique<AdminServer>(
          io.get_executor(), config.admin_address, config.admin_port, [this] { return snapshot(); },
          std::map<std::string, AdminPost>{{"/devices/test", [this](std::string body, auto reply) {
                                              device_tester->run(std::move(body), std::move(reply));
                                            }}},
          AdminAccess{config.admin_token_file.empty()
                          ? std::string{}
                          : base::read_secret_file(config.admin_token_file, "admin token")});
    }
  }
};

Engine::Engine(const Config& config) : parts_(std::make_unique<Parts>(config)) {}

Engine::~Engine() = default;

void Engine::submit(interceptor::Element stanza, ReplyHandler on_reply) {
  boost::asio::post(parts_->io, [p = parts_.get(), stanza = std::move(stanza),
                                 on_reply = std::move(on_reply)]() mutable {
    if (on_reply) p->local_requests[std::string{stanza.attr_or("id")}] = std::move(on_reply);
    p->app->handle(std::move(stanza));
  });
}

AdminSnapshot Engine::counters() const {
  const std::lock_guard lock{parts_->snapshot_mutex};
  return parts_->last_snapshot;
}

void Engine::run() {
  pthread_setname_np(pthread_self(), "xpush-engine");
  parts_->refresh_snapshot();
  parts_->check_peers();
  parts_->rules.watch(parts_->io.get_executor(), parts_->config_rules_watch);
  parts_->dispatcher.start();
  parts_->retention.start();
  // Counting the outbox every few seconds is for the status page only.
  if (parts_->admin) parts_->status_board.start();
  parts_->link->start();
  parts_->io.run();
}

void Engine::stop() {
  boost::asio::post(parts_->io, [p = parts_.get()] {
    p->stop_all_but_the_link();
    if (!p->link->ready()) return p->io.stop();
    p->link->stop();
    p->stop_timer.expires_after(kStopGrace);
    p->stop_timer.async_wait([p](boost::system::error_code) { p->io.stop(); });
  });
}

void Engine::adopt(interceptor::LinkHandover handover) { parts_->link->adopt(std::move(handover)); }

void Engine::stop_handing_over() {
  boost::asio::post(parts_->io, [p = parts_.get()] {
    p->stop_all_but_the_link();
    p->link->hand_over([p](std::optional<interceptor::LinkHandover> handover) {
      p->handover = std::move(handover);
      p->io.stop();
    });
    // Answering what arrived takes at most the link's drain limit.
    p->stop_timer.expires_after(kStopGrace);
    p->stop_timer.async_wait([p](boost::system::error_code) { p->io.stop(); });
  });
}

std::optional<interceptor::LinkHandover> Engine::handover() { return std::exchange(parts_->handover, {}); }

boost::asio::io_context& Engine::context() { return parts_->io; }

}  // namespace xpush
