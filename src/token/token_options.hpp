#pragma once
// The token settings (JWT_* and the lifetimes) and the clock the token services read.

#include <cstdint>
#include <functional>
#include <string>

#include "config/choices.hpp"
#include "token/jws.hpp"

namespace dfauth::token {

struct TokenOptions {
  Algorithm algorithm = Algorithm::kHS256;     ///< JWT_ALGORITHM
  config::JwtProfile profile = config::JwtProfile::kSliding;  ///< JWT_PROFILE
  int64_t access_lifetime = 300;               ///< ACCESS_TOKEN_LIFETIME
  int64_t refresh_lifetime = 1209600;          ///< REFRESH_TOKEN_LIFETIME
  int64_t sliding_lifetime = 1209600;          ///< SLIDING_TOKEN_LIFETIME
  int64_t sliding_refresh_lifetime = 1209600;  ///< SLIDING_TOKEN_REFRESH_LIFETIME
  std::string issuer;                          ///< JWT_ISSUER (empty: none)
  std::string audience;                        ///< JWT_AUDIENCE (empty: none)
  std::string type_claim = "token_type";       ///< TOKEN_TYPE_CLAIM: the claim's name
  std::string secret_key;                      ///< SECRET_KEY: the HS256 key, its bytes as is
  std::string private_key_file;                ///< JWT_PRIVATE_KEY_FILE (asymmetric algorithms)
  int64_t audit_retention_days = 90;           ///< AUDIT_LOG_RETENTION_DAYS (purged with the tokens)
};

/// Unix seconds.
using Clock = std::function<int64_t()>;

}  // namespace dfauth::token
