// Router matching and the error envelope: per-request costs of the HTTP layer.
#include <benchmark/benchmark.h>

#include "dfauth/error.hpp"
#include "http/envelope.hpp"
#include "http/router.hpp"

namespace dfauth::http {
namespace {

Router ApiLikeRouter() {
  Router router;
  const std::string p = "/api/v1/auth/";
  for (const char* path : {"token/", "token/refresh/", "token/verify/", "token/blacklist/", "otp/",
                           "users/", "users/{id}/", "users/{id}/set-password/", "users/{id}/two-fa/",
                           "otp-devices/", "otp-devices/{id}/", "otp-devices/{id}/confirm/", "social/",
                           "social/connect/", "social/connections/"})
    router.Add("POST", p + path, [](Request&) { return Response{}; });
  router.Add("GET", p + "users/{id}/", [](Request&) { return Response{}; });
  return router;
}

void BM_RouterMatch(benchmark::State& state) {
  Router router = ApiLikeRouter();
  for (auto _ : state) benchmark::DoNotOptimize(router.Match("GET", "/api/v1/auth/users/0/"));
}
BENCHMARK(BM_RouterMatch);

void BM_ErrorEnvelope(benchmark::State& state) {
  ApiError error = errors::Invalid("User with this email already exists.", std::string("email"));
  for (auto _ : state) benchmark::DoNotOptimize(ErrorBody(error));
}
BENCHMARK(BM_ErrorEnvelope);

}  // namespace
}  // namespace dfauth::http
