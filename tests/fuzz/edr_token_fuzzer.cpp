// libFuzzer target for the EDR token check every data-plane request goes through: the bearer
// token is the first thing of a request the gateway reads, before it knows who is asking.
//
// The first byte picks what the rest of the input becomes:
//   0  the whole token, as a client could send it. It must be refused, since nothing but the
//      gateway's key can sign one.
//   1  the claims (JWT payload) of a token with a good header and a valid signature, which is
//      the only way arbitrary claims reach the claim checks. A token accepted must carry every
//      claim, in date, of the expected kind and this issuer; signed again from its claims it
//      must verify to the same claims.
//   2  the JOSE header of a token with good claims and a valid signature. A token accepted must
//      have had alg ES256, typ JWT, this key's kid and no crit.
// Every token is checked twice, since verify() remembers tokens it accepted: the second answer
// must be the first.
//
// Build and run: tests/fuzz/run.sh [SECONDS] (fuzz preset, clang).
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "cxgw/core/base64url.hpp"
#include "cxgw/gateway/dataplane/edr_token.hpp"

namespace {

using cxgw::base64UrlEncode;
using cxgw::gateway::EdrClaims;
using cxgw::gateway::EdrSigningKey;
using cxgw::gateway::EdrTokenIssuer;
using cxgw::gateway::EdrTokenKind;

constexpr const char* kIssuer = "BPNL00000000SUPP";

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "edr_token_fuzzer: %s\n", what);
  std::abort();
}

std::chrono::system_clock::time_point fixedNow() {
  using namespace std::chrono;
  return sys_days{year{2026} / 3 / 1} + hours{12};
}

// The gateway's issuer, and the same private key as an OpenSSL key of the fuzzer's own, so that
// it signs tokens whose parts the gateway never produces.
struct Fixture {
  std::unique_ptr<EdrTokenIssuer> issuer;
  EVP_PKEY* pkey = nullptr;
  std::string good_header;  // base64url of {"alg":"ES256","typ":"JWT","kid":…}
  std::string good_claims;  // base64url of the claims of a token valid at fixedNow()
};

const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture made;
    auto key = EdrSigningKey::generate();
    if (!key) fail("cannot generate a key");
    const auto pem = std::filesystem::temp_directory_path() /
                     ("cxgw-edr-fuzz-" + std::to_string(::getpid()) + ".pem");
    if (!key.value().writePem(pem)) fail("cannot write the key");
    std::FILE* file = std::fopen(pem.c_str(), "r");
    if (file == nullptr) fail("cannot read the key back");
    made.pkey = PEM_read_PrivateKey(file, nullptr, nullptr, nullptr);
    std::fclose(file);
    std::filesystem::remove(pem);
    if (made.pkey == nullptr) fail("OpenSSL cannot read the key");
    made.good_header =
        base64UrlEncode(R"({"alg":"ES256","typ":"JWT","kid":")" + key.value().keyId() + "\"}");
    made.issuer = std::make_unique<EdrTokenIssuer>(std::move(key).value(), kIssuer);

    EdrClaims claims;
    claims.token_id = "f0a1b2c3-0000-4000-8000-000000000001";
    claims.audience = claims.partner_bpn = "BPNL000000000OEM";
    claims.agreement_id = "agreement-1";
    claims.asset_id = "SerialPart-4.0.0";
    claims.transfer_process_id = "transfer-1";
    claims.issued_at = fixedNow() - std::chrono::minutes(1);
    claims.expires_at = fixedNow() + std::chrono::minutes(5);
    const std::string token = made.issuer->sign(claims);
    const size_t first = token.find('.');
    made.good_claims = token.substr(first + 1, token.find('.', first + 1) - first - 1);
    return made;
  }();
  return f;
}

// ES256 over `input` in JOSE form (r||s, 32 bytes each), base64url.
std::string sign(EVP_PKEY* pkey, std::string_view input) {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  size_t der_length = 0;
  std::string der;
  if (context == nullptr ||
      EVP_DigestSignInit(context, nullptr, EVP_sha256(), nullptr, pkey) != 1 ||
      EVP_DigestSign(context, nullptr, &der_length,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    fail("cannot sign");
  }
  der.resize(der_length);
  if (EVP_DigestSign(context, reinterpret_cast<unsigned char*>(der.data()), &der_length,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    fail("cannot sign");
  }
  EVP_MD_CTX_free(context);
  const auto* cursor = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* signature = d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der_length));
  if (signature == nullptr) fail("cannot read the signature");
  std::string jose(64, '\0');
  auto* out = reinterpret_cast<unsigned char*>(jose.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(signature), out, 32) != 32 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(signature), out + 32, 32) != 32) {
    fail("cannot encode the signature");
  }
  ECDSA_SIG_free(signature);
  return base64UrlEncode(jose);
}

std::string signedToken(std::string_view header_b64, std::string_view claims_b64) {
  std::string input = std::string(header_b64) + "." + std::string(claims_b64);
  return input + "." + sign(fixture().pkey, input);
}

bool sameClaims(const EdrClaims& a, const EdrClaims& b) {
  return a.kind == b.kind && a.token_id == b.token_id && a.issuer == b.issuer &&
         a.audience == b.audience && a.partner_bpn == b.partner_bpn &&
         a.agreement_id == b.agreement_id && a.asset_id == b.asset_id &&
         a.transfer_process_id == b.transfer_process_id && a.issued_at == b.issued_at &&
         a.expires_at == b.expires_at;
}

// Verifies `token` as `kind` twice and checks that both answers agree; returns the claims.
cxgw::Result<EdrClaims> verifyTwice(std::string_view token, EdrTokenKind kind) {
  const EdrTokenIssuer& issuer = *fixture().issuer;
  auto first = issuer.verify(token, kind, fixedNow());
  auto second = issuer.verify(token, kind, fixedNow());
  if (static_cast<bool>(first) != static_cast<bool>(second))
    fail("a remembered token was decided otherwise");
  if (first && !sameClaims(first.value(), second.value())) {
    fail("a remembered token gave other claims");
  }
  if (!first && first.error().code != cxgw::ErrorCode::kUnauthenticated) {
    fail("a refusal that is not kUnauthenticated");
  }
  return first;
}

void checkAccepted(const EdrClaims& claims, EdrTokenKind kind) {
  if (claims.kind != kind) fail("accepted a token of the other kind");
  if (claims.issuer != kIssuer) fail("accepted a token of another issuer");
  if (claims.token_id.empty() || claims.audience.empty() || claims.partner_bpn.empty() ||
      claims.agreement_id.empty() || claims.asset_id.empty() ||
      claims.transfer_process_id.empty()) {
    fail("accepted a token with an empty claim");
  }
  if (claims.expires_at <= fixedNow()) fail("accepted an expired token");
  // Signed again from what verify() read, the token must read back the same.
  auto again = verifyTwice(fixture().issuer->sign(claims), kind);
  if (!again || !sameClaims(again.value(), claims)) fail("claims do not survive signing again");
}

void checkHeader(std::string_view header_json) {
  rapidjson::Document header;
  header.Parse(header_json.data(), header_json.size());
  const auto is = [&](const char* name, const std::string& value) {
    if (!header.HasMember(name) || !header[name].IsString()) return false;
    const rapidjson::Value& member = header[name];
    return std::string_view(member.GetString(), member.GetStringLength()) == value;
  };
  if (header.HasParseError() || !header.IsObject()) fail("accepted a header that is no object");
  if (!is("alg", "ES256") || !is("typ", "JWT") || !is("kid", fixture().issuer->key().keyId()) ||
      header.HasMember("crit")) {
    fail("accepted a header other than ES256, JWT, this kid and no crit");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  for (EdrTokenKind kind : {EdrTokenKind::kAccess, EdrTokenKind::kRefresh}) {
    switch (data[0] % 3) {
      case 0:
        if (verifyTwice(rest, kind)) fail("accepted a token nobody signed");
        break;
      case 1:
        if (auto claims =
                verifyTwice(signedToken(fixture().good_header, base64UrlEncode(rest)), kind)) {
          checkAccepted(claims.value(), kind);
        }
        break;
      default:
        if (verifyTwice(signedToken(base64UrlEncode(rest), fixture().good_claims), kind)) {
          checkHeader(rest);
        }
        break;
    }
  }
  return 0;
}
