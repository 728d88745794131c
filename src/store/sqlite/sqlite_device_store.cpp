#include "store/device_store.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/pool.hpp"
#include "store/sqlite/stores.hpp"

namespace dfauth::store::sqlite {

namespace {

#define DFAUTH_DEVICE_COLUMNS                                                                    \
  "id, user_id, type, name, destination, confirmed, secret, code_hash, valid_until, attempts, " \
  "throttle_failures, throttle_until, last_totp_step, last_sent_at, created_at"

Device ReadDevice(const Statement& row) {
  Device d;
  d.id = row.Int64(0);
  d.user_id = row.Int64(1);
  d.type = row.Text(2);
  d.name = row.Text(3);
  d.destination = row.Text(4);
  d.confirmed = row.Bool(5);
  d.secret = row.Text(6);
  d.code_hash = row.Text(7);
  d.valid_until = row.Int64(8);
  d.attempts = row.Int64(9);
  d.throttle_failures = row.Int64(10);
  d.throttle_until = row.Int64(11);
  d.last_totp_step = row.Int64(12);
  d.last_sent_at = row.Int64(13);
  d.created_at = row.Int64(14);
  return d;
}

std::vector<std::string> ReadStaticCodes(Connection& c, int64_t device_id) {
  std::vector<std::string> codes;
  auto st = c.Prepare("SELECT code_hash FROM otp_static_codes WHERE device_id = ? ORDER BY code_hash");
  st.Bind(1, device_id);
  while (st.Step()) codes.push_back(st.Text(0));
  return codes;
}

void WriteStaticCodes(Connection& c, int64_t device_id, const std::vector<std::string>& codes) {
  c.Prepare("DELETE FROM otp_static_codes WHERE device_id = ?").Bind(1, device_id).Run();
  for (const auto& hash : codes)
    c.Prepare("INSERT OR IGNORE INTO otp_static_codes(device_id, code_hash) VALUES(?, ?)")
        .Bind(1, device_id)
        .Bind(2, hash)
        .Run();
}

class SqliteDeviceStore final : public DeviceStore {
 public:
  explicit SqliteDeviceStore(Pool& pool) : pool_(pool) {}

  int64_t CreateDevice(const Device& d) override {
    Pool::WriteLease c(pool_);
    Transaction tx(*c, TransactionMode::kImmediate);
    c->Prepare(
         "INSERT INTO otp_devices(user_id, type, name, destination, confirmed, secret, code_hash, "
         "valid_until, attempts, throttle_failures, throttle_until, last_totp_step, last_sent_at, "
         "created_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .Bind(1, d.user_id)
        .Bind(2, d.type)
        .Bind(3, d.name)
        .Bind(4, d.destination)
        .Bind(5, d.confirmed)
        .Bind(6, d.secret)
        .Bind(7, d.code_hash)
        .Bind(8, d.valid_until)
        .Bind(9, d.attempts)
        .Bind(10, d.throttle_failures)
        .Bind(11, d.throttle_until)
        .Bind(12, d.last_totp_step)
        .Bind(13, d.last_sent_at)
        .Bind(14, d.created_at)
        .Run();
    int64_t id = c->LastInsertRowid();
    if (!d.static_code_hashes.empty()) WriteStaticCodes(*c, id, d.static_code_hashes);
    tx.Commit();
    return id;
  }

  std::optional<Device> FindDevice(int64_t user_id, std::string_view type, int64_t id) override {
    Pool::Lease c(pool_);
    auto st = c->Prepare("SELECT " DFAUTH_DEVICE_COLUMNS
                         " FROM otp_devices WHERE id = ? AND user_id = ? AND type = ?");
    st.Bind(1, id).Bind(2, user_id).Bind(3, type);
    if (!st.Step()) return std::nullopt;
    return ReadDevice(st);
  }

  std::optional<Device> FindDeviceByDestination(int64_t user_id, std::string_view type,
                                                std::string_view destination) override {
    Pool::Lease c(pool_);
    auto st = c->Prepare("SELECT " DFAUTH_DEVICE_COLUMNS
                         " FROM otp_devices WHERE user_id = ? AND type = ? AND destination = ? "
                         "COLLATE NOCASE ORDER BY id LIMIT 1");
    st.Bind(1, user_id).Bind(2, type).Bind(3, destination);
    if (!st.Step()) return std::nullopt;
    return ReadDevice(st);
  }

  std::vector<Device> ListPendingDevices(std::string_view type, std::string_view destination,
                                         int limit) override {
    Pool::Lease c(pool_);
    auto st = c->Prepare("SELECT " DFAUTH_DEVICE_COLUMNS
                         " FROM otp_devices WHERE destination = ? COLLATE NOCASE AND type = ? "
                         "AND confirmed = 0 ORDER BY id LIMIT ?");
    st.Bind(1, destination).Bind(2, type).Bind(3, int64_t{limit});
    std::vector<Device> out;
    while (st.Step()) out.push_back(ReadDevice(st));
    return out;
  }

  std::vector<Device> ListDevices(int64_t user_id) override {
    Pool::Lease c(pool_);
    auto st = c->Prepare("SELECT " DFAUTH_DEVICE_COLUMNS
                         " FROM otp_devices WHERE user_id = ? ORDER BY id");
    st.Bind(1, user_id);
    std::vector<Device> out;
    while (st.Step()) out.push_back(ReadDevice(st));
    return out;
  }

  bool DeleteDevice(int64_t user_id, std::string_view type, int64_t id) override {
    Pool::WriteLease c(pool_);
    c->Prepare("DELETE FROM otp_devices WHERE id = ? AND user_id = ? AND type = ?")
        .Bind(1, id)
        .Bind(2, user_id)
        .Bind(3, type)
        .Run();
    return c->Changes() == 1;
  }

  bool UpdateDevice(int64_t id, const std::function<bool(Device&)>& mutate) override {
    Pool::WriteLease c(pool_);
    // IMMEDIATE takes the write lock before the read, so two verifications of one code
    // serialise here and the second sees the first one's consumption.
    Transaction tx(*c, TransactionMode::kImmediate);
    Device d;
    {
      auto st = c->Prepare("SELECT " DFAUTH_DEVICE_COLUMNS " FROM otp_devices WHERE id = ?");
      st.Bind(1, id);
      if (!st.Step()) return false;
      d = ReadDevice(st);
    }
    if (d.type == "static") d.static_code_hashes = ReadStaticCodes(*c, id);
    const std::vector<std::string> codes_before = d.static_code_hashes;
    if (!mutate(d)) return true;
    c->Prepare(
         "UPDATE otp_devices SET name = ?1, destination = ?2, confirmed = ?3, secret = ?4, "
         "code_hash = ?5, valid_until = ?6, attempts = ?7, throttle_failures = ?8, "
         "throttle_until = ?9, last_totp_step = ?10, last_sent_at = ?11 WHERE id = ?12")
        .Bind(1, d.name)
        .Bind(2, d.destination)
        .Bind(3, d.confirmed)
        .Bind(4, d.secret)
        .Bind(5, d.code_hash)
        .Bind(6, d.valid_until)
        .Bind(7, d.attempts)
        .Bind(8, d.throttle_failures)
        .Bind(9, d.throttle_until)
        .Bind(10, d.last_totp_step)
        .Bind(11, d.last_sent_at)
        .Bind(12, id)
        .Run();
    if (d.static_code_hashes != codes_before) WriteStaticCodes(*c, id, d.static_code_hashes);
    tx.Commit();
    return true;
  }

  int64_t CountSend(std::string_view destination, int64_t window_start) override {
    Pool::WriteLease c(pool_);
    Transaction tx(*c, TransactionMode::kImmediate);
    c->Prepare("DELETE FROM otp_send_counters WHERE destination = ? AND window_start < ?")
        .Bind(1, destination)
        .Bind(2, window_start)
        .Run();
    int64_t count = 1;
    {
      auto st = c->Prepare(
          "INSERT INTO otp_send_counters(destination, window_start, count) VALUES(?, ?, 1) "
          "ON CONFLICT(destination, window_start) DO UPDATE SET count = count + 1 RETURNING count");
      st.Bind(1, destination).Bind(2, window_start);
      if (st.Step()) count = st.Int64(0);
      while (st.Step()) {
      }
    }
    tx.Commit();
    return count;
  }

 private:
  Pool& pool_;
};

#undef DFAUTH_DEVICE_COLUMNS

}  // namespace

std::unique_ptr<DeviceStore> MakeDeviceStore(Pool& pool) { return std::make_unique<SqliteDeviceStore>(pool); }

}  // namespace dfauth::store::sqlite
