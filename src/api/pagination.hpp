#pragma once
// DRF's LimitOffsetPagination, as df-api-drf configures it (reference-contract §1: page size
// 100, `limit` and `offset`): the one page reader and writer of every list route.

#include <cstdint>
#include <nlohmann/json_fwd.hpp>

#include "http/message.hpp"

namespace dfauth::api {

inline constexpr int64_t kPageSize = 100;

struct Page {
  int64_t limit = kPageSize;  ///< at least 1
  int64_t offset = 0;         ///< at least 0
};

/// `limit` and `offset` from the query; a missing or malformed value (not a non-negative
/// integer, or a zero limit) falls back to the default, as DRF ignores it.
Page ReadPage(const http::Request& request);

/// {"count", "next", "previous", "results"}: the links are the request URL with `limit` and
/// `offset` replaced and the query sorted by name (DRF's replace_query_param); `offset` is
/// omitted from `previous` when it would be 0; null when there is no such page.
nlohmann::ordered_json PageJson(const http::Request& request, const Page& page, int64_t count,
                                nlohmann::ordered_json results);

}  // namespace dfauth::api
