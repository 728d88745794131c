#pragma once
// Signing-key management for RS256/ES256/EdDSA (`df-auth keys generate/rotate/list`). Keys live
// in the store so that every replica signs and verifies with the same set.

#include <cstdint>
#include <string>
#include <vector>

#include "store/database.hpp"
#include "token/jws.hpp"

namespace dfauth::token {

/// The current Unix time in seconds.
int64_t UnixNow();

/// A new key pair as a store row: RSA 2048, P-256 or Ed25519 PEM, kid = RFC 7638 thumbprint.
/// Throws KeyError for HS256.
store::SigningKey GenerateKey(Algorithm alg, int64_t now = UnixNow());
/// Generates a key and adds it to the store; it becomes the signer (the newest). Returns its kid.
std::string GenerateAndStoreKey(store::Database& store, Algorithm alg, int64_t now = UnixNow());
/// The kid of the newest active (unretired) key of `alg`, generating and storing one when there
/// is none; `generated` tells which happened.
std::string EnsureKey(store::Database& store, Algorithm alg, bool& generated, int64_t now = UnixNow());
/// Adds a new key that becomes the signer and retires the older keys of `alg` at `now`; they
/// keep verifying the tokens they signed. Returns the new kid.
std::string RotateKeys(store::Database& store, Algorithm alg, int64_t now = UnixNow());
/// Every stored key, newest first (private PEMs included: never print them).
std::vector<store::SigningKey> ListKeys(store::Database& store);

}  // namespace dfauth::token
