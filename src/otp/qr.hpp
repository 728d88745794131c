#pragma once
// A QR code of a text (the otpauth:// URI) as a self-contained SVG document, drawn from
// libqrencode's module matrix (no image library needed).

#include <string>
#include <string_view>

namespace dfauth::otp {

/// The SVG of the QR code for `text` (error correction M, 4-module quiet zone).
std::string QrSvg(std::string_view text);

}  // namespace dfauth::otp
