// The C ABI of libxpush (module/xpush.h) over the engine. Requests become
// the stanzas a server or a phone would send, so the app server validates
// them exactly as it does on the component link; their replies come back
// to the host's callback instead of the link.
#include "module/xpush.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/sanitize.h"
#include "interceptor/data_form.h"
#include "interceptor/forwarded_message.h"
#include "interceptor/iq.h"
#include "interceptor/jid.h"
#include "interceptor/link_handover.h"
#include "interceptor/registration_command.h"
#include "interceptor/xml_stream.h"
#include "engine/config.h"
#include "engine/engine.h"

namespace {

using xpush::interceptor::Element;
namespace ns = xpush::interceptor::ns;

// One open engine and the thread that runs its loop.
struct Instance {
  xpush::Config config;
  std::unique_ptr<xpush::Engine> engine;
  std::thread loop;
  std::atomic<std::uint64_t> next_request{1};

  ~Instance() {
    if (engine) engine->stop();
    if (loop.joinable()) loop.join();
  }
  std::string request_id() { return "xpush-local-" + std::to_string(next_request++); }
};

// Handles are numbers that are never reused, so a closed or made-up handle
// is recognised, never dereferenced.
std::mutex registry_mutex;
std::map<std::uintptr_t, std::shared_ptr<Instance>> registry;
std::uintptr_t next_handle = 1;

std::shared_ptr<Instance> find(xpush_engine* handle) {
  const std::lock_guard lock{registry_mutex};
  const auto it = registry.find(reinterpret_cast<std::uintptr_t>(handle));
  return it == registry.end() ? nullptr : it->second;
}

void write_error(char* out, std::size_t size, const std::string& text) {
  if (!out || size == 0) return;
  const std::size_t n = std::min(size - 1, text.size());
  std::memcpy(out, text.data(), n);
  out[n] = '\0';
}

// Text from the host: present, valid UTF-8 of XML characters.
bool usable(const char* text) { return text && *text && xpush::base::is_clean(text); }
bool usable_or_null(const char* text) { return !text || xpush::base::is_clean(text); }

template <class F>
xpush_status guarded(F&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return XPUSH_EINTERNAL;
  } catch (const std::exception& e) {
    spdlog::error("libxpush: {}", e.what());
    return XPUSH_EINTERNAL;
  } catch (...) {
    return XPUSH_EINTERNAL;
  }
}

using Handover = std::optional<xpush::interceptor::LinkHandover>;

xpush_status open_config(xpush::Config config, xpush_engine** out, char* error, std::size_t error_size,
                         Handover handover = std::nullopt) {
  auto instance = std::make_shared<Instance>();
  instance->config = std::move(config);
  try {
    instance->engine = std::make_unique<xpush::Engine>(instance->config);
  } catch (const std::exception& e) {
    if (handover) ::close(handover->fd);
    write_error(error, error_size, e.what());
    return XPUSH_ECONFIG;
  }
  if (handover) instance->engine->adopt(std::move(*handover));
  instance->loop = std::thread{[engine = instance->engine.get()] { engine->run(); }};
  const std::lock_guard lock{registry_mutex};
  const auto handle = next_handle++;
  registry.emplace(handle, std::move(instance));
  *out = reinterpret_cast<xpush_engine*>(handle);
  return XPUSH_OK;
}

xpush_status open_with(std::uint32_t abi, xpush_engine** out, char* error, std::size_t error_size,
                       const std::function<xpush::Config()>& load, Handover handover = std::nullopt) {
  const auto close_handover = [&] {
    if (handover) ::close(handover->fd);
  };
  if (!out) return close_handover(), XPUSH_EINVAL;
  *out = nullptr;
  if (abi != XPUSH_ABI_VERSION) {
    close_handover();
    write_error(error, error_size,
                "built for ABI " + std::to_string(abi) + ", this library is ABI " +
                    std::to_string(XPUSH_ABI_VERSION));
    return XPUSH_EABI;
  }
  xpush::Config config;
  try {
    config = load();
  } catch (const xpush::ConfigError& e) {
    close_handover();
    write_error(error, error_size, e.what());
    return XPUSH_ECONFIG;
  }
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  return open_config(std::move(config), out, error, error_size, std::move(handover));
}

// The state travels in an anonymous memory file, so no path is left behind.
int write_state_file(const std::string& text) {
  const int fd = ::memfd_create("xpush-link-handover", 0);
  if (fd < 0) return -1;
  std::size_t done = 0;
  while (done < text.size()) {
    const auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return ::close(fd), -1;
    done += static_cast<std::size_t>(n);
  }
  return fd;
}

std::optional<std::string> read_state_file(int fd) {
  std::string text;
  char buffer[64 * 1024];
  off_t offset = 0;
  for (;;) {
    const auto n = ::pread(fd, buffer, sizeof buffer, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) return text;
    text.append(buffer, static_cast<std::size_t>(n));
    offset += n;
  }
}

void clear_close_on_exec(int fd) {
  const int flags = ::fcntl(fd, F_GETFD);
  if (flags >= 0) ::fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
}

std::shared_ptr<Instance> take(xpush_engine* x, xpush_status& refusal) {
  const std::lock_guard lock{registry_mutex};
  const auto it = registry.find(reinterpret_cast<std::uintptr_t>(x));
  if (it == registry.end()) return refusal = XPUSH_ECLOSED, nullptr;
  if (it->second->loop.get_id() == std::this_thread::get_id()) return refusal = XPUSH_EINVAL, nullptr;
  auto instance = std::move(it->second);
  registry.erase(it);
  return instance;
}

void add_field(Element& form, const std::string& var, const char* value) {
  if (!value) return;
  auto& field = form.add(ns::kDataForms, "field");
  field.set_attr("var", var);
  field.add(ns::kDataForms, "value").add_text(value);
}

std::string error_text(const Element& reply) {
  const Element* error = reply.child("error", reply.ns());
  if (!error) return "refused";
  std::string condition, text;
  for (const auto& c : error->children()) {
    if (c.is_text()) continue;
    if (c.name() == "text") text = c.text();
    else if (condition.empty()) condition = c.name();
  }
  return std::string{error->attr_or("type")} + "/" + condition + (text.empty() ? "" : ": " + text);
}

// Replies to the host's callback: node and secret from a completed command.
xpush::Engine::ReplyHandler to_callback(xpush_done_fn done, void* user) {
  return [done, user](const Element& reply) {
    if (!done) return;
    if (reply.attr_or("type") != "result") {
      const std::string text = error_text(reply);
      return done(user, XPUSH_EREFUSED, nullptr, nullptr, text.c_str());
    }
    std::string node, secret;
    if (const Element* command = reply.child("command", ns::kCommands)) {
      if (const Element* x = command->child("x", ns::kDataForms)) {
        const auto form = xpush::interceptor::DataForm::parse(*x);
        node = std::string{form.value_or("node")};
        secret = std::string{form.value_or("secret")};
      }
    }
    done(user, XPUSH_OK, node.empty() ? nullptr : node.c_str(), secret.empty() ? nullptr : secret.c_str(),
         nullptr);
  };
}

Element command_iq(Instance& in, const std::string& account, const std::string& command_node) {
  Element iq{ns::kComponent, "iq"};
  iq.set_attr("type", "set").set_attr("id", in.request_id());
  iq.set_attr("from", account + "/libxpush").set_attr("to", in.config.link.session.component_domain);
  auto& command = iq.add(ns::kCommands, "command");
  command.set_attr("node", command_node).set_attr("action", "execute");
  iq.children().back().add(ns::kDataForms, "x").set_attr("type", "submit");
  return iq;
}

Element& form_of(Element& iq) { return iq.children().back().children().back(); }

bool bare_user_jid(const char* text) {
  const auto jid = xpush::interceptor::Jid::parse(text);
  return jid && !jid->local.empty() && jid->resource.empty();
}

}  // namespace

extern "C" {

uint32_t xpush_abi_version(void) { return XPUSH_ABI_VERSION; }

const char* xpush_status_text(xpush_status status) {
  switch (status) {
    case XPUSH_OK: return "ok";
    case XPUSH_EINVAL: return "invalid argument";
    case XPUSH_ETOOBIG: return "input too large";
    case XPUSH_ECONFIG: return "configuration not loaded";
    case XPUSH_EABI: return "ABI version mismatch";
    case XPUSH_ECLOSED: return "handle closed or unknown";
    case XPUSH_ENOSPC: return "output buffer too small";
    case XPUSH_EREFUSED: return "refused by the engine";
    case XPUSH_EINTERNAL: return "internal error";
  }
  return "unknown status";
}

xpush_status xpush_open_file(uint32_t abi_version, const char* config_path, xpush_engine** out, char* error,
                             size_t error_size) {
  return guarded([&] {
    if (!config_path) return out ? (*out = nullptr, XPUSH_EINVAL) : XPUSH_EINVAL;
    return open_with(abi_version, out, error, error_size,
                     [&] { return xpush::load_config_file(config_path); });
  });
}

xpush_status xpush_open_yaml(uint32_t abi_version, const char* yaml, size_t yaml_len, xpush_engine** out,
                             char* error, size_t error_size) {
  return guarded([&] {
    if (!yaml) return out ? (*out = nullptr, XPUSH_EINVAL) : XPUSH_EINVAL;
    return open_with(abi_version, out, error, error_size,
                     [&] { return xpush::load_config_text(std::string{yaml, yaml_len}, "<yaml>"); });
  });
}

xpush_status xpush_submit_stanza(xpush_engine* x, const char* xml, size_t xml_len) {
  return guarded([&] {
    auto in = find(x);
    if (!in) return XPUSH_ECLOSED;
    if (!xml || xml_len == 0) return XPUSH_EINVAL;
    if (xml_len > in->config.link.session.limits.max_stanza_bytes) return XPUSH_ETOOBIG;
    auto message = xpush::interceptor::parse_stanza_text({xml, xml_len});
    if (!message || message->name() != "message") return XPUSH_EINVAL;
    const auto to = xpush::interceptor::Jid::parse(message->attr_or("to"));
    if (!to || to->local.empty()) return XPUSH_EINVAL;
    // The same wrapper a server's forwarding hook sends: one path, one set of checks.
    Element wrapper{ns::kComponent, "message"};
    wrapper.set_attr("from", to->domain).set_attr("to", in->config.link.session.component_domain);
    wrapper.add(ns::kForward, "forwarded").add(std::move(*message));
    in->engine->submit(std::move(wrapper));
    return XPUSH_OK;
  });
}

xpush_status xpush_register_device(xpush_engine* x, const char* account, const char* device_id,
                                   const char* platform, const char* token, const char* app,
                                   xpush_done_fn done, void* user) {
  return guarded([&] {
    auto in = find(x);
    if (!in) return XPUSH_ECLOSED;
    if (!usable(account) || !bare_user_jid(account) || !usable(device_id) || !usable(platform) ||
        !usable(token) || !usable_or_null(app) || !done) {
      return XPUSH_EINVAL;
    }
    const std::string service{platform};
    if (!xpush::interceptor::push_service_named(service)) return XPUSH_EINVAL;
    Element iq = command_iq(*in, account, "register-push-" + service);
    if (service == "webpush") {
      // The subscription as PushSubscription.toJSON() gives it.
      const auto sub = nlohmann::json::parse(token, nullptr, /*allow_exceptions=*/false);
      const auto text = [&sub](const nlohmann::json::json_pointer& at) {
        return sub.contains(at) && sub[at].is_string() ? sub[at].get<std::string>() : std::string{};
      };
      add_field(form_of(iq), "endpoint", text("/endpoint"_json_pointer).c_str());
      add_field(form_of(iq), "p256dh", text("/keys/p256dh"_json_pointer).c_str());
      add_field(form_of(iq), "auth", text("/keys/auth"_json_pointer).c_str());
    } else {
      add_field(form_of(iq), "token", token);
    }
    add_field(form_of(iq), "device-id", device_id);
    if (app && *app) add_field(form_of(iq), "app", app);
    in->engine->submit(std::move(iq), to_callback(done, user));
    return XPUSH_OK;
  });
}

xpush_status xpush_unregister_device(xpush_engine* x, const char* account, const char* device_id,
                                     const char* platform, xpush_done_fn done, void* user) {
  return guarded([&] {
    auto in = find(x);
    if (!in) return XPUSH_ECLOSED;
    if (!usable(account) || !bare_user_jid(account) || !usable(device_id) || !usable(platform) || !done) {
      return XPUSH_EINVAL;
    }
    const std::string service{platform};
    if (!xpush::interceptor::push_service_named(service)) return XPUSH_EINVAL;
    Element iq = command_iq(*in, account, "unregister-push-" + service);
    add_field(form_of(iq), "device-id", device_id);
    in->engine->submit(std::move(iq), to_callback(done, user));
    return XPUSH_OK;
  });
}

xpush_status xpush_submit_summary(xpush_engine* x, const char* server_domain, const char* node,
                                  const char* secret, const char* message_count,
                                  const char* last_message_sender, const char* last_message_body,
                                  xpush_done_fn done, void* user) {
  return guarded([&] {
    auto in = find(x);
    if (!in) return XPUSH_ECLOSED;
    if (!usable(server_domain) || !usable(node) || !usable(secret) || !usable_or_null(message_count) ||
        !usable_or_null(last_message_sender) || !usable_or_null(last_message_body) || !done) {
      return XPUSH_EINVAL;
    }
    Element iq{ns::kComponent, "iq"};
    iq.set_attr("type", "set").set_attr("id", in->request_id());
    iq.set_attr("from", server_domain).set_attr("to", in->config.link.session.component_domain);
    auto& pubsub = iq.add(ns::kPubsub, "pubsub");
    auto& publish = pubsub.add(ns::kPubsub, "publish");
    publish.set_attr("node", node);
    auto& summary = publish.add(ns::kPubsub, "item").add("urn:xmpp:push:0", "notification")
                        .add(ns::kDataForms, "x");
    summary.set_attr("type", "submit");
    add_field(summary, "FORM_TYPE", "urn:xmpp:push:summary");
    add_field(summary, "message-count", message_count);
    add_field(summary, "last-message-sender", last_message_sender);
    add_field(summary, "last-message-body", last_message_body);
    auto& options = pubsub.add(ns::kPubsub, "publish-options").add(ns::kDataForms, "x");
    options.set_attr("type", "submit");
    add_field(options, "FORM_TYPE", "http://jabber.org/protocol/pubsub#publish-options");
    add_field(options, "secret", secret);
    in->engine->submit(std::move(iq), to_callback(done, user));
    return XPUSH_OK;
  });
}

xpush_status xpush_sanitize(const char* in, size_t in_len, char* out, size_t out_size, size_t* needed) {
  return guarded([&] {
    if (!in && in_len > 0) return XPUSH_EINVAL;
    const std::string clean = xpush::base::sanitize(in ? std::string_view{in, in_len} : std::string_view{});
    if (needed) *needed = clean.size() + 1;
    if (!out || out_size < clean.size() + 1) return XPUSH_ENOSPC;
    std::memcpy(out, clean.data(), clean.size());
    out[clean.size()] = '\0';
    return XPUSH_OK;
  });
}

xpush_status xpush_get_counters(xpush_engine* x, xpush_counters* out) {
  return guarded([&] {
    auto in = find(x);
    if (!in) return XPUSH_ECLOSED;
    if (!out || out->size < sizeof(xpush_counters)) return XPUSH_EINVAL;
    const auto s = in->engine->counters();
    out->component_connected = s.component_connected ? 1 : 0;
    out->publishes = s.publishes;
    out->registrations = s.registrations;
    out->forwarded = s.forwarded;
    out->dropped_by_rules = s.dropped_by_rules;
    out->notifications_accepted = s.notifications_accepted;
    out->delivered = s.delivered;
    out->retried = s.retried;
    out->dead_letters = s.dead_letters;
    out->tokens_invalid = s.tokens_invalid;
    return XPUSH_OK;
  });
}

xpush_status xpush_close(xpush_engine* x) {
  return guarded([&] {
    if (!x) return XPUSH_OK;
    xpush_status refusal = XPUSH_OK;
    auto instance = take(x, refusal);
    if (!instance) return refusal;
    instance.reset();  // stops the loop and joins it (after calls still running let go)
    return XPUSH_OK;
  });
}

xpush_status xpush_close_handing_over(xpush_engine* x, int* link_fd, int* state_fd) {
  return guarded([&] {
    if (!x || !link_fd || !state_fd) return XPUSH_EINVAL;
    *link_fd = *state_fd = -1;
    xpush_status refusal = XPUSH_OK;
    auto instance = take(x, refusal);
    if (!instance) return refusal;
    instance->engine->stop_handing_over();
    instance->loop.join();
    auto handover = instance->engine->handover();
    instance.reset();
    if (!handover) return XPUSH_OK;
    const int state = write_state_file(xpush::interceptor::encode_handover(*handover));
    if (state < 0) {
      spdlog::error("libxpush: could not write the link's state ({}); closing it", std::strerror(errno));
      ::close(handover->fd);
      return XPUSH_OK;
    }
    clear_close_on_exec(handover->fd);
    clear_close_on_exec(state);
    *link_fd = handover->fd;
    *state_fd = state;
    return XPUSH_OK;
  });
}

xpush_status xpush_open_file_handed_over(uint32_t abi_version, const char* config_path, int link_fd, int state_fd,
                                         xpush_engine** out, char* error, size_t error_size) {
  return guarded([&] {
    Handover handover;
    if (link_fd >= 0 && state_fd >= 0) {
      const auto text = read_state_file(state_fd);
      auto decoded = text ? xpush::interceptor::decode_handover(*text)
                          : tl::unexpected(std::string{"unreadable"});
      if (decoded) {
        decoded->fd = link_fd;
        handover = std::move(*decoded);
      } else {
        spdlog::warn("libxpush: the handed-over link's state: {}; connecting anew", decoded.error());
        ::close(link_fd);
      }
    } else if (link_fd >= 0) {
      ::close(link_fd);
    }
    if (state_fd >= 0) ::close(state_fd);
    if (handover) ::fcntl(handover->fd, F_SETFD, FD_CLOEXEC);
    if (!config_path) {
      if (handover) ::close(handover->fd);
      return out ? (*out = nullptr, XPUSH_EINVAL) : XPUSH_EINVAL;
    }
    return open_with(abi_version, out, error, error_size,
                     [&] { return xpush::load_config_file(config_path); }, std::move(handover));
  });
}

}  // extern "C"
