#pragma once
// The stores of the PostgreSQL backend, each on the database's Pool. Internal to store/postgres.

#include <memory>

#include "store/database.hpp"
#include "store/postgres/pool.hpp"

namespace dfauth::store::postgres {

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

}  // namespace dfauth::store::postgres
