// Identity normalisation on sign-up and login: phone parsing (libphonenumber) and email.
#include <benchmark/benchmark.h>

#include "identity/email.hpp"
#include "identity/phone.hpp"

namespace dfauth::identity {
namespace {

void BM_ParsePhone(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(ParsePhone("+31 6 12345678"));
}
BENCHMARK(BM_ParsePhone);

void BM_NormalizeEmail(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(NormalizeEmail("Some.Person@EXAMPLE.com"));
}
BENCHMARK(BM_NormalizeEmail);

void BM_IsValidEmail(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(IsValidEmail("some.person+tag@sub.example.com"));
}
BENCHMARK(BM_IsValidEmail);

}  // namespace
}  // namespace dfauth::identity
