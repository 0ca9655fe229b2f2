#include "store/pg_db.h"

#include <cstdlib>

namespace xpush::store {

std::string PgResult::text(int row, int column) const {
  return std::string{PQgetvalue(result_.get(), row, column),
                     static_cast<std::size_t>(PQgetlength(result_.get(), row, column))};
}

std::int64_t PgResult::integer(int row, int column) const {
  return std::strtoll(PQgetvalue(result_.get(), row, column), nullptr, 10);
}

std::int64_t PgResult::affected() const {
  return std::strtoll(PQcmdTuples(result_.get()), nullptr, 10);
}

StoreResult<PgDb> PgDb::connect(const std::string& dsn) {
  PgDb db{PQconnectdb(dsn.c_str())};
  if (!db.conn_ || PQstatus(db.conn_.get()) != CONNECTION_OK) {
    std::string reason = db.conn_ ? PQerrorMessage(db.conn_.get()) : "out of memory";
    while (!reason.empty() && reason.back() == '\n') reason.pop_back();
    return tl::unexpected(StoreError{StoreErrorKind::kUnavailable, "cannot connect to PostgreSQL: " + reason});
  }
  // Notices (e.g. "relation already exists, skipping") are not errors.
  PQsetNoticeProcessor(db.conn_.get(), [](void*, const char*) {}, nullptr);
  if (auto r = db.exec("setting the session", "SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC'"); !r) {
    return tl::unexpected(r.error());
  }
  return db;
}

StoreResult<void> PgDb::ensure_connected(std::string_view what) {
  if (PQstatus(conn_.get()) == CONNECTION_OK) return {};
  if (depth_ > 0) {
    // What the transaction did is gone with the session: say so, never go on.
    return tl::unexpected(StoreError{StoreErrorKind::kUnavailable,
                                     std::string{what} + ": PostgreSQL connection lost in a transaction"});
  }
  PQreset(conn_.get());
  prepared_.clear();  // statements die with the session
  if (PQstatus(conn_.get()) == CONNECTION_OK) return {};
  return tl::unexpected(StoreError{StoreErrorKind::kUnavailable,
                                   std::string{what} + ": PostgreSQL connection lost: " +
                                       PQerrorMessage(conn_.get())});
}

StoreError PgDb::error(std::string_view what, const PGresult* result) const {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string sqlstate = state ? state : "";
  std::string message = result ? PQresultErrorMessage(result) : PQerrorMessage(conn_.get());
  while (!message.empty() && message.back() == '\n') message.pop_back();
  StoreErrorKind kind = StoreErrorKind::kFatal;
  if (sqlstate.starts_with("23")) {
    kind = StoreErrorKind::kConflict;  // integrity constraint
  } else if (sqlstate.empty() || sqlstate.starts_with("08") || sqlstate.starts_with("40") ||
             sqlstate.starts_with("53") || sqlstate.starts_with("57") || sqlstate == "55P03") {
    // connection, rollback (serialization, deadlock), resources, shutdown, lock timeout
    kind = StoreErrorKind::kUnavailable;
  }
  return StoreError{kind, std::string{what} + ": " + message};
}

StoreResult<PgResult> PgDb::query(std::string_view what, const std::string& sql,
                                  std::initializer_list<PgParam> params) {
  return query(what, sql, std::vector<PgParam>{params});
}

StoreResult<PgResult> PgDb::query(std::string_view what, const std::string& sql,
                                  const std::vector<PgParam>& params) {
  if (auto c = ensure_connected(what); !c) return tl::unexpected(c.error());
  auto [it, fresh] = prepared_.try_emplace(sql, "xpush_" + std::to_string(prepared_.size()));
  if (fresh) {
    PgResult prepared{PQprepare(conn_.get(), it->second.c_str(), sql.c_str(), 0, nullptr)};
    if (PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
      auto e = error(what, prepared.get());
      prepared_.erase(it);
      return tl::unexpected(e);
    }
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.value().c_str());
  PgResult result{PQexecPrepared(conn_.get(), it->second.c_str(), static_cast<int>(values.size()),
                                 values.data(), nullptr, nullptr, 0)};
  const auto status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return tl::unexpected(error(what, result.get()));
  }
  return result;
}

StoreResult<void> PgDb::exec(std::string_view what, const std::string& sql) {
  if (auto c = ensure_connected(what); !c) return tl::unexpected(c.error());
  PgResult result{PQexec(conn_.get(), sql.c_str())};
  const auto status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return tl::unexpected(error(what, result.get()));
  }
  return {};
}

}  // namespace xpush::store

namespace xpush::store {

StoreResult<void> PgDb::begin() {
  if (auto r = exec("starting a transaction", depth_ == 0 ? "BEGIN" : "SAVEPOINT nested"); !r) return r;
  ++depth_;
  return {};
}

StoreResult<void> PgDb::commit() {
  if (depth_ > 1) {
    auto r = exec("committing", "RELEASE SAVEPOINT nested");
    if (!r) rollback();
    else --depth_;
    return r;
  }
  // COMMIT of a transaction an error aborted answers "ROLLBACK", not an error.
  if (auto c = ensure_connected("committing"); !c) {
    depth_ = 0;
    return c;
  }
  PgResult result{PQexec(conn_.get(), "COMMIT")};
  depth_ = 0;
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) return tl::unexpected(error("committing", result.get()));
  if (result.command() != "COMMIT") {
    return tl::unexpected(StoreError{StoreErrorKind::kUnavailable,
                                     "committing: an earlier error aborted the transaction; nothing was stored"});
  }
  return {};
}

void PgDb::rollback() {
  if (depth_ == 0) return;
  if (PQstatus(conn_.get()) == CONNECTION_OK) {
    (void)exec("rolling back", depth_ > 1 ? "ROLLBACK TO SAVEPOINT nested; RELEASE SAVEPOINT nested" : "ROLLBACK");
  }
  --depth_;
}

}  // namespace xpush::store
