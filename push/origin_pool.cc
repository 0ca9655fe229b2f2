#include "push/origin_pool.h"

#include <algorithm>

#include "push/h2_connection.h"

namespace xpush::push {

namespace {
constexpr std::chrono::minutes kOriginIdle{5};
constexpr std::chrono::minutes kSweepEvery{1};
}  // namespace

struct OriginPool::Origin {
  enum class Protocol { kUnknown, kHttp2, kHttp1 };
  Protocol protocol = Protocol::kUnknown;
  std::shared_ptr<H2Connection> h2;
  std::vector<std::shared_ptr<H1Connection>> h1;
  std::chrono::steady_clock::time_point used{};

  bool busy() const {
    return (h2 && h2->load() > 0) || std::any_of(h1.begin(), h1.end(), [](const auto& c) { return c->load() > 0; });
  }
  void close() {
    if (h2) h2->close();
    for (auto& c : h1) c->close();
  }
};

struct OriginPool::Pending {
  EndpointUrl url;
  HttpRequest request;
  Completion done;
  bool resent_stale = false;
};

OriginPool::OriginPool(boost::asio::any_io_executor executor, OriginPoolOptions options)
    : executor_(std::move(executor)),
      options_(std::move(options)),
      h1_tls_(make_h1_tls_context(options_.ca_file)),
      h2_tls_(make_h2_tls_context(H2Endpoint{.ca_file = options_.ca_file, .offer_http1 = true})) {}

OriginPool::~OriginPool() = default;

void OriginPool::request(const EndpointUrl& url, HttpRequest request, Completion done) {
  request.path = url.target;
  send(std::make_shared<Pending>(Pending{url, std::move(request), std::move(done)}));
}

void OriginPool::send(std::shared_ptr<Pending> p) {
  Origin& origin = origin_of(p->url);
  auto answered = [this, p](tl::expected<HttpResponse, std::string> r) mutable {
    if (!r && r.error().starts_with(kNoHttp2)) {
      origin_of(p->url).protocol = Origin::Protocol::kHttp1;  // so be it for this origin, from now on
      return send(std::move(p));
    }
    if (!r && r.error().starts_with(kStaleConnection) && !p->resent_stale) {
      p->resent_stale = true;
      return send(std::move(p));
    }
    if (r && p->url.tls && origin_of(p->url).protocol == Origin::Protocol::kUnknown) {
      origin_of(p->url).protocol = Origin::Protocol::kHttp2;  // only HTTP/2 answers before the choice
    }
    p->done(std::move(r));
  };
  if (!p->url.tls || origin.protocol == Origin::Protocol::kHttp1) {
    return send_h1(origin, p->url, p->request, std::move(answered));
  }
  if (!origin.h2 || !origin.h2->accepting()) {
    H2Endpoint e;
    e.host = p->url.host;
    e.port = p->url.port;
    e.ca_file = options_.ca_file;
    e.streams_before_first_success = 100;
    e.max_streams = 100;
    e.timeout = options_.timeout;
    e.offer_http1 = true;
    if (options_.may_connect) {
      e.may_connect = [check = options_.may_connect, host = p->url.host](const boost::asio::ip::address& a) {
        return check(host, a);
      };
    }
    origin.h2 = H2Connection::open(executor_, h2_tls_, std::move(e));
  }
  origin.h2->request(p->request, std::move(answered));
}

void OriginPool::send_h1(Origin& origin, const EndpointUrl& url, HttpRequest request, Completion done) {
  auto& connections = origin.h1;
  std::erase_if(connections, [](const auto& c) { return !c->accepting(); });
  const auto least = std::min_element(connections.begin(), connections.end(),
                                      [](const auto& x, const auto& y) { return x->load() < y->load(); });
  if (least != connections.end() && ((*least)->load() == 0 || connections.size() >= options_.h1_connections)) {
    return (*least)->request(std::move(request), std::move(done));
  }
  H1Endpoint endpoint{.host = url.host, .port = url.port, .tls = url.tls, .timeout = options_.timeout};
  if (options_.may_connect) {
    endpoint.may_connect = [check = options_.may_connect, host = url.host](const boost::asio::ip::address& a) {
      return check(host, a);
    };
  }
  connections.push_back(H1Connection::open(executor_, h1_tls_, std::move(endpoint)));
  connections.back()->request(std::move(request), std::move(done));
}

OriginPool::Origin& OriginPool::origin_of(const EndpointUrl& url) {
  const auto now = std::chrono::steady_clock::now();
  if (now - last_sweep_ >= kSweepEvery) {
    last_sweep_ = now;
    std::erase_if(origins_, [now](auto& entry) {
      auto& o = *entry.second;
      if (o.busy() || now - o.used < kOriginIdle) return false;
      o.close();
      return true;
    });
  }
  auto& slot = origins_[url.origin];
  if (!slot) slot = std::make_unique<Origin>();
  slot->used = now;
  return *slot;
}

}  // namespace xpush::push
