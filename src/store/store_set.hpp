#pragma once
// What every backend's Database shares: it owns one store of each kind, made on its own pool,
// and hands them out. A backend derives from StoreSetDatabase and fills `stores_` with
// MakeStores(its pool) once the pool exists.

#include <memory>

#include "store/audit_store.hpp"
#include "store/database.hpp"
#include "store/account_safety_store.hpp"
#include "store/device_store.hpp"
#include "store/guard_store.hpp"
#include "store/key_store.hpp"
#include "store/outbox_store.hpp"
#include "store/passkey_store.hpp"
#include "store/password_reset_store.hpp"
#include "store/session_store.hpp"
#include "store/social_store.hpp"
#include "store/token_store.hpp"
#include "store/user_store.hpp"

namespace dfauth::store {

struct StoreSet {
  std::unique_ptr<UserStore> users;
  std::unique_ptr<TokenStore> tokens;
  std::unique_ptr<KeyStore> keys;
  std::unique_ptr<DeviceStore> devices;
  std::unique_ptr<GuardStore> guard;
  std::unique_ptr<OutboxStore> outbox;
  std::unique_ptr<SocialStore> social;
  std::unique_ptr<SessionStore> sessions;
  std::unique_ptr<PasswordResetStore> password_resets;
  std::unique_ptr<PasskeyStore> passkeys;
  std::unique_ptr<AuditStore> audit;
  std::unique_ptr<AccountSafetyStore> account_safety;
};

/// The twelve stores on `pool`, from the backend's Make…Store factories (found in the pool's
/// namespace: store/sqlite/stores.hpp, store/postgres/stores.hpp).
template <typename BackendPool>
StoreSet MakeStores(BackendPool& pool) {
  return StoreSet{MakeUserStore(pool),   MakeTokenStore(pool),  MakeKeyStore(pool),    MakeDeviceStore(pool),
                  MakeGuardStore(pool),  MakeOutboxStore(pool), MakeSocialStore(pool),
                  MakeSessionStore(pool), MakePasswordResetStore(pool), MakePasskeyStore(pool),
                  MakeAuditStore(pool), MakeAccountSafetyStore(pool)};
}

class StoreSetDatabase : public Database {
 public:
  UserStore& Users() final { return *stores_.users; }
  TokenStore& Tokens() final { return *stores_.tokens; }
  KeyStore& Keys() final { return *stores_.keys; }
  DeviceStore& Devices() final { return *stores_.devices; }
  GuardStore& Guard() final { return *stores_.guard; }
  OutboxStore& Outbox() final { return *stores_.outbox; }
  SocialStore& Social() final { return *stores_.social; }
  SessionStore& Sessions() final { return *stores_.sessions; }
  PasswordResetStore& PasswordResets() final { return *stores_.password_resets; }
  PasskeyStore& Passkeys() final { return *stores_.passkeys; }
  AuditStore& Audit() final { return *stores_.audit; }
  AccountSafetyStore& AccountSafety() final { return *stores_.account_safety; }

 protected:
  /// Set by the backend's constructor; the backend's destructor clears it before its pool goes.
  StoreSet stores_;
};

}  // namespace dfauth::store
