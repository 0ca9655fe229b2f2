// The XMPP server's side of an end-to-end benchmark: listens for xpushd's
// XEP-0114 component connection, answers the handshake, registers K APNs
// devices with p2 commands, then sends N XEP-0357 publishes (Prosody `form`,
// ejabberd `submit` and bare shapes in turn) with at most W in flight, or at
// a fixed offered rate, and matches every answer.
//
//   e2e_driver --devices K --count N --window W [--rate R] --secret S --sends FILE
// prints "PORT <n>" first, then one line of figures; writes "<seq> <ns>" per
// publish sent to FILE (CLOCK_MONOTONIC, comparable with the APNs stand-in's
// record). Publish bodies carry "seq:<n>" so the stand-in can tell them apart.
#include <poll.h>
#include <signal.h>
#include <sys/types.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <ctime>
#include <fstream>
#include <iostream>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio.hpp>
#include <CLI/CLI.hpp>

#include "interceptor/data_form.h"
#include "interceptor/handshake.h"
#include "interceptor/xml_stream.h"

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using xpush::interceptor::Element;

namespace {

std::int64_t mono_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

struct Device {
  std::string node, secret;
};

std::string register_iq(int i) {
  char token[65];
  std::snprintf(token, sizeof token, "%064x", i + 1);
  return "<iq type='set' id='r" + std::to_string(i) + "' from='user" + std::to_string(i) +
         "@localhost/phone' to='push.localhost'><command xmlns='http://jabber.org/protocol/commands' "
         "node='register-push-apns' action='execute'><x xmlns='jabber:x:data' type='submit'>"
         "<field var='token'><value>" + token + "</value></field><field var='device-id'><value>d" +
         std::to_string(i) + "</value></field></x></command></iq>";
}

// Without `bare`, the bare shape is sent as ejabberd's instead, so that every
// publish carries its number to the provider (the kill -9 phase counts them).
bool g_bare = true;

std::string publish_iq(std::uint64_t seq, const Device& d) {
  const std::string head = "<iq type='set' id='p" + std::to_string(seq) +
                           "' from='localhost' to='push.localhost'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
                           "<publish node='" + d.node + "'><item><notification xmlns='urn:xmpp:push:0'>";
  std::string summary;
  switch (g_bare ? seq % 3 : seq % 2) {
    case 0:  // Prosody 0.12: a form with every field
      summary = "<x xmlns='jabber:x:data' type='form'><field var='FORM_TYPE' type='hidden'><value>"
                "urn:xmpp:push:summary</value></field><field var='message-count' type='text-single'>"
                "<value>1</value></field><field var='last-message-sender' type='jid-single'><value>"
                "bob@localhost/pc</value></field><field var='last-message-body' type='text-single'>"
                "<value>seq:" + std::to_string(seq) + "</value></field></x>";
      break;
    case 1:  // ejabberd 23.01: a submitted form with the body
      summary = "<x type='submit' xmlns='jabber:x:data'><field var='FORM_TYPE' type='hidden'><value>"
                "urn:xmpp:push:summary</value></field><field var='last-message-body' type='text-single'>"
                "<value>seq:" + std::to_string(seq) + "</value></field></x>";
      break;
    default:  // bare: no summary at all
      break;
  }
  return head + summary +
         "</notification></item></publish><publish-options><x type='submit' xmlns='jabber:x:data'>"
         "<field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>"
         "<field var='secret'><value>" + d.secret + "</value></field></x></publish-options></pubsub></iq>";
}

class Driver {
 public:
  Driver(tcp::socket socket, std::string secret) : socket_(std::move(socket)), secret_(std::move(secret)) {}

  void handshake() {
    next_element();  // xpushd's stream header
    const std::string id = "bench" + std::to_string(mono_ns());
    write("<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' "
          "xmlns='jabber:component:accept' id='" + id + "' from='push.localhost'>");
    const Element handshake = next_element();
    if (handshake.name() != "handshake" || handshake.text() != xpush::interceptor::handshake_digest(id, secret_)) {
      throw std::runtime_error("xpushd sent a wrong handshake");
    }
    write("<handshake/>");
  }

  std::vector<Device> register_devices(int count) {
    std::string out;
    for (int i = 0; i < count; ++i) out += register_iq(i);
    write(out);
    std::vector<Device> devices(static_cast<std::size_t>(count));
    for (int answered = 0; answered < count;) {
      const Element iq = next_element();
      const auto id = iq.attr_or("id");
      if (id.empty() || id[0] != 'r') continue;
      if (iq.attr_or("type") != "result") throw std::runtime_error("registration refused: " + std::string{id});
      const Element* command = iq.child("command", "http://jabber.org/protocol/commands");
      const Element* x = command ? command->child("x", "jabber:x:data") : nullptr;
      if (!x) throw std::runtime_error("registration answered without a form");
      const auto form = xpush::interceptor::DataForm::parse(*x);
      auto& d = devices[static_cast<std::size_t>(std::stoi(std::string{id.substr(1)}))];
      d.node = form.value_or("node");
      d.secret = form.value_or("secret");
      ++answered;
    }
    return devices;
  }

  struct Figures {
    std::uint64_t answered = 0, refused = 0;
    double seconds = 0;
    std::vector<std::int64_t> latencies_ns;  // publish -> answer
    std::vector<std::uint64_t> answered_result;  // the numbers answered `result`
    bool link_lost = false;
  };

  // A signal to xpushd once `after` publishes were answered `result`:
  // SIGKILL (the link is then lost) or SIGUSR2 (a restart in place, the
  // link must stay). pid 0: none.
  struct Kill {
    pid_t pid = 0;
    std::uint64_t after = 0;
    int signal = SIGKILL;
  };

  // Sends `count` publishes with at most `window` in flight; with `rate` > 0,
  // no faster than that many per second.
  Figures publish(const std::vector<Device>& devices, std::uint64_t count, std::size_t window, double rate,
                  std::ofstream& sends, Kill kill) {
    Figures f;
    try {
      publish_until_done(f, devices, count, window, rate, sends, kill);
    } catch (const std::exception&) {
      if (!kill.pid || kill.signal != SIGKILL) throw;
      f.link_lost = true;  // xpushd was killed: what it answered before is all there is
    }
    return f;
  }

 private:
  void publish_until_done(Figures& f, const std::vector<Device>& devices, std::uint64_t count,
                          std::size_t window, double rate, std::ofstream& sends, Kill kill) {
    std::vector<std::int64_t> sent_at(count, 0);
    std::uint64_t next = 0;
    std::size_t in_flight = 0;
    const std::int64_t t0 = mono_ns();
    const double interval_ns = rate > 0 ? 1e9 / rate : 0;
    while (f.answered + f.refused < count) {
      std::string batch;
      const std::int64_t now = mono_ns();
      while (next < count && in_flight < window &&
             (interval_ns == 0 || now - t0 >= static_cast<std::int64_t>(interval_ns * static_cast<double>(next)))) {
        batch += publish_iq(next, devices[next % devices.size()]);
        sent_at[next] = now;
        sends << next << ' ' << now << '\n';
        ++next;
        ++in_flight;
      }
      if (!batch.empty()) write(batch);
      if (in_flight == 0) {
        // Paced and nothing due: wait for the next slot.
        const auto due = t0 + static_cast<std::int64_t>(interval_ns * static_cast<double>(next));
        const auto wait = std::max<std::int64_t>(0, due - mono_ns());
        timespec ts{static_cast<time_t>(wait / 1'000'000'000), static_cast<long>(wait % 1'000'000'000)};
        nanosleep(&ts, nullptr);
        continue;
      }
      if (interval_ns > 0 && next < count) {
        wait_readable(t0 + static_cast<std::int64_t>(interval_ns * static_cast<double>(next)));
        if (parsed_.empty() && socket_.available() == 0) continue;
      }
      drain_answers(f, sent_at, in_flight);
      if (kill.pid && f.answered >= kill.after) {
        ::kill(kill.pid, kill.signal);
        kill.pid = 0;
        kill_pending_ = kill.signal == SIGKILL;
        if (kill_pending_) f.seconds = static_cast<double>(mono_ns() - t0) / 1e9;
      }
      if (kill_pending_) {
        // Nothing more is sent; answers already on their way still count.
        for (;;) drain_answers(f, sent_at, in_flight);
      }
    }
    f.seconds = static_cast<double>(mono_ns() - t0) / 1e9;
  }

  // Takes one answer (waiting for it), then every other one already here.
  void drain_answers(Figures& f, const std::vector<std::int64_t>& sent_at, std::size_t& in_flight) {
    do {
      const Element iq = next_element();
      const auto id = iq.attr_or("id");
      if (id.size() < 2 || id[0] != 'p') continue;
      const auto seq = std::stoull(std::string{id.substr(1)});
      if (iq.attr_or("type") == "result") {
        ++f.answered;
        f.answered_result.push_back(seq);
      } else {
        ++f.refused;
      }
      f.latencies_ns.push_back(mono_ns() - sent_at[seq]);
      --in_flight;
    } while (!parsed_.empty());
  }

  // Paced: waits until the socket has bytes or `until_ns` comes.
  void wait_readable(std::int64_t until_ns) {
    if (!parsed_.empty()) return;
    const auto wait = std::max<std::int64_t>(0, until_ns - mono_ns());
    timespec ts{static_cast<time_t>(wait / 1'000'000'000), static_cast<long>(wait % 1'000'000'000)};
    pollfd p{socket_.native_handle(), POLLIN, 0};
    ppoll(&p, 1, &ts, nullptr);
  }

  void write(const std::string& data) { asio::write(socket_, asio::buffer(data)); }

  // The next element xpushd wrote (its stream header first), read with the
  // project's own stream parser.
  Element next_element() {
    while (parsed_.empty()) {
      char chunk[65536];
      const auto n = socket_.read_some(asio::buffer(chunk));
      auto result = stream_.feed({chunk, n});
      for (auto& event : result.events) {
        if (auto* opened = std::get_if<xpush::interceptor::StreamOpened>(&event)) {
          parsed_.push_back(std::move(opened->header));
        } else if (auto* element = std::get_if<Element>(&event)) {
          parsed_.push_back(std::move(*element));
        }
      }
      if (result.error) throw std::runtime_error("xpushd's stream: " + describe(*result.error));
    }
    Element next = std::move(parsed_.front());
    parsed_.pop_front();
    return next;
  }

  tcp::socket socket_;
  bool kill_pending_ = false;
  std::string secret_;
  xpush::interceptor::XmlStream stream_;
  std::deque<Element> parsed_;
};

double percentile_ms(std::vector<std::int64_t>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())));
  return static_cast<double>(v[i]) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"e2e_driver: the XMPP server's side of the end-to-end benchmark"};
  int devices = 1000;
  std::uint64_t count = 100'000;
  std::size_t window = 1000;
  double rate = 0;
  std::string secret, sends_path, answered_path;
  bool hold = false, bare = true;
  cli.add_option("--devices", devices);
  cli.add_option("--count", count);
  cli.add_option("--window", window);
  cli.add_option("--rate", rate, "publishes offered per second (0: as fast as answered)");
  cli.add_option("--secret", secret)->required();
  cli.add_option("--sends", sends_path)->required();
  cli.add_option("--answered", answered_path, "writes the numbers of the publishes answered `result`");
  cli.add_flag("--hold", hold,
               "after registering, waits for a line on stdin: `go`, `kill PID N` (kill -9 PID once N "
               "publishes were answered `result`) or `restart PID N` (SIGUSR2 instead: a restart in place, "
               "the link must stay up)");
  cli.add_flag("!--no-bare", bare, "every publish carries a body (and so its number)");
  CLI11_PARSE(cli, argc, argv);

  asio::io_context io;
  tcp::acceptor acceptor{io, {asio::ip::make_address("127.0.0.1"), 0}};
  std::cout << "PORT " << acceptor.local_endpoint().port() << std::endl;
  tcp::socket socket = acceptor.accept();
  socket.set_option(tcp::no_delay(true));
  Driver driver{std::move(socket), secret};
  driver.handshake();
  const auto registered = driver.register_devices(devices);
  std::cout << "REGISTERED " << registered.size() << std::endl;
  g_bare = bare;
  Driver::Kill kill;
  if (hold) {
    std::string order;
    std::cin >> order;
    if (order == "kill" || order == "restart") std::cin >> kill.pid >> kill.after;
    if (order == "restart") kill.signal = SIGUSR2;
    std::cin.ignore(std::numeric_limits<std::streamsize>::max(), '\n');  // the end comes as EOF
  }
  std::ofstream sends{sends_path};
  auto f = driver.publish(registered, count, window, rate, sends, kill);
  sends.close();
  if (!answered_path.empty()) {
    std::ofstream answered{answered_path};
    for (const auto seq : f.answered_result) answered << seq << '\n';
  }
  if (f.link_lost) std::cout << "KILLED answered_result=" << f.answered << std::endl;
  const double per_s = static_cast<double>(f.answered + f.refused) / f.seconds;
  std::printf("publishes=%llu answered_result=%llu refused=%llu seconds=%.3f answered_per_s=%.0f "
              "answer_p50_ms=%.3f answer_p99_ms=%.3f answer_p999_ms=%.3f answer_max_ms=%.3f\n",
              static_cast<unsigned long long>(count), static_cast<unsigned long long>(f.answered),
              static_cast<unsigned long long>(f.refused), f.seconds, per_s,
              percentile_ms(f.latencies_ns, 0.50), percentile_ms(f.latencies_ns, 0.99),
              percentile_ms(f.latencies_ns, 0.999), percentile_ms(f.latencies_ns, 1.0));
  std::fflush(stdout);
  // Keep the link up until the script has read the provider side.
  std::string line;
  std::getline(std::cin, line);
}
