// DeviceStore on PostgreSQL: otp_devices, otp_static_codes, otp_send_counters (migration 2).
#include "store/postgres/stores.hpp"

namespace dfauth::store::postgres {
namespace {

#define DFAUTH_PG_DEVICE_COLUMNS                                                                 \
  "id, user_id, type, name, destination, confirmed, secret, code_hash, valid_until, attempts, " \
  "throttle_failures, throttle_until, last_totp_step, last_sent_at, created_at"

Device ReadDevice(const Rows& rows, int r) {
  Device d;
  d.id = rows.Int64(r, 0);
  d.user_id = rows.Int64(r, 1);
  d.type = rows.Text(r, 2);
  d.name = rows.Text(r, 3);
  d.destination = rows.Text(r, 4);
  d.confirmed = rows.Bool(r, 5);
  d.secret = rows.Text(r, 6);
  d.code_hash = rows.Text(r, 7);
  d.valid_until = rows.Int64(r, 8);
  d.attempts = rows.Int64(r, 9);
  d.throttle_failures = rows.Int64(r, 10);
  d.throttle_until = rows.Int64(r, 11);
  d.last_totp_step = rows.Int64(r, 12);
  d.last_sent_at = rows.Int64(r, 13);
  d.created_at = rows.Int64(r, 14);
  return d;
}

std::vector<Device> ReadDevices(const Rows& rows) {
  std::vector<Device> out;
  for (int r = 0; r < rows.Count(); ++r) out.push_back(ReadDevice(rows, r));
  return out;
}

void WriteStaticCodes(Connection& c, int64_t device_id, const std::vector<std::string>& codes) {
  c.Run("DELETE FROM otp_static_codes WHERE device_id = $1", Params().Add(device_id));
  for (const auto& hash : codes) {
    c.Run("INSERT INTO otp_static_codes(device_id, code_hash) VALUES($1, $2) ON CONFLICT DO NOTHING",
          Params().Add(device_id).Add(hash));
  }
}

class PostgresDeviceStore final : public DeviceStore {
 public:
  explicit PostgresDeviceStore(Pool& pool) : pool_(pool) {}

  int64_t CreateDevice(const Device& d) override {
    Pool::Lease c(pool_);
    Transaction tx(*c);
    const int64_t id =
        c->Run("INSERT INTO otp_devices(user_id, type, name, destination, confirmed, secret, code_hash, "
               "valid_until, attempts, throttle_failures, throttle_until, last_totp_step, last_sent_at, "
               "created_at) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
               Params()
                   .Add(d.user_id).Add(d.type).Add(d.name).Add(d.destination).Add(d.confirmed).Add(d.secret)
                   .Add(d.code_hash).Add(d.valid_until).Add(d.attempts).Add(d.throttle_failures)
                   .Add(d.throttle_until).Add(d.last_totp_step).Add(d.last_sent_at).Add(d.created_at))
            .Int64(0, 0);
    if (!d.static_code_hashes.empty()) WriteStaticCodes(*c, id, d.static_code_hashes);
    tx.Commit();
    return id;
  }

  std::optional<Device> FindDevice(int64_t user_id, std::string_view type, int64_t id) override {
    Pool::Lease c(pool_);
    auto rows = c->Run("SELECT " DFAUTH_PG_DEVICE_COLUMNS " FROM otp_devices WHERE id = $1 AND user_id = $2 AND type = $3",
                       Params().Add(id).Add(user_id).Add(type));
    if (rows.Empty()) return std::nullopt;
    return ReadDevice(rows, 0);
  }

  std::optional<Device> FindDeviceByDestination(int64_t user_id, std::string_view type,
                                                std::string_view destination) override {
    Pool::Lease c(pool_);
    auto rows = c->Run("SELECT " DFAUTH_PG_DEVICE_COLUMNS " FROM otp_devices WHERE user_id = $1 AND type = $2 "
                       "AND lower(destination) = lower($3) ORDER BY id LIMIT 1",
                       Params().Add(user_id).Add(type).Add(destination));
    if (rows.Empty()) return std::nullopt;
    return ReadDevice(rows, 0);
  }

  std::vector<Device> ListPendingDevices(std::string_view type, std::string_view destination, int limit) override {
    Pool::Lease c(pool_);
    return ReadDevices(c->Run("SELECT " DFAUTH_PG_DEVICE_COLUMNS " FROM otp_devices WHERE lower(destination) = "
                              "lower($1) AND type = $2 AND NOT confirmed ORDER BY id LIMIT $3",
                              Params().Add(destination).Add(type).Add(limit)));
  }

  std::vector<Device> ListDevices(int64_t user_id) override {
    Pool::Lease c(pool_);
    return ReadDevices(c->Run("SELECT " DFAUTH_PG_DEVICE_COLUMNS " FROM otp_devices WHERE user_id = $1 ORDER BY id",
                              Params().Add(user_id)));
  }

  bool DeleteDevice(int64_t user_id, std::string_view type, int64_t id) override {
    Pool::Lease c(pool_);
    return c->Run("DELETE FROM otp_devices WHERE id = $1 AND user_id = $2 AND type = $3",
                  Params().Add(id).Add(user_id).Add(type))
               .Affected() == 1;
  }

  bool UpdateDevice(int64_t id, const std::function<bool(Device&)>& mutate) override {
    Pool::Lease c(pool_);
    // FOR UPDATE: two verifications of one code (on any replica) queue on the row, and the
    // second reads the first one's consumption.
    Transaction tx(*c);
    auto rows = c->Run("SELECT " DFAUTH_PG_DEVICE_COLUMNS " FROM otp_devices WHERE id = $1 FOR UPDATE", Params().Add(id));
    if (rows.Empty()) return false;
    Device d = ReadDevice(rows, 0);
    if (d.type == "static") {
      auto codes = c->Run("SELECT code_hash FROM otp_static_codes WHERE device_id = $1 ORDER BY code_hash",
                          Params().Add(id));
      for (int r = 0; r < codes.Count(); ++r) d.static_code_hashes.push_back(codes.Text(r, 0));
    }
    const std::vector<std::string> codes_before = d.static_code_hashes;
    if (!mutate(d)) return true;
    c->Run("UPDATE otp_devices SET name = $1, destination = $2, confirmed = $3, secret = $4, code_hash = $5, "
           "valid_until = $6, attempts = $7, throttle_failures = $8, throttle_until = $9, last_totp_step = $10, "
           "last_sent_at = $11 WHERE id = $12",
           Params()
               .Add(d.name).Add(d.destination).Add(d.confirmed).Add(d.secret).Add(d.code_hash).Add(d.valid_until)
               .Add(d.attempts).Add(d.throttle_failures).Add(d.throttle_until).Add(d.last_totp_step)
               .Add(d.last_sent_at).Add(id));
    if (d.static_code_hashes != codes_before) WriteStaticCodes(*c, id, d.static_code_hashes);
    tx.Commit();
    return true;
  }

  int64_t CountSend(std::string_view destination, int64_t window_start) override {
    Pool::Lease c(pool_);
    c->Run("DELETE FROM otp_send_counters WHERE destination = $1 AND window_start < $2",
           Params().Add(destination).Add(window_start));
    // One atomic upsert: concurrent senders on any replica queue on the row.
    return c->Run("INSERT INTO otp_send_counters(destination, window_start, count) VALUES($1, $2, 1) "
                  "ON CONFLICT (destination, window_start) DO UPDATE SET count = otp_send_counters.count + 1 "
                  "RETURNING count",
                  Params().Add(destination).Add(window_start))
        .Int64(0, 0);
  }

 private:
  Pool& pool_;
};

#undef DFAUTH_PG_DEVICE_COLUMNS

}  // namespace

std::unique_ptr<DeviceStore> MakeDeviceStore(Pool& pool) { return std::make_unique<PostgresDeviceStore>(pool); }

}  // namespace dfauth::store::postgres
