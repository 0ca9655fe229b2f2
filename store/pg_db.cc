#include "store/pg_db.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
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

StoreResult<PgDb> PgDb::connect(const std::string& dsn, std::chrono::milliseconds timeout) {
  // The DSN's own settings come after the defaults, so they win.
  const char* keys[] = {"connect_timeout", "dbname", nullptr};
  const char* values[] = {"10", dsn.c_str(), nullptr};
  PgDb db{PQconnectdbParams(keys, values, 1), timeout};
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
  stalled_ = false;
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
  if (stalled_) {
    return StoreError{StoreErrorKind::kUnavailable, std::string{what} + ": PostgreSQL did not answer within " +
                                                        std::to_string(timeout_.count()) + " ms; connection dropped"};
  }
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

StoreResult<const std::string*> PgDb::prepared(std::string_view what, const std::string& sql) {
  if (auto it = prepared_.find(sql); it != prepared_.end()) return &it->second;
  if (auto settled = settle(); !settled) return tl::unexpected(settled.error());  // PQprepare waits
  auto [it, fresh] = prepared_.try_emplace(sql, "xpush_" + std::to_string(prepared_.size()));
  PgResult result = PQsendPrepare(conn_.get(), it->second.c_str(), sql.c_str(), 0, nullptr) == 1
                        ? collect()
                        : PgResult{nullptr};
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    auto e = error(what, result.get());
    prepared_.erase(it);
    return tl::unexpected(e);
  }
  return &it->second;
}

bool PgDb::send_prepared(const std::string& name, const std::vector<PgParam>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.value().c_str());
  return PQsendQueryPrepared(conn_.get(), name.c_str(), static_cast<int>(values.size()), values.data(), nullptr,
                             nullptr, 0) == 1;
}

StoreResult<PgResult> PgDb::query(std::string_view what, const std::string& sql,
                                  const std::vector<PgParam>& params) {
  if (auto c = ensure_connected(what); !c) return tl::unexpected(c.error());
  if (failed_) return tl::unexpected(*failed_);
  auto name = prepared(what, sql);
  if (!name) return tl::unexpected(name.error());
  if (!unanswered_.empty()) {
    // Pipelined behind what send() left: one round trip for all of it.
    if (!send_prepared(**name, params)) failed_ = error(what, nullptr);
    auto own = finish_pipeline(what);
    if (!own) return tl::unexpected(own.error());
    return std::move(**own);
  }
  PgResult result = send_prepared(**name, params) ? collect() : PgResult{nullptr};
  const auto status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return tl::unexpected(error(what, result.get()));
  }
  return result;
}

StoreResult<void> PgDb::send(std::string_view what, const std::string& sql, const std::vector<PgParam>& params) {
  if (depth_ == 0) return query(what, sql, params).map([](const PgResult&) {});
  if (auto c = ensure_connected(what); !c) return c;
  if (failed_) return tl::unexpected(*failed_);
  auto name = prepared(what, sql);
  if (!name) return tl::unexpected(name.error());
  if (unanswered_.empty() && PQenterPipelineMode(conn_.get()) != 1) {
    return tl::unexpected(error(what, nullptr));
  }
  if (!send_prepared(**name, params)) {
    failed_ = error(what, nullptr);
    return settle();
  }
  unanswered_.emplace_back(what);
  // Bounded, so that neither side's socket buffer fills while the other waits.
  constexpr std::size_t kMaxUnanswered = 256;
  if (unanswered_.size() >= kMaxUnanswered) return settle();
  return {};
}

StoreResult<std::optional<PgResult>> PgDb::finish_pipeline(std::optional<std::string_view> own) {
  PGconn* conn = conn_.get();
  if (PQpipelineSync(conn) != 1 && !failed_) failed_ = error("sending to PostgreSQL", nullptr);
  // Every statement's answer is one or more results, then a null.
  auto answer = [&](std::string_view what) -> std::optional<PgResult> {
    std::optional<PgResult> first;
    while (PGresult* raw = next_result()) {
      PgResult r{raw};
      const auto status = PQresultStatus(raw);
      if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && !failed_) {
        failed_ = status == PGRES_PIPELINE_ABORTED
                      ? StoreError{StoreErrorKind::kUnavailable, std::string{what} + ": an earlier statement failed"}
                      : error(what, raw);
      }
      if (!first) first.emplace(std::move(r));
    }
    if (!first && !failed_) failed_ = error(what, nullptr);  // no answer: the connection is gone
    return first;
  };
  for (const auto& what : unanswered_) answer(what);
  unanswered_.clear();
  std::optional<PgResult> mine;
  if (own) mine = answer(*own);
  // The sync's own result ends the pipeline; a lost connection ends it too.
  if (PGresult* sync = next_result()) PQclear(sync);
  PQexitPipelineMode(conn);
  if (failed_) return tl::unexpected(*failed_);
  return mine;
}

PGresult* PgDb::next_result() {
  PGconn* conn = conn_.get();
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  while (!stalled_ && PQisBusy(conn)) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    pollfd socket{PQsocket(conn), POLLIN, 0};
    const int ready = left > 0 && socket.fd >= 0 ? ::poll(&socket, 1, static_cast<int>(left)) : 0;
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      // A server that hangs (stopped, or a lost network path) is dropped:
      // libpq sees the connection end and every waiting call fails.
      stalled_ = true;
      ::shutdown(socket.fd, SHUT_RDWR);
    }
    if (PQconsumeInput(conn) == 0) break;
  }
  return PQgetResult(conn);
}

PgResult PgDb::collect() {
  PgResult kept{nullptr};
  bool kept_failed = false;
  while (PGresult* raw = next_result()) {
    if (kept_failed) {
      PQclear(raw);  // an earlier statement failed: its error is the answer
      continue;
    }
    const auto status = PQresultStatus(raw);
    kept = PgResult{raw};
    kept_failed = status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK;
  }
  return kept;
}

PgResult PgDb::run_simple(const char* sql) {
  if (PQsendQuery(conn_.get(), sql) != 1) return PgResult{nullptr};
  return collect();
}

StoreResult<void> PgDb::settle() {
  if (unanswered_.empty()) return failed_ ? StoreResult<void>{tl::unexpected(*failed_)} : StoreResult<void>{};
  return finish_pipeline(std::nullopt).map([](const std::optional<PgResult>&) {});
}

StoreResult<void> PgDb::exec(std::string_view what, const std::string& sql) {
  if (auto c = ensure_connected(what); !c) return tl::unexpected(c.error());
  if (auto settled = settle(); !settled) return settled;  // what was sent first is answered first
  PgResult result = run_simple(sql.c_str());
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
  if (auto c = ensure_connected("committing"); !c) {
    depth_ = 0;
    unanswered_.clear();
    failed_.reset();
    return c;
  }
  std::optional<PgResult> result;
  if (!unanswered_.empty() && !failed_) {
    // COMMIT goes with the pipelined statements: one round trip for all.
    if (PQsendQueryParams(conn_.get(), "COMMIT", 0, nullptr, nullptr, nullptr, nullptr, 0) != 1) {
      failed_ = error("committing", nullptr);
    }
    if (auto answered = finish_pipeline("committing")) result = std::move(**answered);
  } else if (!failed_) {
    result.emplace(run_simple("COMMIT"));
    if (PQresultStatus(result->get()) != PGRES_COMMAND_OK) failed_ = error("committing", result->get());
  } else {
    (void)settle();
  }
  depth_ = 0;
  if (failed_) {
    // A pipelined statement failed before the COMMIT ran: end the transaction.
    (void)run_simple("ROLLBACK");
    auto e = *failed_;
    failed_.reset();
    return tl::unexpected(e);
  }
  // COMMIT of a transaction an error aborted answers "ROLLBACK", not an error.
  if (!result || result->command() != "COMMIT") {
    return tl::unexpected(StoreError{StoreErrorKind::kUnavailable,
                                     "committing: an earlier error aborted the transaction; nothing was stored"});
  }
  return {};
}

void PgDb::rollback() {
  if (depth_ == 0) return;
  (void)settle();
  if (PQstatus(conn_.get()) == CONNECTION_OK) {
    (void)run_simple(depth_ > 1 ? "ROLLBACK TO SAVEPOINT nested; RELEASE SAVEPOINT nested" : "ROLLBACK");
  }
  if (--depth_ == 0) failed_.reset();
}

}  // namespace xpush::store
