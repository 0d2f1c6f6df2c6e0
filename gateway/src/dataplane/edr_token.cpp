#include "cxgw/gateway/dataplane/edr_token.hpp"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "cxgw/core/base64url.hpp"
#include "cxgw/core/digest.hpp"
#include "cxgw/core/json_text.hpp"

namespace cxgw::gateway {

struct EdrSigningKey::Key {
  EVP_PKEY* pkey = nullptr;  // owned; only read after construction
  std::string x;             // base64url affine coordinates, 32 bytes each
  std::string y;
  std::string kid;
  std::string encoded_header;  // base64url JOSE header, the same for every token of this key

  Key() = default;
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;
  ~Key() { EVP_PKEY_free(pkey); }
};

namespace {

constexpr int kCoordinateBytes = 32;
constexpr std::size_t kSignatureBytes = 2 * kCoordinateBytes;
// Far larger than any PEM EC key; keeps a wrong path (a log file, a device) from being read whole.
constexpr long kMaxKeyFileBytes = 64 * 1024;

struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct MdContextFree {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
struct PkeyContextFree {
  void operator()(EVP_PKEY_CTX* context) const { EVP_PKEY_CTX_free(context); }
};
struct SignatureFree {
  void operator()(ECDSA_SIG* signature) const { ECDSA_SIG_free(signature); }
};
struct BignumFree {
  void operator()(BIGNUM* number) const { BN_free(number); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;
using MdContextPtr = std::unique_ptr<EVP_MD_CTX, MdContextFree>;
using PkeyContextPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyContextFree>;
using SignaturePtr = std::unique_ptr<ECDSA_SIG, SignatureFree>;
using BignumPtr = std::unique_ptr<BIGNUM, BignumFree>;

// ---- OpenSSL helpers ----

// OpenSSL's reason for the last failure, emptying the thread's error queue.
std::string takeOpenSslError() {
  const unsigned long code = ERR_peek_last_error();
  std::string reason = "unknown OpenSSL error";
  if (code != 0) {
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    reason = text;
  }
  ERR_clear_error();
  return reason;
}

Error opensslFailure(const std::string& what) {
  return Error{ErrorCode::kTlsError, what + ": " + takeOpenSslError(), "", "", 0};
}

std::optional<std::string> coordinate(const EVP_PKEY* pkey, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) return std::nullopt;
  BignumPtr number(raw);
  std::string bytes(kCoordinateBytes, '\0');
  if (BN_bn2binpad(number.get(), reinterpret_cast<unsigned char*>(bytes.data()),
                   kCoordinateBytes) != kCoordinateBytes) {
    return std::nullopt;
  }
  return bytes;
}

// Wraps an EC P-256 private key; `origin` ("<file>" or "generated key") starts each message.
Result<std::shared_ptr<const EdrSigningKey::Key>> wrapKey(KeyPtr pkey, const std::string& origin) {
  if (!EVP_PKEY_is_a(pkey.get(), "EC")) {
    const char* type = EVP_PKEY_get0_type_name(pkey.get());
    return Error{ErrorCode::kInvalidArgument,
                 origin + " holds a key of type " + (type != nullptr ? type : "unknown") +
                     ", not an EC P-256 key",
                 "", "", 0};
  }
  char group[64] = {};
  std::size_t group_length = 0;
  if (EVP_PKEY_get_utf8_string_param(pkey.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                     &group_length) != 1) {
    ERR_clear_error();
    return Error{ErrorCode::kInvalidArgument,
                 origin + " holds an EC key without a named curve, not an EC P-256 key", "", "", 0};
  }
  if (std::string_view(group) != SN_X9_62_prime256v1) {
    return Error{ErrorCode::kInvalidArgument,
                 origin + " holds an EC key on curve " + group + ", not an EC P-256 key", "", "",
                 0};
  }
  PkeyContextPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (!check || EVP_PKEY_check(check.get()) != 1) {
    return Error{ErrorCode::kInvalidArgument,
                 origin + " holds an EC P-256 key whose public and private parts do not match (" +
                     takeOpenSslError() + ")",
                 "", "", 0};
  }

  const auto x = coordinate(pkey.get(), OSSL_PKEY_PARAM_EC_PUB_X);
  const auto y = coordinate(pkey.get(), OSSL_PKEY_PARAM_EC_PUB_Y);
  if (!x || !y) return opensslFailure(origin + ": cannot read the public key");

  auto key = std::make_shared<EdrSigningKey::Key>();
  key->x = base64UrlEncode(*x);
  key->y = base64UrlEncode(*y);
  // RFC 7638 section 3.2: the required members in lexicographic order, no whitespace.
  const std::string thumbprint_input =
      R"({"crv":"P-256","kty":"EC","x":")" + key->x + R"(","y":")" + key->y + R"("})";
  const std::array<unsigned char, 32> digest = sha256(thumbprint_input);
  key->kid = base64UrlEncode(
      std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
  key->encoded_header =
      base64UrlEncode(R"({"alg":"ES256","typ":"JWT","kid":)" + json::quote(key->kid) + "}");
  key->pkey = pkey.release();
  return std::shared_ptr<const EdrSigningKey::Key>(std::move(key));
}

int refusePassphrase(char* /*buffer*/, int /*size*/, int /*rwflag*/, void* /*userdata*/) {
  return -1;  // never prompt on a terminal for an encrypted key
}

std::string errnoText(int error) {
  return std::strerror(error);
}

Error keyFileError(ErrorCode code, const std::filesystem::path& path, const std::string& what) {
  return Error{code, path.string() + ": " + what, "", "", 0};
}

Result<std::string> readKeyFile(const std::filesystem::path& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (status.type() == std::filesystem::file_type::not_found) {
    return keyFileError(ErrorCode::kNotFound, path, "no such file");
  }
  if (ec) return keyFileError(ErrorCode::kIoError, path, "cannot read: " + ec.message());
  if (status.type() != std::filesystem::file_type::regular) {
    return keyFileError(ErrorCode::kInvalidArgument, path, "not a regular file");
  }
  FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return keyFileError(ErrorCode::kIoError, path, "cannot read: " + errnoText(errno));
  }
  std::string content;
  char chunk[4096];
  std::size_t n = 0;
  while ((n = std::fread(chunk, 1, sizeof chunk, file)) > 0) {
    content.append(chunk, n);
    if (content.size() > static_cast<std::size_t>(kMaxKeyFileBytes)) break;
  }
  const bool failed = std::ferror(file) != 0;
  const int read_errno = errno;
  std::fclose(file);
  if (failed) {
    return keyFileError(ErrorCode::kIoError, path, "cannot read: " + errnoText(read_errno));
  }
  if (content.size() > static_cast<std::size_t>(kMaxKeyFileBytes)) {
    return keyFileError(ErrorCode::kInvalidArgument, path,
                        "larger than 64 KiB, too large to be a PEM private key");
  }
  return content;
}

// ---- JSON ----

// Parses `text` as one JSON object. The iterative parser keeps a deeply nested header, which an
// attacker controls before the signature is checked, from exhausting the stack.
bool parseObject(std::string_view text, rapidjson::Document& document) {
  document.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(
      text.data(), text.size());
  return !document.HasParseError() && document.IsObject();
}

bool hasRepeatedName(const rapidjson::Value& object) {
  std::vector<std::string_view> names;
  names.reserve(object.MemberCount());
  for (const auto& member : object.GetObject()) {
    names.emplace_back(member.name.GetString(), member.name.GetStringLength());
  }
  std::sort(names.begin(), names.end());
  return std::adjacent_find(names.begin(), names.end()) != names.end();
}

const rapidjson::Value* findMember(const rapidjson::Value& object, const char* name) {
  const auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

bool plainName(const rapidjson::Value& value) {
  if (!value.IsString() || value.GetStringLength() == 0 || value.GetStringLength() > 16) {
    return false;
  }
  const std::string_view text(value.GetString(), value.GetStringLength());
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  });
}

const char* kindName(EdrTokenKind kind) {
  return kind == EdrTokenKind::kAccess ? "access" : "refresh";
}

const char* withArticle(EdrTokenKind kind) {
  return kind == EdrTokenKind::kAccess ? "an access" : "a refresh";
}

std::int64_t numericDate(std::chrono::system_clock::time_point time) {
  return std::chrono::floor<std::chrono::seconds>(time).time_since_epoch().count();
}

// The instant of a NumericDate, or nullopt beyond what system_clock can hold.
std::optional<std::chrono::system_clock::time_point> fromNumericDate(std::int64_t seconds) {
  using Duration = std::chrono::system_clock::duration;
  constexpr std::int64_t kMin =
      std::chrono::duration_cast<std::chrono::seconds>(Duration::min()).count();
  constexpr std::int64_t kMax =
      std::chrono::duration_cast<std::chrono::seconds>(Duration::max()).count();
  if (seconds < kMin || seconds > kMax) return std::nullopt;
  return std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
}

Error refused(const std::string& why, std::string claim = "") {
  return Error{ErrorCode::kUnauthenticated, "EDR token refused: " + why, std::move(claim), "", 0};
}

std::optional<Error> readString(const rapidjson::Value& payload, const char* name,
                                std::string& out) {
  const rapidjson::Value* value = findMember(payload, name);
  if (value == nullptr) return refused(std::string("claim ") + name + " is missing", name);
  if (!value->IsString()) {
    return refused(std::string("claim ") + name + " is not a string", name);
  }
  if (value->GetStringLength() == 0) {
    return refused(std::string("claim ") + name + " is empty", name);
  }
  out.assign(value->GetString(), value->GetStringLength());
  return std::nullopt;
}

std::optional<Error> readTime(const rapidjson::Value& payload, const char* name,
                              std::chrono::system_clock::time_point& out) {
  const rapidjson::Value* value = findMember(payload, name);
  if (value == nullptr) return refused(std::string("claim ") + name + " is missing", name);
  if (!value->IsInt64()) {
    return refused(std::string("claim ") + name + " is not a whole number of seconds", name);
  }
  const auto time = fromNumericDate(value->GetInt64());
  if (!time) return refused(std::string("claim ") + name + " is out of range", name);
  out = *time;
  return std::nullopt;
}

// ES256 signature of `input` in JOSE form (r||s, 32 bytes each); empty when OpenSSL fails.
std::string signJose(EVP_PKEY* pkey, std::string_view input) {
  MdContextPtr context(EVP_MD_CTX_new());
  std::size_t der_length = 0;
  if (!context || EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, pkey) != 1 ||
      EVP_DigestSign(context.get(), nullptr, &der_length,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    ERR_clear_error();
    return {};
  }
  std::vector<unsigned char> der(der_length);
  if (EVP_DigestSign(context.get(), der.data(), &der_length,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    ERR_clear_error();
    return {};
  }
  const unsigned char* cursor = der.data();
  SignaturePtr signature(d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der_length)));
  if (!signature) {
    ERR_clear_error();
    return {};
  }
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(signature.get(), &r, &s);
  std::string jose(kSignatureBytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(jose.data());
  if (BN_bn2binpad(r, out, kCoordinateBytes) != kCoordinateBytes ||
      BN_bn2binpad(s, out + kCoordinateBytes, kCoordinateBytes) != kCoordinateBytes) {
    return {};
  }
  return jose;
}

// True when `jose` (r||s) is a valid ES256 signature of `input` under `pkey`.
bool verifyJose(EVP_PKEY* pkey, std::string_view input, std::string_view jose) {
  assert(jose.size() == kSignatureBytes);
  const auto* bytes = reinterpret_cast<const unsigned char*>(jose.data());
  BignumPtr r(BN_bin2bn(bytes, kCoordinateBytes, nullptr));
  BignumPtr s(BN_bin2bn(bytes + kCoordinateBytes, kCoordinateBytes, nullptr));
  SignaturePtr signature(ECDSA_SIG_new());
  if (!r || !s || !signature || ECDSA_SIG_set0(signature.get(), r.get(), s.get()) != 1) {
    ERR_clear_error();
    return false;
  }
  r.release();  // owned by signature now
  s.release();
  unsigned char* der = nullptr;
  const int der_length = i2d_ECDSA_SIG(signature.get(), &der);
  if (der_length <= 0) {
    ERR_clear_error();
    return false;
  }
  MdContextPtr context(EVP_MD_CTX_new());
  const bool verified =
      context && EVP_DigestVerifyInit(context.get(), nullptr, EVP_sha256(), nullptr, pkey) == 1 &&
      EVP_DigestVerify(context.get(), der, static_cast<std::size_t>(der_length),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  OPENSSL_free(der);
  ERR_clear_error();
  return verified;
}

}  // namespace

// ---- EdrSigningKey ----

Result<EdrSigningKey> EdrSigningKey::loadPem(const std::filesystem::path& path) {
  auto content = readKeyFile(path);
  if (!content) return content.error();
  const std::string& pem = content.value();
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return opensslFailure(path.string());
  KeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, refusePassphrase, nullptr));
  ERR_clear_error();
  if (!pkey) {
    if (pem.find("ENCRYPTED") != std::string::npos) {
      return keyFileError(ErrorCode::kInvalidArgument, path,
                          "the private key is encrypted; an unencrypted key (mode 0600) is needed");
    }
    return keyFileError(ErrorCode::kInvalidArgument, path,
                        "holds no PEM private key (PKCS#8 \"BEGIN PRIVATE KEY\" or SEC1 \"BEGIN "
                        "EC PRIVATE KEY\")");
  }
  auto key = wrapKey(std::move(pkey), path.string());
  if (!key) return key.error();
  return EdrSigningKey(std::move(key).value());
}

Result<EdrSigningKey> EdrSigningKey::generate() {
  KeyPtr pkey(EVP_EC_gen("P-256"));
  if (!pkey) return opensslFailure("EC P-256 key generation");
  auto key = wrapKey(std::move(pkey), "generated key");
  if (!key) return key.error();
  return EdrSigningKey(std::move(key).value());
}

Status EdrSigningKey::writePem(const std::filesystem::path& path) const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key_->pkey, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return opensslFailure("cannot encode the key for " + path.string());
  }
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);

  // A new file with mode 0600 (mkstemp's) renamed over the old one: the key is never readable by
  // others, not even for a moment, and a crash leaves either the old key or the new one.
  const std::filesystem::path directory =
      path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::string temp = (directory / ("." + path.filename().string() + ".XXXXXX")).string();
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) {
    return keyFileError(ErrorCode::kIoError, path, "cannot write: " + errnoText(errno));
  }
  int error = 0;
  for (long written = 0; error == 0 && written < length;) {
    const ssize_t n = ::write(fd, data + written, static_cast<std::size_t>(length - written));
    if (n > 0) {
      written += n;
    } else if (n < 0 && errno != EINTR) {
      error = errno;
    } else if (n == 0) {
      error = EIO;
    }
  }
  if (error == 0 && ::fsync(fd) != 0) error = errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error == 0 && ::rename(temp.c_str(), path.c_str()) != 0) error = errno;
  if (error != 0) {
    ::unlink(temp.c_str());
    return keyFileError(ErrorCode::kIoError, path, "cannot write: " + errnoText(error));
  }
  return {};
}

std::string EdrSigningKey::keyId() const {
  return key_->kid;
}

std::string EdrSigningKey::publicJwk() const {
  std::string out = R"({"kty":"EC","crv":"P-256","x":)";
  json::appendString(out, key_->x);
  out += R"(,"y":)";
  json::appendString(out, key_->y);
  out += R"(,"kid":)";
  json::appendString(out, key_->kid);
  out += R"(,"alg":"ES256","use":"sig"})";
  return out;
}

// ---- EdrTokenIssuer ----

// Tokens whose signature and claims verified, by their exact text; emptied whole when full,
// which costs the next requests one signature check each.
struct EdrTokenIssuer::Remembered {
  std::optional<Signed> find(std::string_view token) {
    std::lock_guard lock(mutex);
    const auto it = tokens.find(token);
    if (it == tokens.end()) return std::nullopt;
    return it->second;
  }
  void add(std::string_view token, const Signed& checked) {
    std::lock_guard lock(mutex);
    if (tokens.size() >= kVerifiedTokensRemembered) tokens.clear();
    tokens.emplace(std::string(token), checked);
  }

  std::mutex mutex;
  std::map<std::string, Signed, std::less<>> tokens;
};

EdrTokenIssuer::EdrTokenIssuer(EdrSigningKey key, std::string issuer)
    : key_(std::move(key)),
      issuer_(std::move(issuer)),
      remembered_(std::make_unique<Remembered>()) {
  assert(!issuer_.empty());
}

EdrTokenIssuer::~EdrTokenIssuer() = default;

std::string EdrTokenIssuer::sign(const EdrClaims& claims) const {
  const std::int64_t issued_at = numericDate(claims.issued_at);
  std::string payload = R"({"iss":)";
  json::appendString(payload, issuer_);
  const auto add_string = [&payload](const char* name, std::string_view value) {
    payload += ",\"";
    payload += name;
    payload += "\":";
    json::appendString(payload, value);
  };
  const auto add_number = [&payload](const char* name, std::int64_t value) {
    payload += ",\"";
    payload += name;
    payload += "\":";
    payload += std::to_string(value);
  };
  add_string("sub", claims.partner_bpn);
  add_string("aud", claims.audience);
  add_string("jti", claims.token_id);
  add_number("iat", issued_at);
  add_number("nbf", issued_at);
  add_number("exp", numericDate(claims.expires_at));
  add_string("agreementId", claims.agreement_id);
  add_string("assetId", claims.asset_id);
  add_string("transferProcessId", claims.transfer_process_id);
  add_string("tokenType", kindName(claims.kind));
  payload += '}';

  std::string token = key_.key_->encoded_header + "." + base64UrlEncode(payload);
  const std::string signature = signJose(key_.key_->pkey, token);
  if (signature.empty()) return {};
  token += '.';
  token += base64UrlEncode(signature);
  return token;
}

Result<EdrTokenIssuer::Signed> EdrTokenIssuer::checkSigned(std::string_view token) const {
  if (token.empty()) return refused("empty");
  const std::size_t first_dot = token.find('.');
  const std::size_t second_dot =
      first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos ||
      token.find('.', second_dot + 1) != std::string_view::npos) {
    return refused("malformed: not three base64url parts separated by '.'");
  }
  const std::string_view header_part = token.substr(0, first_dot);
  const std::string_view payload_part = token.substr(first_dot + 1, second_dot - first_dot - 1);
  const std::string_view signature_part = token.substr(second_dot + 1);

  const auto header_text = base64UrlDecode(header_part);
  if (!header_text || header_text->empty()) return refused("malformed: header is not base64url");
  const auto payload_text = base64UrlDecode(payload_part);
  if (!payload_text || payload_text->empty()) {
    return refused("malformed: payload is not base64url");
  }
  const auto signature = base64UrlDecode(signature_part);
  if (!signature) return refused("malformed: signature is not base64url");

  rapidjson::Document header;
  if (!parseObject(*header_text, header)) return refused("malformed: header is not a JSON object");
  if (hasRepeatedName(header)) return refused("malformed: header repeats a name");
  const rapidjson::Value* alg = findMember(header, "alg");
  if (alg == nullptr) return refused("header has no alg");
  if (!alg->IsString() || std::string_view(alg->GetString(), alg->GetStringLength()) != "ES256") {
    return refused(plainName(*alg) ? std::string("alg ") + alg->GetString() + " is not ES256"
                                   : std::string("alg is not ES256"));
  }
  const rapidjson::Value* typ = findMember(header, "typ");
  if (typ == nullptr || !typ->IsString() ||
      std::string_view(typ->GetString(), typ->GetStringLength()) != "JWT") {
    return refused("header typ is not JWT");
  }
  if (findMember(header, "crit") != nullptr) return refused("header has crit extensions");
  const rapidjson::Value* kid = findMember(header, "kid");
  if (kid == nullptr || !kid->IsString() ||
      std::string_view(kid->GetString(), kid->GetStringLength()) != key_.key_->kid) {
    return refused("unknown kid: not signed with this gateway's EDR key");
  }

  if (signature->size() != kSignatureBytes) {
    return refused("signature is not 64 bytes (ES256 r||s)");
  }
  if (!verifyJose(key_.key_->pkey, token.substr(0, second_dot), *signature)) {
    return refused("bad signature");
  }

  rapidjson::Document payload;
  if (!parseObject(*payload_text, payload)) {
    return refused("malformed: payload is not a JSON object");
  }
  if (hasRepeatedName(payload)) return refused("malformed: payload repeats a name");

  Signed checked;
  EdrClaims& claims = checked.claims;
  std::string token_type;
  std::chrono::system_clock::time_point& not_before = checked.not_before;
  const std::pair<const char*, std::string*> strings[] = {
      {"iss", &claims.issuer},
      {"sub", &claims.partner_bpn},
      {"aud", &claims.audience},
      {"jti", &claims.token_id},
      {"agreementId", &claims.agreement_id},
      {"assetId", &claims.asset_id},
      {"transferProcessId", &claims.transfer_process_id},
      {"tokenType", &token_type},
  };
  for (const auto& [name, field] : strings) {
    if (auto error = readString(payload, name, *field)) return *std::move(error);
  }
  const std::pair<const char*, std::chrono::system_clock::time_point*> times[] = {
      {"iat", &claims.issued_at}, {"nbf", &not_before}, {"exp", &claims.expires_at}};
  for (const auto& [name, field] : times) {
    if (auto error = readTime(payload, name, *field)) return *std::move(error);
  }

  if (claims.issuer != issuer_) return refused("wrong issuer", "iss");
  if (token_type == "access") {
    claims.kind = EdrTokenKind::kAccess;
  } else if (token_type == "refresh") {
    claims.kind = EdrTokenKind::kRefresh;
  } else {
    return refused("claim tokenType is neither access nor refresh", "tokenType");
  }
  return checked;
}

Result<EdrClaims> EdrTokenIssuer::verify(std::string_view token, EdrTokenKind expected_kind,
                                         std::chrono::system_clock::time_point now) const {
  if (token.size() > kMaxEdrTokenBytes) return refused("larger than 8 KiB");
  std::optional<Signed> known = remembered_->find(token);
  if (!known) {
    auto checked = checkSigned(token);
    if (!checked) return checked.error();
    remembered_->add(token, checked.value());
    known = std::move(checked).value();
  }
  const EdrClaims& claims = known->claims;
  const auto not_before = known->not_before;
  if (claims.kind != expected_kind) {
    return refused(std::string("wrong token kind: ") + withArticle(claims.kind) +
                       " token cannot be used as " + withArticle(expected_kind) + " token",
                   "tokenType");
  }
  if (claims.expires_at <= now) return refused("expired", "exp");
  if (not_before > now + kEdrClockSkew) return refused("not yet valid", "nbf");
  if (claims.issued_at > now + kEdrClockSkew) return refused("issued in the future", "iat");
  return claims;
}

}  // namespace cxgw::gateway
