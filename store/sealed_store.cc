#include "store/sealed_store.h"

namespace xpush::store {

OfflineMessage SealedStore::sealed(OfflineMessage m) const {
  m.content = sealer_.seal(m.content, m.account);
  return m;
}

std::vector<OutboxEntry> SealedStore::opened(std::vector<OutboxEntry> entries) const {
  for (auto& e : entries) {
    auto plain = sealer_.open(e.payload, e.id);
    e.payload = plain ? std::move(*plain) : std::string{};  // unreadable: buried by the dispatcher
  }
  return entries;
}

// A token's owner is its account: a sealed token copied into another
// account's row does not open.
StoreResult<void> SealedStore::open_token(Registration& r) const {
  auto plain = sealer_.open(r.token, r.account);
  if (!plain) {
    // Temporary, not a refusal: the server must not drop the device because
    // a key is missing from the configuration.
    return tl::unexpected(StoreError{StoreErrorKind::kFatal,
                                     "the device token of node " + r.node + ": " + plain.error()});
  }
  r.token = std::move(*plain);
  if (!r.voip_token.empty()) {
    auto voip = sealer_.open(r.voip_token, r.account);
    if (!voip) {
      return tl::unexpected(StoreError{StoreErrorKind::kFatal,
                                       "the VoIP token of node " + r.node + ": " + voip.error()});
    }
    r.voip_token = std::move(*voip);
  }
  return {};
}

StoreResult<Registration> SealedStore::upsert_registration(const Registration& candidate) {
  Registration sealed_token = candidate;
  sealed_token.token = sealer_.seal(candidate.token, candidate.account);
  if (!candidate.voip_token.empty()) sealed_token.voip_token = sealer_.seal(candidate.voip_token, candidate.account);
  auto stored = inner_->upsert_registration(sealed_token);
  if (stored) {
    stored->token = candidate.token;
    stored->voip_token = candidate.voip_token;
  }
  return stored;
}

StoreResult<std::optional<Registration>> SealedStore::find_registration(const std::string& domain,
                                                                        const std::string& node) {
  auto found = inner_->find_registration(domain, node);
  if (!found || !*found) return found;
  if (auto opened = open_token(**found); !opened) return tl::unexpected(opened.error());
  return found;
}

StoreResult<std::vector<Registration>> SealedStore::registrations_of(const std::string& account) {
  auto listed = inner_->registrations_of(account);
  if (!listed) return listed;
  for (auto& r : *listed) {
    if (auto opened = open_token(r); !opened) return tl::unexpected(opened.error());
  }
  return listed;
}

namespace {
template <class Open>
StoreResult<std::vector<Registration>> with_tokens_opened(StoreResult<std::vector<Registration>> listed, Open open) {
  if (!listed) return listed;
  for (auto& r : *listed) {
    if (auto ok = open(r); !ok) return tl::unexpected(ok.error());
  }
  return listed;
}
}  // namespace

StoreResult<std::vector<Registration>> SealedStore::devices_of(const std::string& account) {
  return with_tokens_opened(inner_->devices_of(account), [this](Registration& r) { return open_token(r); });
}

StoreResult<std::vector<Registration>> SealedStore::registrations_with_node(const std::string& node) {
  return with_tokens_opened(inner_->registrations_with_node(node), [this](Registration& r) { return open_token(r); });
}

StoreResult<void> SealedStore::enqueue(const OutboxEntry& entry) {
  OutboxEntry e = entry;
  e.payload = sealer_.seal(entry.payload, entry.id);
  return inner_->enqueue(e);
}

StoreResult<std::vector<OutboxEntry>> SealedStore::claim_due(std::int64_t now_ms, std::size_t limit,
                                                             const Lease& lease) {
  auto due = inner_->claim_due(now_ms, limit, lease);
  if (!due) return due;
  return opened(std::move(*due));
}

StoreResult<std::vector<OutboxEntry>> SealedStore::dead_letters(std::size_t limit) {
  auto dead = inner_->dead_letters(limit);
  if (!dead) return dead;
  return opened(std::move(*dead));
}

StoreResult<std::int64_t> SealedStore::store_message(const OfflineMessage& message) {
  return inner_->store_message(sealed(message));
}

StoreResult<std::int64_t> SealedStore::store_message_counting_unread(const OfflineMessage& message) {
  return inner_->store_message_counting_unread(sealed(message));
}

StoreResult<void> SealedStore::store_messages(const std::vector<OfflineMessage>& messages) {
  std::vector<OfflineMessage> out;
  out.reserve(messages.size());
  for (const auto& m : messages) out.push_back(sealed(m));
  return inner_->store_messages(out);
}

StoreResult<std::vector<OfflineMessage>> SealedStore::messages_of(const std::string& account, std::size_t limit,
                                                                  std::int64_t before_id) {
  auto listed = inner_->messages_of(account, limit, before_id);
  if (!listed) return listed;
  for (auto& m : *listed) {
    auto plain = sealer_.open(m.content, m.account);
    if (!plain) {
      return tl::unexpected(StoreError{StoreErrorKind::kFatal,
                                       "offline message " + std::to_string(m.id) + ": " + plain.error()});
    }
    m.content = std::move(*plain);
  }
  return listed;
}

}  // namespace xpush::store
