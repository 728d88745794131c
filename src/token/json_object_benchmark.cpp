// What refusing duplicate names costs: ParseUniqueObject against nlohmann's plain parse, on a
// sliding token's claims and header (the parse every token check that misses the cache does).
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>

#include "token/json_object.hpp"

namespace dfauth::token {
namespace {

constexpr std::string_view kPayload =
    R"({"token_type":"sliding","exp":1900000000,"iat":1800000000,"jti":"0123456789abcdef0123456789abcdef","refresh_exp":1900000000,"user_id":42})";
constexpr std::string_view kHeader = R"({"alg":"ES256","kid":"NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs","typ":"JWT"})";

void BM_PlainParse(benchmark::State& state) {
  std::string_view text = state.range(0) ? kPayload : kHeader;
  for (auto _ : state) benchmark::DoNotOptimize(nlohmann::json::parse(text, nullptr, false));
  state.SetLabel(state.range(0) ? "claims" : "header");
}

void BM_ParseUniqueObject(benchmark::State& state) {
  std::string_view text = state.range(0) ? kPayload : kHeader;
  for (auto _ : state) benchmark::DoNotOptimize(ParseUniqueObject(text));
  state.SetLabel(state.range(0) ? "claims" : "header");
}

BENCHMARK(BM_PlainParse)->Arg(0)->Arg(1);
BENCHMARK(BM_ParseUniqueObject)->Arg(0)->Arg(1);

}  // namespace
}  // namespace dfauth::token
