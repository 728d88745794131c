// What a client sees of a lower layer's failure: the store reports, the api layer answers.
#include "api/context.hpp"
#include "store/errors.hpp"

namespace dfauth::api {

std::optional<ApiError> TranslateError(const std::exception& error) {
  if (const auto* unavailable = dynamic_cast<const store::StoreUnavailable*>(&error))
    return errors::ServiceUnavailable().WithLogDetail("database unavailable: " + unavailable->Detail());
  return std::nullopt;
}

}  // namespace dfauth::api
