#include "store/open_store.h"

#include <libpq-fe.h>

#include "store/pg_store.h"
#include "store/sealed_store.h"
#include "store/sqlite_store.h"

namespace xpush::store {

namespace {
StoreResult<std::unique_ptr<Store>> open_backend(const StoreLocation& location) {
  if (!location.postgresql_dsn.empty()) {
    auto pg = PgStore::open(location.postgresql_dsn, location.postgresql_timeout);
    if (!pg) return tl::unexpected(pg.error());
    return std::unique_ptr<Store>{std::move(*pg)};
  }
  auto sqlite = SqliteStore::open(location.sqlite_path);
  if (!sqlite) return tl::unexpected(sqlite.error());
  return std::unique_ptr<Store>{std::move(*sqlite)};
}
}  // namespace

StoreResult<std::unique_ptr<Store>> open_store(const StoreLocation& location) {
  auto backend = open_backend(location);
  if (!backend || location.sealing_keys.empty()) return backend;
  return std::unique_ptr<Store>{std::make_unique<SealedStore>(std::move(*backend), Sealer{location.sealing_keys})};
}

std::string describe(const StoreLocation& location) {
  const std::string sealed = location.sealing_keys.empty() ? "" : ", bodies sealed with key " + location.sealing_keys.front().id;
  if (location.postgresql_dsn.empty()) return "SQLite " + location.sqlite_path + sealed;
  std::string host = "localhost", port = "5432", dbname;
  char* error = nullptr;
  if (PQconninfoOption* options = PQconninfoParse(location.postgresql_dsn.c_str(), &error)) {
    for (auto* o = options; o->keyword; ++o) {
      if (!o->val) continue;
      const std::string key = o->keyword;
      if (key == "host" || key == "hostaddr") host = o->val;
      if (key == "port") port = o->val;
      if (key == "dbname") dbname = o->val;
    }
    PQconninfoFree(options);
  }
  PQfreemem(error);
  return "PostgreSQL " + host + ":" + port + (dbname.empty() ? "" : "/" + dbname) + sealed;
}

}  // namespace xpush::store
