#include "audit/audit.hpp"

#include "text/timestamp.hpp"

namespace dfauth::audit {

void Record(store::Database& db, int64_t now, const Entry& entry) {
  store::AuditEvent e;
  e.at = now;
  e.event = entry.event;
  e.method = entry.method;
  e.outcome = entry.outcome;
  e.user_id = entry.user_id;
  e.actor_id = entry.actor.id;
  e.ip = entry.actor.ip;
  e.detail = entry.detail;
  db.Audit().Append(e);
}

bool PurgeExpired(store::Database& db, int64_t now, int64_t retention_days, int64_t row_limit) {
  if (retention_days <= 0) return true;
  return db.Audit().PurgeBefore(now - retention_days * 86'400, row_limit);
}

std::string FormatLine(const store::AuditEvent& e) {
  auto field = [](const std::string& s) { return s.empty() ? std::string("-") : s; };
  auto id = [](const std::optional<int64_t>& v) { return v ? std::to_string(*v) : std::string("-"); };
  return text::UtcSeconds(e.at) + "\t" + e.event + "\t" + e.outcome + "\t" + field(e.method) + "\tuser=" +
         id(e.user_id) + "\tactor=" + id(e.actor_id) + "\tip=" + field(e.ip) + "\t" + field(e.detail);
}

}  // namespace dfauth::audit
