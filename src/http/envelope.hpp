#pragma once
// The reference's error envelope {"errors":[{"message","code","field"?,"extra_data"?}]}.
// This is the only place it is written.

#include <string>

#include "dfauth/error.hpp"
#include "http/message.hpp"

namespace dfauth::http {

/// The envelope body of `error`; "field" is absent when unset and extra_data is copied raw.
std::string ErrorBody(const ApiError& error);

/// The JSON response for `error`: its status, envelope body and extra headers.
Response ErrorResponse(const ApiError& error);

}  // namespace dfauth::http
