#include "cxgw/gateway/dataplane/edr_token.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <rapidjson/document.h>
#include <sys/stat.h>

#include <array>
#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "cxgw/core/base64url.hpp"
#include "cxgw/core/digest.hpp"
#include "support/child_process.hpp"
#include "support/temp_directory.hpp"

namespace cxgw::gateway {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;
using testing::TempDirectory;

constexpr const char* kSupplier = "BPNL000000000SUP";
constexpr const char* kPartner = "BPNL000000000OEM";

// ---- JOSE helpers independent of the code under test ----

// base64UrlEncode is checked against the RFC 4648 vectors in core; this decoder is lenient on
// purpose, so that tests can read the non-canonical encodings they make up.
std::string unb64url(std::string_view text) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    if (c >= '0' && c <= '9') v = c - '0' + 52;
    if (c == '-') v = 62;
    if (c == '_') v = 63;
    EXPECT_GE(v, 0) << "not base64url: " << text;
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

std::array<std::string, 3> parts(const std::string& token) {
  const auto first = token.find('.');
  const auto second = token.find('.', first + 1);
  EXPECT_NE(second, std::string::npos) << token;
  return {token.substr(0, first), token.substr(first + 1, second - first - 1),
          token.substr(second + 1)};
}

std::string join(const std::string& header, const std::string& payload,
                 const std::string& signature) {
  return header + "." + payload + "." + signature;
}

// DER ECDSA-Sig-Value (SEQUENCE { INTEGER r, INTEGER s }) from JOSE r||s, by hand.
std::string derFromJose(const std::string& jose) {
  EXPECT_EQ(jose.size(), 64U);
  const auto integer = [](std::string bytes) {
    while (bytes.size() > 1 && bytes[0] == '\0') bytes.erase(0, 1);
    if (static_cast<unsigned char>(bytes[0]) & 0x80) bytes.insert(0, 1, '\0');
    return std::string{'\x02', static_cast<char>(bytes.size())} + bytes;
  };
  const std::string body = integer(jose.substr(0, 32)) + integer(jose.substr(32, 32));
  return std::string{'\x30', static_cast<char>(body.size())} + body;
}

// JOSE r||s from a DER ECDSA-Sig-Value, by hand.
std::string joseFromDer(const std::string& der) {
  EXPECT_GE(der.size(), 8U);
  EXPECT_EQ(der[0], '\x30');
  std::size_t at = 2;
  std::string out;
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(der[at], '\x02');
    const std::size_t length = static_cast<unsigned char>(der[at + 1]);
    std::string value = der.substr(at + 2, length);
    at += 2 + length;
    while (value.size() > 32 && value[0] == '\0') value.erase(0, 1);
    EXPECT_LE(value.size(), 32U);
    out += std::string(32 - value.size(), '\0') + value;
  }
  return out;
}

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

struct CommandResult {
  int exit_code = -1;
  std::string output;
};

CommandResult runCommand(const std::vector<std::string>& argv) {
  testing::SpawnOptions options;
  options.argv = argv;
  auto child = testing::ChildProcess::spawn(options);
  if (!child) {
    ADD_FAILURE() << child.error().describe();
    return {};
  }
  CommandResult result;
  result.output = child.value()->readAll(std::chrono::seconds(60));
  result.exit_code = child.value()->waitFor(std::chrono::seconds(60)).value_or(-1);
  return result;
}

void runOk(const std::vector<std::string>& argv) {
  const CommandResult result = runCommand(argv);
  ASSERT_EQ(result.exit_code, 0) << argv[0] << " " << argv[1] << ": " << result.output;
}

// A compact JWS with the given header and payload, signed by the `openssl` command line.
std::string signWithOpensslCli(const TempDirectory& dir, const std::filesystem::path& key_pem,
                               const std::string& header_json, const std::string& payload_json) {
  const std::string input = base64UrlEncode(header_json) + "." + base64UrlEncode(payload_json);
  const auto input_file = dir.write("cli-input", input);
  const auto signature_file = dir.path() / "cli-sig.der";
  runOk({"openssl", "dgst", "-sha256", "-sign", key_pem.string(), "-out", signature_file.string(),
         input_file.string()});
  return input + "." + base64UrlEncode(joseFromDer(readFile(signature_file)));
}

rapidjson::Document parseJson(const std::string& text) {
  rapidjson::Document document;
  document.Parse(text.c_str(), text.size());
  EXPECT_FALSE(document.HasParseError()) << text;
  return document;
}

std::string hexOf(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

EdrSigningKey newKey() {
  auto key = EdrSigningKey::generate();
  EXPECT_TRUE(key.ok()) << (key.ok() ? "" : key.error().describe());
  return std::move(key).value();
}

// Whole seconds, as tokens carry them.
system_clock::time_point fixedNow() {
  return system_clock::time_point(seconds(1'900'000'000));
}

EdrClaims sampleClaims(EdrTokenKind kind = EdrTokenKind::kAccess) {
  EdrClaims claims;
  claims.kind = kind;
  claims.token_id = "7f1c1a7e-3c1e-4a6b-9d0e-2b4f6c8a0e11";
  claims.issuer = kSupplier;
  claims.audience = kPartner;
  claims.partner_bpn = kPartner;
  claims.agreement_id = "agreement-42";
  claims.asset_id = "urn:uuid:asset-1";
  claims.transfer_process_id = "transfer-7";
  claims.issued_at = fixedNow();
  claims.expires_at = fixedNow() + seconds(300);
  return claims;
}

// The payload of a token that sampleClaims() would give, for hand-built tokens.
std::string samplePayloadJson(const std::string& replace_from = "", const std::string& to = "") {
  std::string json =
      R"({"iss":"BPNL000000000SUP","sub":"BPNL000000000OEM","aud":"BPNL000000000OEM",)"
      R"("jti":"7f1c1a7e-3c1e-4a6b-9d0e-2b4f6c8a0e11","iat":1900000000,"nbf":1900000000,)"
      R"("exp":1900000300,"agreementId":"agreement-42","assetId":"urn:uuid:asset-1",)"
      R"("transferProcessId":"transfer-7","tokenType":"access"})";
  if (!replace_from.empty()) {
    const auto at = json.find(replace_from);
    EXPECT_NE(at, std::string::npos) << replace_from;
    if (at != std::string::npos) json.replace(at, replace_from.size(), to);
  }
  return json;
}

std::string headerJsonFor(const EdrSigningKey& key) {
  return R"({"alg":"ES256","typ":"JWT","kid":")" + key.keyId() + R"("})";
}

// Expects `result` to be refused with kUnauthenticated and a message containing `why`.
void expectRefused(const Result<EdrClaims>& result, const std::string& why) {
  ASSERT_FALSE(result.ok()) << "accepted; expected refusal: " << why;
  EXPECT_EQ(result.error().code, ErrorCode::kUnauthenticated) << result.error().describe();
  EXPECT_NE(result.error().message.find(why), std::string::npos)
      << "message '" << result.error().message << "' does not say '" << why << "'";
}

class EdrTokenTest : public ::testing::Test {
 protected:
  EdrTokenTest() : key_(newKey()), issuer_(key_, kSupplier) {}

  // The key written to a PEM file, for the `openssl` command line.
  std::filesystem::path keyFile() {
    const auto path = dir_.path() / "edr.key";
    if (!std::filesystem::exists(path)) {
      const Status written = key_.writePem(path);
      EXPECT_TRUE(written.ok()) << (written.ok() ? "" : written.error().describe());
    }
    return path;
  }

  TempDirectory dir_{"cxgw-edr-test"};
  EdrSigningKey key_;
  EdrTokenIssuer issuer_;
};

// ---- round trip and layout ----

TEST_F(EdrTokenTest, RoundTripKeepsEveryClaim) {
  for (const EdrTokenKind kind : {EdrTokenKind::kAccess, EdrTokenKind::kRefresh}) {
    const EdrClaims claims = sampleClaims(kind);
    const std::string token = issuer_.sign(claims);
    const auto verified = issuer_.verify(token, kind, fixedNow() + seconds(10));
    ASSERT_TRUE(verified.ok()) << verified.error().describe();
    const EdrClaims& out = verified.value();
    EXPECT_EQ(out.kind, kind);
    EXPECT_EQ(out.token_id, claims.token_id);
    EXPECT_EQ(out.issuer, kSupplier);
    EXPECT_EQ(out.audience, claims.audience);
    EXPECT_EQ(out.partner_bpn, claims.partner_bpn);
    EXPECT_EQ(out.agreement_id, claims.agreement_id);
    EXPECT_EQ(out.asset_id, claims.asset_id);
    EXPECT_EQ(out.transfer_process_id, claims.transfer_process_id);
    EXPECT_EQ(out.issued_at, claims.issued_at);
    EXPECT_EQ(out.expires_at, claims.expires_at);
  }
}

TEST_F(EdrTokenTest, RoundTripKeepsDistinctAudienceAndSubjectAndNonAsciiText) {
  EdrClaims claims = sampleClaims();
  claims.audience = "BPNL0000000AUDIE";
  claims.asset_id = "Teil \"Nr\" 7 \xC3\xA4\\/";
  const auto verified = issuer_.verify(issuer_.sign(claims), EdrTokenKind::kAccess, fixedNow());
  ASSERT_TRUE(verified.ok()) << verified.error().describe();
  EXPECT_EQ(verified.value().audience, "BPNL0000000AUDIE");
  EXPECT_EQ(verified.value().partner_bpn, kPartner);
  EXPECT_EQ(verified.value().asset_id, claims.asset_id);
}

TEST_F(EdrTokenTest, SignRoundsTimesDownToWholeSeconds) {
  EdrClaims claims = sampleClaims();
  claims.issued_at = fixedNow() + std::chrono::milliseconds(999);
  claims.expires_at = fixedNow() + seconds(60) + std::chrono::milliseconds(700);
  const auto verified = issuer_.verify(issuer_.sign(claims), EdrTokenKind::kAccess, fixedNow());
  ASSERT_TRUE(verified.ok()) << verified.error().describe();
  EXPECT_EQ(verified.value().issued_at, fixedNow());
  EXPECT_EQ(verified.value().expires_at, fixedNow() + seconds(60));
}

TEST_F(EdrTokenTest, TokenCarriesJoseHeaderAndNamedClaims) {
  EdrClaims claims = sampleClaims(EdrTokenKind::kRefresh);
  claims.issuer = "BPNL-IGNORED";
  const auto [header_part, payload_part, signature_part] = parts(issuer_.sign(claims));
  const auto header = parseJson(unb64url(header_part));
  EXPECT_EQ(header.MemberCount(), 3U);
  EXPECT_STREQ(header["alg"].GetString(), "ES256");
  EXPECT_STREQ(header["typ"].GetString(), "JWT");
  EXPECT_EQ(header["kid"].GetString(), key_.keyId());

  const auto payload = parseJson(unb64url(payload_part));
  EXPECT_STREQ(payload["iss"].GetString(), kSupplier);
  EXPECT_STREQ(payload["aud"].GetString(), kPartner);
  EXPECT_STREQ(payload["sub"].GetString(), kPartner);
  EXPECT_STREQ(payload["jti"].GetString(), claims.token_id.c_str());
  EXPECT_EQ(payload["iat"].GetInt64(), 1'900'000'000);
  EXPECT_EQ(payload["nbf"].GetInt64(), 1'900'000'000);
  EXPECT_EQ(payload["exp"].GetInt64(), 1'900'000'300);
  EXPECT_STREQ(payload["agreementId"].GetString(), "agreement-42");
  EXPECT_STREQ(payload["assetId"].GetString(), "urn:uuid:asset-1");
  EXPECT_STREQ(payload["transferProcessId"].GetString(), "transfer-7");
  EXPECT_STREQ(payload["tokenType"].GetString(), "refresh");
  EXPECT_EQ(unb64url(signature_part).size(), 64U);
  EXPECT_EQ(signature_part.find('='), std::string::npos);
}

TEST_F(EdrTokenTest, ConcurrentSignAndVerifyAgree) {
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t, &failures] {
      for (int i = 0; i < 50; ++i) {
        EdrClaims claims = sampleClaims();
        claims.token_id = "token-" + std::to_string(t) + "-" + std::to_string(i);
        const auto verified =
            issuer_.verify(issuer_.sign(claims), EdrTokenKind::kAccess, fixedNow());
        if (!verified.ok() || verified.value().token_id != claims.token_id) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

// ---- tampering and foreign keys ----

TEST_F(EdrTokenTest, TamperedPayloadIsRefused) {
  const auto [header, payload, signature] = parts(issuer_.sign(sampleClaims()));
  std::string claims = unb64url(payload);
  const auto at = claims.find("urn:uuid:asset-1");
  ASSERT_NE(at, std::string::npos);
  claims.replace(at, 16, "urn:uuid:asset-2");
  expectRefused(issuer_.verify(join(header, base64UrlEncode(claims), signature),
                               EdrTokenKind::kAccess, fixedNow()),
                "bad signature");
}

TEST_F(EdrTokenTest, TamperedSignatureIsRefused) {
  const auto [header, payload, signature] = parts(issuer_.sign(sampleClaims()));
  for (const std::size_t byte : {0U, 31U, 32U, 63U}) {
    std::string bytes = unb64url(signature);
    bytes[byte] = static_cast<char>(bytes[byte] ^ 0x01);
    expectRefused(issuer_.verify(join(header, payload, base64UrlEncode(bytes)),
                                 EdrTokenKind::kAccess, fixedNow()),
                  "bad signature");
  }
}

TEST_F(EdrTokenTest, NonCanonicalSignatureEncodingIsRefused) {
  const auto [header, payload, signature] = parts(issuer_.sign(sampleClaims()));
  ASSERT_EQ(signature.size(), 86U);  // 512 bits: the last character carries 4 unused zero bits
  std::string altered = signature;
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  altered.back() = alphabet[alphabet.find(altered.back()) | 1];
  ASSERT_EQ(unb64url(altered), unb64url(signature));
  expectRefused(issuer_.verify(join(header, payload, altered), EdrTokenKind::kAccess, fixedNow()),
                "signature is not base64url");
}

TEST_F(EdrTokenTest, TokenOfAnotherKeyIsRefusedAsUnknownKid) {
  const EdrTokenIssuer other(newKey(), kSupplier);
  expectRefused(issuer_.verify(other.sign(sampleClaims()), EdrTokenKind::kAccess, fixedNow()),
                "unknown kid");
}

TEST_F(EdrTokenTest, AnotherKeySigningUnderOurKidIsRefused) {
  const auto other_key_file = dir_.path() / "other.key";
  ASSERT_TRUE(newKey().writePem(other_key_file).ok());
  const std::string token =
      signWithOpensslCli(dir_, other_key_file, headerJsonFor(key_), samplePayloadJson());
  expectRefused(issuer_.verify(token, EdrTokenKind::kAccess, fixedNow()), "bad signature");
}

TEST_F(EdrTokenTest, SignatureOfWrongLengthIsRefused) {
  const auto [header, payload, signature] = parts(issuer_.sign(sampleClaims()));
  const std::string bytes = unb64url(signature);
  expectRefused(issuer_.verify(join(header, payload, base64UrlEncode(bytes.substr(0, 63))),
                               EdrTokenKind::kAccess, fixedNow()),
                "not 64 bytes");
  expectRefused(issuer_.verify(join(header, payload, base64UrlEncode(derFromJose(bytes))),
                               EdrTokenKind::kAccess, fixedNow()),
                "not 64 bytes");
}

// ---- algorithm confusion ----

TEST_F(EdrTokenTest, AlgNoneIsRefused) {
  const auto [header, payload, signature] = parts(issuer_.sign(sampleClaims()));
  for (const std::string& alg_header :
       {R"({"alg":"none","typ":"JWT","kid":")" + key_.keyId() + R"("})",
        std::string(R"({"alg":"none"})")}) {
    expectRefused(issuer_.verify(join(base64UrlEncode(alg_header), payload, ""),
                                 EdrTokenKind::kAccess, fixedNow()),
                  "alg none is not ES256");
    expectRefused(issuer_.verify(join(base64UrlEncode(alg_header), payload, signature),
                                 EdrTokenKind::kAccess, fixedNow()),
                  "alg none is not ES256");
  }
}

TEST_F(EdrTokenTest, AlgHs256WithPublicKeyAsSecretIsRefused) {
  const std::string header =
      base64UrlEncode(R"({"alg":"HS256","typ":"JWT","kid":")" + key_.keyId() + R"("})");
  const std::string input = header + "." + base64UrlEncode(samplePayloadJson());
  const std::string secret = key_.publicJwk();
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_length = 0;
  ASSERT_NE(
      HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &mac_length),
      nullptr);
  const std::string token =
      input + "." + base64UrlEncode(std::string(reinterpret_cast<const char*>(mac), mac_length));
  expectRefused(issuer_.verify(token, EdrTokenKind::kAccess, fixedNow()), "alg HS256 is not ES256");
}

TEST_F(EdrTokenTest, MissingOrOddAlgIsRefused) {
  const std::string payload = base64UrlEncode(samplePayloadJson());
  expectRefused(issuer_.verify(join(base64UrlEncode(R"({"typ":"JWT"})"), payload, "AAAA"),
                               EdrTokenKind::kAccess, fixedNow()),
                "header has no alg");
  expectRefused(issuer_.verify(join(base64UrlEncode(R"({"alg":"es256"})"), payload, "AAAA"),
                               EdrTokenKind::kAccess, fixedNow()),
                "alg es256 is not ES256");
  expectRefused(issuer_.verify(join(base64UrlEncode(R"({"alg":["ES256"]})"), payload, "AAAA"),
                               EdrTokenKind::kAccess, fixedNow()),
                "alg is not ES256");
}

TEST_F(EdrTokenTest, HeaderWithoutJwtTypOrWithCritIsRefused) {
  const auto key_file = keyFile();
  const std::string kid = key_.keyId();
  expectRefused(
      issuer_.verify(signWithOpensslCli(dir_, key_file, R"({"alg":"ES256","kid":")" + kid + R"("})",
                                        samplePayloadJson()),
                     EdrTokenKind::kAccess, fixedNow()),
      "typ is not JWT");
  expectRefused(issuer_.verify(signWithOpensslCli(dir_, key_file,
                                                  R"({"alg":"ES256","typ":"JWT","kid":")" + kid +
                                                      R"(","crit":["exp"]})",
                                                  samplePayloadJson()),
                               EdrTokenKind::kAccess, fixedNow()),
                "crit");
  expectRefused(issuer_.verify(signWithOpensslCli(dir_, key_file, R"({"alg":"ES256","typ":"JWT"})",
                                                  samplePayloadJson()),
                               EdrTokenKind::kAccess, fixedNow()),
                "unknown kid");
}

// ---- remembered tokens ----

// verify() remembers verified tokens; the checks that depend on the call still run each time,
// and a token that differs in any byte from a remembered one is checked in full.
TEST_F(EdrTokenTest, ARememberedTokenIsStillCheckedForKindAndTimeAndOnlyByItsExactText) {
  const std::string refresh = issuer_.sign(sampleClaims(EdrTokenKind::kRefresh));
  ASSERT_TRUE(issuer_.verify(refresh, EdrTokenKind::kRefresh, fixedNow()).ok());
  expectRefused(issuer_.verify(refresh, EdrTokenKind::kAccess, fixedNow()), "wrong token kind");
  expectRefused(
      issuer_.verify(refresh, EdrTokenKind::kRefresh, fixedNow() + std::chrono::hours(48)),
      "expired");
  std::string altered = refresh;
  altered[altered.size() - 2] = altered[altered.size() - 2] == 'A' ? 'B' : 'A';
  const auto refused = issuer_.verify(altered, EdrTokenKind::kRefresh, fixedNow());
  ASSERT_FALSE(refused.ok()) << "a token one byte off a remembered one was accepted";
  const EdrTokenIssuer other(newKey(), kSupplier);
  expectRefused(other.verify(refresh, EdrTokenKind::kRefresh, fixedNow()), "unknown kid");
  // More tokens than are remembered: each still verifies, the first one again too.
  std::vector<std::string> tokens;
  for (size_t n = 0; n <= EdrTokenIssuer::kVerifiedTokensRemembered; ++n) {
    EdrClaims claims = sampleClaims();
    claims.token_id = "token-" + std::to_string(n);
    tokens.push_back(issuer_.sign(claims));
    ASSERT_TRUE(issuer_.verify(tokens.back(), EdrTokenKind::kAccess, fixedNow()).ok());
  }
  auto first = issuer_.verify(tokens.front(), EdrTokenKind::kAccess, fixedNow());
  ASSERT_TRUE(first.ok()) << first.error().describe();
  EXPECT_EQ(first.value().token_id, "token-0");
}

// ---- claims ----

TEST_F(EdrTokenTest, ExpiredTokenIsRefusedFromItsExpiryOn) {
  const std::string token = issuer_.sign(sampleClaims());
  EXPECT_TRUE(issuer_.verify(token, EdrTokenKind::kAccess, fixedNow() + seconds(299)).ok());
  expectRefused(issuer_.verify(token, EdrTokenKind::kAccess, fixedNow() + seconds(300)), "expired");
  expectRefused(issuer_.verify(token, EdrTokenKind::kAccess, fixedNow() + std::chrono::hours(24)),
                "expired");
}

TEST_F(EdrTokenTest, NotYetValidTokenIsRefusedBeyondTheClockSkew) {
  const std::string token = issuer_.sign(sampleClaims());
  EXPECT_TRUE(issuer_.verify(token, EdrTokenKind::kAccess, fixedNow() - seconds(30)).ok());
  expectRefused(issuer_.verify(token, EdrTokenKind::kAccess, fixedNow() - seconds(31)),
                "not yet valid");
}

TEST_F(EdrTokenTest, IssuedInTheFutureIsRefusedEvenWithAnEarlyNbf) {
  const std::string token =
      signWithOpensslCli(dir_, keyFile(), headerJsonFor(key_),
                         samplePayloadJson(R"("iat":1900000000)", R"("iat":1900000100)"));
  expectRefused(issuer_.verify(token, EdrTokenKind::kAccess, fixedNow()), "issued in the future");
}

TEST_F(EdrTokenTest, RefreshTokenUsedAsAccessTokenIsRefused) {
  const std::string refresh = issuer_.sign(sampleClaims(EdrTokenKind::kRefresh));
  expectRefused(issuer_.verify(refresh, EdrTokenKind::kAccess, fixedNow()),
                "wrong token kind: a refresh token cannot be used as an access token");
  EXPECT_TRUE(issuer_.verify(refresh, EdrTokenKind::kRefresh, fixedNow()).ok());
}

TEST_F(EdrTokenTest, AccessTokenUsedAsRefreshTokenIsRefused) {
  const std::string access = issuer_.sign(sampleClaims(EdrTokenKind::kAccess));
  expectRefused(issuer_.verify(access, EdrTokenKind::kRefresh, fixedNow()),
                "wrong token kind: an access token cannot be used as a refresh token");
}

TEST_F(EdrTokenTest, TokenOfAnotherIssuerWithTheSameKeyIsRefused) {
  const EdrTokenIssuer other(key_, "BPNL00000000OTHR");
  expectRefused(issuer_.verify(other.sign(sampleClaims()), EdrTokenKind::kAccess, fixedNow()),
                "wrong issuer");
  EXPECT_TRUE(other.verify(other.sign(sampleClaims()), EdrTokenKind::kAccess, fixedNow()).ok());
}

TEST_F(EdrTokenTest, MissingOrWronglyTypedClaimsAreRefused) {
  const auto key_file = keyFile();
  const std::string header = headerJsonFor(key_);
  struct Case {
    std::string from, to, why;
  };
  const Case cases[] = {
      {R"("exp":1900000300,)", "", "claim exp is missing"},
      {R"("exp":1900000300)", R"("exp":"1900000300")", "claim exp is not a whole number"},
      {R"("iat":1900000000)", R"("iat":1900000000.5)", "claim iat is not a whole number"},
      {R"("nbf":1900000000)", R"("nbf":99999999999999)", "claim nbf is out of range"},
      {R"("jti":"7f1c1a7e-3c1e-4a6b-9d0e-2b4f6c8a0e11",)", "", "claim jti is missing"},
      {R"("jti":"7f1c1a7e-3c1e-4a6b-9d0e-2b4f6c8a0e11")", R"("jti":"")", "claim jti is empty"},
      {R"("aud":"BPNL000000000OEM")", R"("aud":["BPNL000000000OEM"])", "claim aud is not a string"},
      {R"("sub":"BPNL000000000OEM",)", "", "claim sub is missing"},
      {R"("agreementId":"agreement-42")", R"("agreementId":42)",
       "claim agreementId is not a string"},
      {R"("assetId":"urn:uuid:asset-1",)", "", "claim assetId is missing"},
      {R"("transferProcessId":"transfer-7",)", "", "claim transferProcessId is missing"},
      {R"(,"tokenType":"access")", "", "claim tokenType is missing"},
      {R"("tokenType":"access")", R"("tokenType":"bearer")", "tokenType is neither"},
      {R"("iss":"BPNL000000000SUP",)", "", "claim iss is missing"},
      {R"("iss":"BPNL000000000SUP",)", R"("iss":"BPNL000000000SUP","iss":"x",)",
       "payload repeats a name"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.why);
    const std::string token =
        signWithOpensslCli(dir_, key_file, header, samplePayloadJson(c.from, c.to));
    expectRefused(issuer_.verify(token, EdrTokenKind::kAccess, fixedNow()), c.why);
  }
  // The unaltered payload passes, so each case above fails for its own reason.
  EXPECT_TRUE(issuer_
                  .verify(signWithOpensslCli(dir_, key_file, header, samplePayloadJson()),
                          EdrTokenKind::kAccess, fixedNow())
                  .ok());
}

TEST_F(EdrTokenTest, PayloadThatIsNotAJsonObjectIsRefused) {
  const auto key_file = keyFile();
  for (const std::string payload : {"[1,2]", "{\"iss\":", "not json", "{} {}"}) {
    SCOPED_TRACE(payload);
    expectRefused(issuer_.verify(signWithOpensslCli(dir_, key_file, headerJsonFor(key_), payload),
                                 EdrTokenKind::kAccess, fixedNow()),
                  "payload is not a JSON object");
  }
}

// ---- garbage ----

TEST_F(EdrTokenTest, GarbageIsRefusedWithAReason) {
  const auto verify = [this](std::string_view token) {
    return issuer_.verify(token, EdrTokenKind::kAccess, fixedNow());
  };
  const auto [header, payload, signature] = parts(issuer_.sign(sampleClaims()));
  expectRefused(verify(""), "empty");
  expectRefused(verify("abc"), "not three base64url parts");
  expectRefused(verify(header + "." + payload), "not three base64url parts");
  expectRefused(verify(join(header, payload, signature) + ".x"), "not three base64url parts");
  expectRefused(verify("a.b.c.d"), "not three base64url parts");
  expectRefused(verify("..."), "not three base64url parts");
  expectRefused(verify(".."), "header is not base64url");
  expectRefused(verify(join("!!!!", payload, signature)), "header is not base64url");
  expectRefused(verify(join(header + "=", payload, signature)), "header is not base64url");
  expectRefused(verify(join(header, payload + "*", signature)), "payload is not base64url");
  expectRefused(verify(join(header, payload, signature + "==")), "signature is not base64url");
  expectRefused(verify(join(base64UrlEncode("not json"), payload, signature)),
                "header is not a JSON object");
  expectRefused(verify(join(base64UrlEncode("[\"ES256\"]"), payload, signature)),
                "header is not a JSON object");
  expectRefused(
      verify(join(base64UrlEncode(std::string("{\"alg\":\"ES256\xff\"}")), payload, signature)),
      "header is not a JSON object");
  expectRefused(
      verify(join(base64UrlEncode(R"({"alg":"ES256","alg":"none"})"), payload, signature)),
      "header repeats a name");
  // Deep nesting in the unsigned header must not exhaust the stack.
  expectRefused(verify(join(base64UrlEncode(std::string(5000, '[')), payload, signature)),
                "header is not a JSON object");
  expectRefused(verify(std::string(kMaxEdrTokenBytes + 1, 'a')), "larger than 8 KiB");
  const std::string padded = join(header, payload + std::string(kMaxEdrTokenBytes, 'A'), signature);
  expectRefused(verify(padded), "larger than 8 KiB");
}

// ---- keys ----

TEST(EdrSigningKey, GeneratedKeysDiffer) {
  EXPECT_NE(newKey().keyId(), newKey().keyId());
}

TEST(EdrSigningKey, CopiesShareTheKey) {
  const EdrSigningKey key = newKey();
  const EdrSigningKey copy = key;  // NOLINT(performance-unnecessary-copy-initialization)
  EXPECT_EQ(copy.keyId(), key.keyId());
  EXPECT_EQ(copy.publicJwk(), key.publicJwk());
}

TEST(EdrSigningKey, WrittenKeyLoadsWithTheSameKeyIdAndMode0600) {
  const TempDirectory dir;
  const EdrSigningKey key = newKey();
  const auto path = dir.path() / "edr.key";
  dir.write("edr.key", "stale content");
  std::filesystem::permissions(path, std::filesystem::perms(0644));
  ASSERT_TRUE(key.writePem(path).ok());
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600U);
  EXPECT_EQ(readFile(path).rfind("-----BEGIN PRIVATE KEY-----", 0), 0U);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1)
      << "temporary file left behind";

  const auto loaded = EdrSigningKey::loadPem(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error().describe();
  EXPECT_EQ(loaded.value().keyId(), key.keyId());
  const EdrTokenIssuer signer(key, kSupplier);
  const EdrTokenIssuer verifier(loaded.value(), kSupplier);
  EXPECT_TRUE(verifier.verify(signer.sign(sampleClaims()), EdrTokenKind::kAccess, fixedNow()).ok());
}

TEST(EdrSigningKey, WritePemToMissingDirectoryFailsNamingTheFile) {
  const TempDirectory dir;
  const auto path = dir.path() / "missing" / "edr.key";
  const Status written = newKey().writePem(path);
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().code, ErrorCode::kIoError);
  EXPECT_NE(written.error().message.find(path.string()), std::string::npos)
      << written.error().message;
}

TEST(EdrSigningKey, LoadsSec1AndOpensslGeneratedKeys) {
  const TempDirectory dir;
  const EdrSigningKey key = newKey();
  const auto pkcs8 = dir.path() / "pkcs8.key";
  const auto sec1 = dir.path() / "sec1.key";
  ASSERT_TRUE(key.writePem(pkcs8).ok());
  runOk({"openssl", "ec", "-in", pkcs8.string(), "-out", sec1.string()});
  ASSERT_EQ(readFile(sec1).rfind("-----BEGIN EC PRIVATE KEY-----", 0), 0U);
  const auto loaded = EdrSigningKey::loadPem(sec1);
  ASSERT_TRUE(loaded.ok()) << loaded.error().describe();
  EXPECT_EQ(loaded.value().keyId(), key.keyId());

  const auto generated = dir.path() / "openssl.key";
  runOk({"openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out",
         generated.string()});
  const auto from_openssl = EdrSigningKey::loadPem(generated);
  ASSERT_TRUE(from_openssl.ok()) << from_openssl.error().describe();
  EXPECT_NE(from_openssl.value().keyId(), key.keyId());
}

void expectLoadFails(const std::filesystem::path& path, ErrorCode code, const std::string& why) {
  const auto loaded = EdrSigningKey::loadPem(path);
  ASSERT_FALSE(loaded.ok()) << path;
  EXPECT_EQ(loaded.error().code, code) << loaded.error().describe();
  EXPECT_NE(loaded.error().message.find(path.string()), std::string::npos)
      << "message does not name the file: " << loaded.error().message;
  EXPECT_NE(loaded.error().message.find(why), std::string::npos)
      << "message '" << loaded.error().message << "' does not say '" << why << "'";
}

TEST(EdrSigningKey, RsaKeyIsRefusedNamingTheFile) {
  const TempDirectory dir;
  const auto path = dir.path() / "rsa.key";
  runOk({"openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out",
         path.string()});
  expectLoadFails(path, ErrorCode::kInvalidArgument, "key of type RSA, not an EC P-256 key");
}

TEST(EdrSigningKey, OtherCurveIsRefusedNamingTheFile) {
  const TempDirectory dir;
  const auto path = dir.path() / "p384.key";
  runOk({"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out",
         path.string()});
  expectLoadFails(path, ErrorCode::kInvalidArgument, "curve secp384r1, not an EC P-256 key");
}

TEST(EdrSigningKey, FilesWithoutAPrivateKeyAreRefusedNamingTheFile) {
  const TempDirectory dir;
  expectLoadFails(dir.write("notes.txt", "hello, not a key\n"), ErrorCode::kInvalidArgument,
                  "holds no PEM private key");
  expectLoadFails(dir.write("empty.key", ""), ErrorCode::kInvalidArgument,
                  "holds no PEM private key");

  const auto key_file = dir.path() / "edr.key";
  const auto public_file = dir.path() / "edr.pub";
  ASSERT_TRUE(newKey().writePem(key_file).ok());
  runOk({"openssl", "pkey", "-in", key_file.string(), "-pubout", "-out", public_file.string()});
  expectLoadFails(public_file, ErrorCode::kInvalidArgument, "holds no PEM private key");

  const auto encrypted = dir.path() / "encrypted.key";
  runOk({"openssl", "pkey", "-in", key_file.string(), "-aes256", "-passout", "pass:secret", "-out",
         encrypted.string()});
  expectLoadFails(encrypted, ErrorCode::kInvalidArgument, "encrypted");

  expectLoadFails(dir.path() / "absent.key", ErrorCode::kNotFound, "no such file");
  expectLoadFails(dir.path(), ErrorCode::kInvalidArgument, "not a regular file");
  expectLoadFails(dir.write("big.key", std::string(65 * 1024, 'A')), ErrorCode::kInvalidArgument,
                  "larger than 64 KiB");
}

TEST(EdrSigningKey, PublicJwkIsJsonWithTheKeysCoordinatesAndRfc7638Thumbprint) {
  const TempDirectory dir;
  const EdrSigningKey key = newKey();
  const auto jwk = parseJson(key.publicJwk());
  ASSERT_TRUE(jwk.IsObject());
  EXPECT_STREQ(jwk["kty"].GetString(), "EC");
  EXPECT_STREQ(jwk["crv"].GetString(), "P-256");
  EXPECT_STREQ(jwk["alg"].GetString(), "ES256");
  EXPECT_STREQ(jwk["use"].GetString(), "sig");
  EXPECT_EQ(jwk["kid"].GetString(), key.keyId());
  EXPECT_FALSE(jwk.HasMember("d")) << "private key in the public JWK";
  const std::string x = jwk["x"].GetString();
  const std::string y = jwk["y"].GetString();
  EXPECT_EQ(unb64url(x).size(), 32U);
  EXPECT_EQ(unb64url(y).size(), 32U);

  // x and y are the key's point: the last 65 bytes of its DER SubjectPublicKeyInfo, 04||x||y.
  const auto key_file = dir.path() / "edr.key";
  const auto public_der = dir.path() / "edr.pub.der";
  ASSERT_TRUE(key.writePem(key_file).ok());
  runOk({"openssl", "pkey", "-in", key_file.string(), "-pubout", "-outform", "DER", "-out",
         public_der.string()});
  const std::string spki = readFile(public_der);
  ASSERT_GE(spki.size(), 65U);
  EXPECT_EQ(spki.substr(spki.size() - 65), "\x04" + unb64url(x) + unb64url(y));

  // RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace.
  const std::string canonical =
      R"({"crv":"P-256","kty":"EC","x":")" + x + R"(","y":")" + y + R"("})";
  EXPECT_EQ(hexOf(unb64url(key.keyId())), sha256Hex(canonical));
  EXPECT_EQ(key.keyId().size(), 43U);
}

// ---- interoperability with the openssl command line ----

TEST_F(EdrTokenTest, SignatureVerifiesWithOpensslCommandLine) {
  const auto [header, payload, signature] = parts(issuer_.sign(sampleClaims()));
  const auto public_pem = dir_.path() / "pub.pem";
  runOk({"openssl", "pkey", "-in", keyFile().string(), "-pubout", "-out", public_pem.string()});
  const auto input = dir_.write("input", header + "." + payload);
  const auto signature_der = dir_.write("sig.der", derFromJose(unb64url(signature)));

  const CommandResult verified =
      runCommand({"openssl", "dgst", "-sha256", "-verify", public_pem.string(), "-signature",
                  signature_der.string(), input.string()});
  EXPECT_EQ(verified.exit_code, 0) << verified.output;
  EXPECT_NE(verified.output.find("Verified OK"), std::string::npos) << verified.output;

  // The same check fails for other signed bytes, so the one above is not vacuous.
  const auto other_input = dir_.write("other-input", header + "." + payload + "x");
  const CommandResult refused =
      runCommand({"openssl", "dgst", "-sha256", "-verify", public_pem.string(), "-signature",
                  signature_der.string(), other_input.string()});
  EXPECT_NE(refused.exit_code, 0) << refused.output;
}

TEST_F(EdrTokenTest, TokenSignedByOpensslCommandLineVerifies) {
  const std::string token =
      signWithOpensslCli(dir_, keyFile(), headerJsonFor(key_), samplePayloadJson());
  const auto verified = issuer_.verify(token, EdrTokenKind::kAccess, fixedNow());
  ASSERT_TRUE(verified.ok()) << verified.error().describe();
  EXPECT_EQ(verified.value().asset_id, "urn:uuid:asset-1");
  EXPECT_EQ(verified.value().expires_at, fixedNow() + seconds(300));
}

}  // namespace
}  // namespace cxgw::gateway
