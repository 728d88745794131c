#pragma once
// The stores of the SQLite backend, each on the connections of one Pool. Internal to
// store/sqlite: SqliteDatabase builds them; nothing else names them.

#include <memory>

#include "store/device_store.hpp"
#include "store/guard_store.hpp"
#include "store/key_store.hpp"
#include "store/outbox_store.hpp"
#include "store/passkey_store.hpp"
#include "store/audit_store.hpp"
#include "store/password_reset_store.hpp"
#include "store/account_safety_store.hpp"
#include "store/session_store.hpp"
#include "store/social_store.hpp"
#include "store/token_store.hpp"
#include "store/user_store.hpp"

namespace dfauth::store::sqlite {

class Pool;

std::unique_ptr<UserStore> MakeUserStore(Pool& pool);
std::unique_ptr<TokenStore> MakeTokenStore(Pool& pool);
std::unique_ptr<KeyStore> MakeKeyStore(Pool& pool);
std::unique_ptr<DeviceStore> MakeDeviceStore(Pool& pool);
std::unique_ptr<GuardStore> MakeGuardStore(Pool& pool);
std::unique_ptr<OutboxStore> MakeOutboxStore(Pool& pool);
std::unique_ptr<SocialStore> MakeSocialStore(Pool& pool);
std::unique_ptr<SessionStore> MakeSessionStore(Pool& pool);
std::unique_ptr<PasswordResetStore> MakePasswordResetStore(Pool& pool);
std::unique_ptr<PasskeyStore> MakePasskeyStore(Pool& pool);
std::unique_ptr<AuditStore> MakeAuditStore(Pool& pool);
std::unique_ptr<AccountSafetyStore> MakeAccountSafetyStore(Pool& pool);

}  // namespace dfauth::store::sqlite
