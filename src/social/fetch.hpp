#pragma once
// Outbound HTTP GET for the providers (userinfo, JWKS), with connect and total timeouts.

#include <functional>
#include <string>
#include <vector>

namespace dfauth::social {

struct FetchResponse {
  long status = 0;
  std::string body;
  std::string cache_control;  ///< the Cache-Control header value, "" when absent
};

/// GET `url` with extra request headers ("Name: value"). Throws ApiError 502 provider_error
/// when the server cannot be reached, times out or sends more than a provider ever would.
using Fetcher = std::function<FetchResponse(const std::string& url,
                                            const std::vector<std::string>& headers)>;

/// The libcurl fetcher: connect timeout 5 s, total 10 s, http/https only, no redirects.
Fetcher CurlFetcher();

}  // namespace dfauth::social
