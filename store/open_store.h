// Opens the configured backend: PostgreSQL when a connection string is
// given, else the SQLite file.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "store/sealer.h"
#include "store/store.h"

namespace xpush::store {

struct StoreLocation {
  std::string sqlite_path = "xpush.db";
  std::string postgresql_dsn;  // non-empty: PostgreSQL
  // How long any answer of the PostgreSQL server may take; past it the
  // connection is dropped and the call fails as unavailable.
  std::chrono::milliseconds postgresql_timeout{30'000};
  // Non-empty: bodies are sealed at rest with the first key; the others
  // (earlier keys) still open what they sealed.
  std::vector<SealingKey> sealing_keys;
};

StoreResult<std::unique_ptr<Store>> open_store(const StoreLocation& location);

// For logs: the backend and where it is, without credentials.
std::string describe(const StoreLocation& location);

}  // namespace xpush::store
