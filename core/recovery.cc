#include "core/recovery.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>

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

Status CheckCount(size_t count) {
  if (count == 0 || count > kMaxRecoveryCodes) {
    return Status::InvalidArgument("the number of recovery codes must be 1 to " +
                                   std::to_string(kMaxRecoveryCodes));
  }
  return Status::Ok();
}

// A set with a new id and salt and no codes yet.
Result<RecoverySet> EmptySet(int64_t now, RecoveryParams params) {
  Result<std::string> id = GenerateDeviceId();
  Result<SecretBytes> salt = RandomBytes(kRecoverySaltBytes);
  if (!id.ok()) return id.status();
  if (!salt.ok()) return salt.status();
  RecoverySet set;
  set.id = *id;
  set.created = now;
  set.params = params;
  std::copy(salt->data(), salt->data() + kRecoverySaltBytes, set.salt.begin());
  return set;
}

}  // namespace

Result<NewRecoveryCodes> GenerateRecoveryCodes(size_t count, int64_t now, RecoveryParams params) {
  if (Status s = CheckCount(count); !s.ok()) return s;
  NewRecoveryCodes out;
  Result<RecoverySet> set = EmptySet(now, params);
  if (!set.ok()) return set.status();
  out.set = std::move(set).value();
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

Result<RecoverySet> HashRecoveryCodes(const std::vector<SecretBytes>& normalized, int64_t now,
                                      RecoveryParams params) {
  if (Status s = CheckCount(normalized.size()); !s.ok()) return s;
  for (size_t i = 0; i < normalized.size(); ++i) {
    Result<SecretBytes> again = NormalizeRecoveryCode(normalized[i].view());
    if (!again.ok() || again->view() != normalized[i].view()) {
      return Status::InvalidArgument("recovery code " + std::to_string(i + 1) +
                                     " is not 12 letters or 8 digits");
    }
    for (size_t j = 0; j < i; ++j) {
      if (normalized[j].view() == normalized[i].view()) {
        return Status::InvalidArgument("recovery codes " + std::to_string(j + 1) + " and " +
                                       std::to_string(i + 1) + " are the same");
      }
    }
  }
  Result<RecoverySet> set = EmptySet(now, params);
  if (!set.ok()) return set.status();
  for (const SecretBytes& code : normalized) {
    Result<std::array<uint8_t, kRecoveryHashBytes>> hash = Hash(*set, code);
    if (!hash.ok()) return hash.status();
    set->hashes.push_back(*hash);
  }
  return set;
}

Result<SecretBytes> NormalizeRecoveryCode(std::string_view input) {
  const Status refused = Status::InvalidArgument("not a recovery code");
  if (input.size() > 64) return refused;
  SecretBytes out;
  bool all_letters = true;  // all from kLetters: a code of ours
  bool all_digits = true;   // all 0-9: an imported scratch code
  for (char c : input) {
    if (c == '-' || c == ' ') continue;
    char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    const bool letter = kLetters.find(lower) != std::string_view::npos;
    const bool digit = c >= '0' && c <= '9';
    if ((!letter && !digit) || out.size() == kRecoveryCodeLetters) return refused;
    all_letters = all_letters && letter;
    all_digits = all_digits && digit;
    out.push_back(lower);
  }
  if (out.size() == kScratchCodeDigits && all_digits) return out;
  if (out.size() != kRecoveryCodeLetters || !all_letters) return refused;
  return out;
}

bool IsScratchCode(const SecretBytes& normalized) {
  if (normalized.size() != kScratchCodeDigits) return false;
  for (char c : normalized.view()) {
    if (c < '0' || c > '9') return false;
  }
  return true;
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
