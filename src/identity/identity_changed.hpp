#pragma once
// The announcement of a stored change of an account's email or phone number (issue 16 item 3):
// UserService::Update (PATCH users/0/) and DeviceService (a confirmed device copied into the
// user) call it with the user before and after, once the change is stored; import-django does
// not. The application wires it to auth::IdentityChangeService::Changed, which decides whether
// an identity field did change.

#include <functional>

#include "store/user_store.hpp"

namespace dfauth::identity {

using IdentityChanged = std::function<void(const store::User& before, const store::User& after)>;

}  // namespace dfauth::identity
