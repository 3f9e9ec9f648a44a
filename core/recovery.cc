#include "core/recovery.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/random.h"

namespace pamtotp {
namespace {

constexpr std::string_view kLetters = "abcdefghijklmnopqrstuvwxyz234567";

Result<std::array<uint8_t, kRecoveryHashBytes>> Hash(const RecoverySet& set,
                                                     const SecretBytes& normalized) {
  std::array<uint8_t, kRecoveryHashBytes> out{};
  const uint64_t n = uint64_t{1} << set.params.log2_n;
  if (EVP_PBE_scrypt(reinterpret_cast<const char*>(normalized.data()), normalized.size(),
                     set.salt.data(), set.salt.size(), n, static_cast<uint64_t>(set.params.r),
                     static_cast<uint64_t>(set.params.p), 64ULL * 1024 * 1024, out.data(),
                     out.size()) != 1) {
    return Status::Internal("scrypt failed in OpenSSL");
  }
  return out;
}

}  // namespace

Result<NewRecoveryCodes> GenerateRecoveryCodes(size_t count, int64_t now, RecoveryParams params) {
  if (count == 0 || count > kMaxRecoveryCodes) {
    return Status::InvalidArgument("the number of recovery codes must be 1 to " +
                                   std::to_string(kMaxRecoveryCodes));
  }
  NewRecoveryCodes out;
  Result<std::string> id = GenerateDeviceId();
  Result<SecretBytes> salt = RandomBytes(kRecoverySaltBytes);
  if (!id.ok()) return id.status();
  if (!salt.ok()) return salt.status();
  out.set.id = *id;
  out.set.created = now;
  out.set.params = params;
  std::copy(salt->data(), salt->data() + kRecoverySaltBytes, out.set.salt.begin());
  for (size_t i = 0; i < count; ++i) {
    Result<SecretBytes> raw = RandomBytes(kRecoveryCodeLetters);
    if (!raw.ok()) return raw.status();
    SecretBytes letters;
    for (uint8_t b : raw->bytes()) letters.push_back(kLetters[b & 31]);  // 32 divides 256
    Result<std::array<uint8_t, kRecoveryHashBytes>> hash = Hash(out.set, letters);
    if (!hash.ok()) return hash.status();
    out.set.hashes.push_back(*hash);
    SecretBytes shown;
    for (size_t j = 0; j < letters.size(); ++j) {
      if (j > 0 && j % 4 == 0) shown.push_back('-');
      shown.push_back(static_cast<char>(letters.data()[j]));
    }
    out.codes.push_back(std::move(shown));
  }
  return out;
}

Result<SecretBytes> NormalizeRecoveryCode(std::string_view input) {
  if (input.size() > 64) return Status::InvalidArgument("not a recovery code");
  SecretBytes out;
  for (char c : input) {
    if (c == '-' || c == ' ') continue;
    char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (kLetters.find(lower) == std::string_view::npos || out.size() == kRecoveryCodeLetters) {
      return Status::InvalidArgument("not a recovery code");
    }
    out.push_back(lower);
  }
  if (out.size() != kRecoveryCodeLetters) return Status::InvalidArgument("not a recovery code");
  return out;
}

Result<std::optional<size_t>> MatchRecoveryCode(const RecoverySet& set,
                                                const SecretBytes& normalized) {
  Result<std::array<uint8_t, kRecoveryHashBytes>> hash = Hash(set, normalized);
  if (!hash.ok()) return hash.status();
  std::optional<size_t> found;
  for (size_t i = 0; i < set.hashes.size(); ++i) {
    if (CRYPTO_memcmp(hash->data(), set.hashes[i].data(), kRecoveryHashBytes) == 0 && !found) {
      found = i;
    }
  }
  return found;
}

}  // namespace pamtotp
