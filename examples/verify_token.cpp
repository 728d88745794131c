// verify_token: checks one df-auth token with dfauth::Verifier (include/dfauth/verifier.hpp).
//
//   verify_token [--issuer ISS] [--audience AUD] [--alg RS256,ES256,EdDSA] [--type access]
//                [--leeway SECONDS] JWKS_URL TOKEN
//
// Prints `user_id=N kid=K alg=A` and exits 0, or prints the error and exits 1. TOKEN `-` reads
// one token a line from stdin and answers each on its line with `fetches=N` added (one
// Verifier, one JWKS cache: a key rotation shows as one more fetch).
#include <dfauth/verifier.hpp>

#include <iostream>
#include <string>

namespace {

int Check(const dfauth::Verifier& verifier, const std::string& token, bool with_fetches) {
  try {
    dfauth::VerifiedToken t = verifier.Verify(token);
    std::cout << "user_id=" << t.user_id << " kid=" << t.kid << " alg=" << t.alg;
    if (with_fetches) std::cout << " fetches=" << verifier.JwksFetches();
    std::cout << std::endl;
    return 0;
  } catch (const dfauth::ApiError& e) {
    std::cout << "error " << e.Status() << " " << e.Code() << ": " << e.Entries().front().message;
    if (with_fetches) std::cout << " fetches=" << verifier.JwksFetches();
    std::cout << std::endl;
    return 1;
  }
}

std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    parts.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return parts;
}

}  // namespace

int main(int argc, char** argv) {
  dfauth::VerifierOptions options;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    bool has_value = i + 1 < argc;
    if (arg == "--issuer" && has_value) options.issuer = argv[++i];
    else if (arg == "--audience" && has_value) options.audience = argv[++i];
    else if (arg == "--alg" && has_value) options.algorithms = SplitCommas(argv[++i]);
    else if (arg == "--type" && has_value) options.token_type = argv[++i];
    else if (arg == "--leeway" && has_value) options.leeway = std::chrono::seconds(std::stoll(argv[++i]));
    else positional.push_back(arg);
  }
  if (positional.size() != 2) {
    std::cerr << "usage: verify_token [--issuer ISS] [--audience AUD] [--alg A,B] [--type access]"
                 " [--leeway S] JWKS_URL TOKEN|-\n";
    return 2;
  }
  options.jwks_url = positional[0];
  try {
    dfauth::Verifier verifier(options);
    if (positional[1] != "-") return Check(verifier, positional[1], false);
    int status = 0;
    for (std::string line; std::getline(std::cin, line);) status |= Check(verifier, line, true);
    return status;
  } catch (const dfauth::ApiError& e) {
    std::cout << "error " << e.Status() << " " << e.Code() << ": " << e.Entries().front().message << std::endl;
    return 1;
  }
}
