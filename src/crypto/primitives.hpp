#pragma once
// Small cryptographic building blocks shared by every area: CSPRNG, encodings, constant-time
// comparison, digests. Implemented on libsodium and OpenSSL 3 (primitives.cpp).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dfauth::crypto {

/// `n` bytes from the OS CSPRNG.
std::string RandomBytes(std::size_t n);
/// 2·n lowercase hex characters from n random bytes (e.g. a 32-hex jti from n = 16).
std::string RandomHex(std::size_t n);
/// A uniformly random integer in [0, upper_exclusive).
uint32_t RandomUniform(uint32_t upper_exclusive);

/// Constant-time equality; different lengths compare unequal (the length is not secret).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

std::string Base64UrlEncode(std::string_view bytes, bool padding = false);
/// Accepts input with or without '=' padding; nullopt for invalid characters.
std::optional<std::string> Base64UrlDecode(std::string_view text);
std::string Base64Encode(std::string_view bytes);
std::optional<std::string> Base64Decode(std::string_view text);
std::string HexEncode(std::string_view bytes);

/// SipHash-2-4 of `data` under a 16-byte `key` (RandomBytes(16)): a table index that someone
/// who picks `data` cannot steer without knowing the key. Throws for a key of another size.
uint64_t KeyedHash64(std::string_view key, std::string_view data);

std::string Sha256(std::string_view data);
/// SHA-1 (20 bytes): only where a format demands it (Have I Been Pwned's password list), never
/// for anything that must resist collisions.
std::string Sha1(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);

}  // namespace dfauth::crypto
