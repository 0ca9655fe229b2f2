// A few HTTP/2 connections to one endpoint: new ones are opened up to the
// size, connections that stopped accepting work (GOAWAY, errors) are
// dropped, and each request goes to the least loaded.
#pragma once

#include <memory>
#include <vector>

#include "push/h2_connection.h"

namespace xpush::push {

class H2Pool {
 public:
  H2Pool(boost::asio::any_io_executor executor, H2Endpoint endpoint, std::size_t size);
  ~H2Pool();
  H2Pool(const H2Pool&) = delete;
  H2Pool& operator=(const H2Pool&) = delete;

  std::shared_ptr<H2Connection> pick();

 private:
  boost::asio::any_io_executor executor_;
  H2Endpoint endpoint_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  std::size_t size_;
  std::vector<std::shared_ptr<H2Connection>> connections_;
};

}  // namespace xpush::push
