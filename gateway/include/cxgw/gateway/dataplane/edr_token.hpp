#pragma once
// Tokens of the Endpoint Data Reference (Catena-X HttpData-PULL): when a partner starts a
// transfer, the gateway hands it a data-plane endpoint with a short-lived access token and a
// refresh token. Both are compact JWS (RFC 7515) JWTs (RFC 7519) signed with ES256 (ECDSA P-256,
// SHA-256; RFC 7518 section 3.4), which any JOSE library can verify from publicJwk().
//
// Token layout:
//   header   {"alg":"ES256","typ":"JWT","kid":<EdrSigningKey::keyId()>}
//   payload  {"iss","aud","sub" (= partner_bpn),"jti","iat","nbf" (= iat),"exp",
//             "agreementId","assetId","transferProcessId","tokenType" ("access"|"refresh")}
// Times are NumericDate whole seconds; sign() rounds issued_at and expires_at down to the second.
//
// Not this file's job: revocation, and refusing a token whose transfer has since been
// terminated, suspended or whose agreement has been retired. verify() only proves that the
// gateway issued the token and that it is in date; the caller then looks up the transfer
// process in the store and refuses the request unless the transfer is still started, and
// compares partner_bpn with the identity the caller authenticated. Key rotation is not either:
// an issuer knows one key, and a token of any other key is refused as an unknown kid.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "cxgw/core/result.hpp"

namespace cxgw::gateway {

// An ECDSA P-256 private key that signs EDR tokens.
//
// Copies share one immutable key, so copying is cheap; every member is const and safe to call
// from several threads at once.
class EdrSigningKey {
 public:
  // Reads an unencrypted PEM private key, PKCS#8 ("BEGIN PRIVATE KEY") or SEC1 ("BEGIN EC
  // PRIVATE KEY"). Fails with kNotFound when the file does not exist, kIoError when it cannot be
  // read, and kInvalidArgument when it holds no such key, or a key that is not EC P-256 (e.g.
  // RSA, or EC P-384); every message names the file.
  static Result<EdrSigningKey> loadPem(const std::filesystem::path& path);

  // A fresh random key. Fails with kTlsError only when OpenSSL does.
  static Result<EdrSigningKey> generate();

  // Writes the private key as PKCS#8 PEM, readable by loadPem and `openssl`. The file gets mode
  // 0600 (also when it existed with a wider mode) and is replaced. kIoError names the file.
  Status writePem(const std::filesystem::path& path) const;

  // RFC 7638 JWK thumbprint of the public key (SHA-256, base64url without padding). The same key
  // always has the same id, whichever file format it was loaded from.
  std::string keyId() const;

  // The public key as a JWK, one JSON object:
  //   {"kty":"EC","crv":"P-256","x":…,"y":…,"kid":keyId(),"alg":"ES256","use":"sig"}
  std::string publicJwk() const;

  struct Key;  // opaque: defined in the .cpp, holds the OpenSSL key

 private:
  explicit EdrSigningKey(std::shared_ptr<const Key> key) : key_(std::move(key)) {}

  std::shared_ptr<const Key> key_;  // never null

  friend class EdrTokenIssuer;
};

enum class EdrTokenKind { kAccess, kRefresh };

struct EdrClaims {
  EdrTokenKind kind = EdrTokenKind::kAccess;  // "tokenType"
  std::string token_id;                       // "jti"; the caller sets a fresh randomUuid()
  std::string issuer;       // "iss", the supplier's BPNL; sign() writes the issuer's own instead
  std::string audience;     // "aud", the partner's BPNL
  std::string partner_bpn;  // "sub"
  std::string agreement_id;
  std::string asset_id;
  std::string transfer_process_id;
  std::chrono::system_clock::time_point issued_at;   // "iat" and "nbf"
  std::chrono::system_clock::time_point expires_at;  // "exp"
};

// Largest token verify() looks at; anything longer is refused before it is decoded.
inline constexpr std::size_t kMaxEdrTokenBytes = 8 * 1024;
// How far a token's nbf and iat may lie in the future, for clocks of replicas that drift apart.
inline constexpr std::chrono::seconds kEdrClockSkew{30};

// Signs and verifies EDR tokens with one key, for one issuer (the supplier's BPNL).
//
// A partner presents the same access token with every request until it expires, so verify()
// remembers the last kVerifiedTokensRemembered tokens whose signature and claims it has
// checked, byte for byte, and checks only their kind and times again when they come back: the
// signature check (an ECDSA verification) is most of a token's cost. Remembering is a matter
// of speed alone; the answer is the same.
//
// sign() and verify() are const and safe to call from several threads at once (each call uses
// its own OpenSSL contexts on the shared key; the remembered tokens are behind a mutex).
class EdrTokenIssuer {
 public:
  static constexpr std::size_t kVerifiedTokensRemembered = 1024;

  EdrTokenIssuer(EdrSigningKey key, std::string issuer);
  ~EdrTokenIssuer();
  EdrTokenIssuer(const EdrTokenIssuer&) = delete;
  EdrTokenIssuer& operator=(const EdrTokenIssuer&) = delete;

  // The compact JWS of `claims`, with "iss" set to this issuer (claims.issuer is not used).
  // Every other string of `claims` must be non-empty, or verify() refuses the token.
  // Never fails with a usable key; should OpenSSL still fail (out of memory), returns an empty
  // string, which verify() and every JWT library refuse.
  std::string sign(const EdrClaims& claims) const;

  // The claims of `token` when it is one of ours and valid at `now`; fails closed otherwise,
  // always with kUnauthenticated and a message that says why:
  //   - larger than kMaxEdrTokenBytes, empty, not three base64url parts (no padding, canonical
  //     trailing bits), header or payload not a JSON object (or one with a repeated name);
  //   - header alg other than "ES256" (so "none", HS256 and RS256 are refused), typ other than
  //     "JWT", a "crit" header, a kid that is not this key's id;
  //   - a signature that is not 64 bytes (JOSE r||s) or does not verify;
  //   - a claim that is missing, of the wrong JSON type or empty (aud must be one string; times
  //     must be whole seconds within the clock's range);
  //   - iss other than this issuer, tokenType other than `expected_kind` (a refresh token used
  //     as an access token, and the reverse);
  //   - expired (exp <= now), not yet valid (nbf > now + kEdrClockSkew) or issued in the future
  //     (iat > now + kEdrClockSkew).
  // Claim failures also name the claim in Error::key. Messages quote nothing from the token but
  // a claim's name and a short alg name.
  Result<EdrClaims> verify(std::string_view token, EdrTokenKind expected_kind,
                           std::chrono::system_clock::time_point now) const;

  const std::string& issuer() const { return issuer_; }
  const EdrSigningKey& key() const { return key_; }

 private:
  // What a token proves without the clock and the expected kind.
  struct Signed {
    EdrClaims claims;
    std::chrono::system_clock::time_point not_before;
  };
  Result<Signed> checkSigned(std::string_view token) const;
  struct Remembered;

  const EdrSigningKey key_;
  const std::string issuer_;
  const std::unique_ptr<Remembered> remembered_;
};

}  // namespace cxgw::gateway
