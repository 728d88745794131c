// JWS sign and verify per algorithm (the cost inside token/verify/ and every authenticated request).
#include <benchmark/benchmark.h>

#include "token/jws.hpp"

namespace dfauth::token {
namespace {

constexpr std::string_view kPayload =
    R"({"token_type":"sliding","exp":1900000000,"iat":1800000000,"jti":"0123456789abcdef0123456789abcdef","refresh_exp":1900000000,"user_id":42})";

Key BenchKey(Algorithm alg) {
  if (alg == Algorithm::kHS256) return Key{alg, "", std::string(50, 'k'), nullptr};
  return GenerateKeyPair(alg);
}

void BM_Sign(benchmark::State& state) {
  Key key = BenchKey(static_cast<Algorithm>(state.range(0)));
  std::string header = MakeHeader(key);
  for (auto _ : state) benchmark::DoNotOptimize(Sign(header, kPayload, key));
  state.SetLabel(std::string(AlgorithmName(key.alg)));
}

void BM_Verify(benchmark::State& state) {
  Key key = BenchKey(static_cast<Algorithm>(state.range(0)));
  std::string token = Sign(MakeHeader(key), kPayload, key);
  KeyLookup lookup = [&key](std::string_view) { return &key; };
  for (auto _ : state) {
    auto verified = Verify(token, key.alg, lookup);
    if (!verified) state.SkipWithError("verification failed");
    benchmark::DoNotOptimize(verified);
  }
  state.SetLabel(std::string(AlgorithmName(key.alg)));
}

#define ALGORITHMS                                                                                 \
  ->Arg(static_cast<int>(Algorithm::kHS256))->Arg(static_cast<int>(Algorithm::kRS256))             \
      ->Arg(static_cast<int>(Algorithm::kES256))->Arg(static_cast<int>(Algorithm::kEdDSA))
BENCHMARK(BM_Sign) ALGORITHMS;
BENCHMARK(BM_Verify) ALGORITHMS;

}  // namespace
}  // namespace dfauth::token
