#pragma once
// The closed sets some settings choose from, parsed once by the loader (config/keys.cpp) so that
// domain code compares enums, never a setting's text. Free of the loader's internals: any area
// may include it. Each enum's names are its documented spellings, in documented order, indexed
// by the enum value.

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace dfauth::config {

/// JWT_PROFILE (interface.md §4).
enum class JwtProfile { kSliding, kPair };
/// An AUTHENTICATION_BACKENDS item: a login method.
enum class AuthBackend { kSmsOtp, kEmailOtp, kPassword, kTestEmail };
/// An OTP_DEVICE_TYPES item; also the `type` of a stored OTP device.
enum class DeviceType { kEmail, kTotp, kSms, kStatic };
/// A USER_IDENTITY_FIELDS item: a unique user field that can log in.
enum class IdentityField { kUsername, kEmail, kPhoneNumber };

namespace detail {
inline constexpr std::string_view kJwtProfileNames[] = {"sliding", "pair"};
inline constexpr std::string_view kAuthBackendNames[] = {"sms_otp", "email_otp", "password",
                                                         "test_email"};
inline constexpr std::string_view kDeviceTypeNames[] = {"email", "totp", "sms", "static"};
inline constexpr std::string_view kIdentityFieldNames[] = {"username", "email", "phone_number"};
}  // namespace detail

/// Every name of the enum, indexed by its value.
constexpr std::span<const std::string_view> NamesOf(JwtProfile) { return detail::kJwtProfileNames; }
constexpr std::span<const std::string_view> NamesOf(AuthBackend) { return detail::kAuthBackendNames; }
constexpr std::span<const std::string_view> NamesOf(DeviceType) { return detail::kDeviceTypeNames; }
constexpr std::span<const std::string_view> NamesOf(IdentityField) {
  return detail::kIdentityFieldNames;
}

template <class E>
concept SettingEnum = std::is_enum_v<E> && requires(E e) {
  { NamesOf(e) } -> std::same_as<std::span<const std::string_view>>;
};

/// The documented spelling of `value`.
template <SettingEnum E>
constexpr std::string_view Name(E value) {
  return NamesOf(value)[static_cast<size_t>(value)];
}

/// The value spelled `text` exactly; nullopt for any other text.
template <SettingEnum E>
constexpr std::optional<E> Parse(std::string_view text) {
  const auto names = NamesOf(E{});
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == text) return static_cast<E>(i);
  }
  return std::nullopt;
}

/// The spellings of `values`, in their order.
template <SettingEnum E>
std::vector<std::string> Names(const std::vector<E>& values) {
  std::vector<std::string> out;
  out.reserve(values.size());
  for (E v : values) out.emplace_back(Name(v));
  return out;
}

/// `values`' spellings joined by ", " (for messages that list the configured choices).
template <SettingEnum E>
std::string JoinedNames(const std::vector<E>& values) {
  std::string out;
  for (E v : values) out += (out.empty() ? "" : ", ") + std::string(Name(v));
  return out;
}

/// Whether `value` is one of `values`.
template <SettingEnum E>
bool Includes(const std::vector<E>& values, E value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

}  // namespace dfauth::config
