#pragma once
// The three providers of reference-contract §4.4 and the set a configuration offers.

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "config/settings.hpp"
#include "social/fetch.hpp"
#include "social/jwks_cache.hpp"
#include "social/provider.hpp"

namespace dfauth::social {

using Clock = std::function<int64_t()>;  ///< Unix seconds

/// The providers a configuration offers, by name: google-oauth2 and facebook when their _KEY
/// is set, apple-id when SOCIAL_AUTH_APPLE_ID_CLIENT is set. They share `jwks` and `fetcher`.
std::map<std::string, std::unique_ptr<Provider>> MakeProviders(const config::Settings& settings,
                                                               Fetcher fetcher, JwksCache& jwks,
                                                               Clock clock);

}  // namespace dfauth::social
