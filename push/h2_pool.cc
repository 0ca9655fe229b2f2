#include "push/h2_pool.h"

#include <algorithm>

namespace xpush::push {

H2Pool::H2Pool(boost::asio::any_io_executor executor, H2Endpoint endpoint, std::size_t size)
    : executor_(executor),
      endpoint_(std::move(endpoint)),
      tls_(make_h2_tls_context(endpoint_)),
      size_(std::max<std::size_t>(size, 1)) {}

H2Pool::~H2Pool() {
  for (auto& c : connections_) c->close();
}

std::shared_ptr<H2Connection> H2Pool::pick() {
  std::erase_if(connections_, [](const auto& c) { return !c->accepting(); });
  if (connections_.size() < size_) {
    connections_.push_back(H2Connection::open(executor_, tls_, endpoint_));
    return connections_.back();
  }
  return *std::min_element(connections_.begin(), connections_.end(),
                           [](const auto& a, const auto& b) { return a->load() < b->load(); });
}

}  // namespace xpush::push
