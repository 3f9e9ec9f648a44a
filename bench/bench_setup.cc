// bench_setup: the populations and code lists pam_bench replays (issue #7).
//
//   bench_setup populate DIR U            U users for every module under DIR (see Populate)
//   bench_setup codes DIR U P MODE KIND COUNT OUT
//                                         COUNT (time, user, code) lines per process, OUT.<p>
//   bench_setup secret DIR INDEX          "user base32 hex" of user INDEX, for oathtool
//   bench_setup check-state FILE          parse a pam_totp state file, print what it says
//   bench_setup fingerprint               a hash of the file formats a population is made of
//   bench_setup ldif DIR U                DIR/data.ldif: the same U users for the directory
//                                         store, for slapadd -n1 (see WriteLdif)
//
// Every user has its own secret, derived from its index, so the same code list serves
// pam_totp, google-authenticator and pam_oath. The clock is fake (see pam_bench.c): DIR/clock
// holds the first unused second, so the time steps of successive lists never repeat and no
// module ever sees a step it has already accepted, whatever order the runs come in.
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/base32.h"
#include "core/device.h"
#include "core/hex.h"
#include "core/ldap_format.h"
#include "core/otp.h"
#include "core/store_format.h"
#include "core/unique_fd.h"

namespace pamtotp::bench {
namespace {

constexpr int kPeriod = 30;
constexpr int kDigits = 6;
constexpr size_t kSecretBytes = 20;  // what google-authenticator and totpctl draw for SHA-1
constexpr uint32_t kFirstUid = 100000;
// Steps between two users picked one after the other: coprime with every U (100, 10^4, 10^6),
// so a list walks the whole population instead of its first users.
constexpr uint64_t kUserStride = 7919;

[[noreturn]] void Fail(const std::string& what) { throw std::runtime_error(what); }

std::string UserName(uint64_t index) { return "bu" + std::to_string(index); }

// A fixed pseudo-random sequence (splitmix64), so the same index always gives the same secret.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

SecretBytes UserSecret(uint64_t index) {
  SecretBytes secret(kSecretBytes);
  for (size_t i = 0; i < kSecretBytes; ++i) {
    secret.data()[i] = static_cast<uint8_t>(Mix(index * 64 + i / 8) >> (8 * (i % 8)));
  }
  return secret;
}

uint32_t CodeAt(const SecretBytes& secret, int64_t unix_seconds) {
  Result<uint64_t> step = TimeStep(unix_seconds, kPeriod);
  if (!step.ok()) Fail(step.status().message());
  Result<uint32_t> code = Hotp(secret, *step, HashAlgorithm::kSha1, kDigits);
  if (!code.ok()) Fail(code.status().message());
  return *code;
}

uint64_t ParseNumber(std::string_view text, const char* what) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    Fail(std::string("bad ") + what + ": '" + std::string(text) + "'");
  }
  return value;
}

// Creates `name` in `dir_fd` with `text` (O_EXCL: a population is never written twice). No
// fsync per file: Populate syncs the file system once at the end.
void WriteNew(int dir_fd, const std::string& name, std::string_view text, mode_t mode) {
  UniqueFd fd(openat(dir_fd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (!fd.valid()) Fail("cannot create " + name + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) Fail("cannot write " + name + ": " + std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  // open() applies the umask; the modules check the exact mode.
  if (fchmod(fd.get(), mode) != 0) Fail("cannot chmod " + name);
}

UniqueFd MakeDir(const std::string& path) {
  if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) Fail("cannot create " + path);
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) Fail("cannot open " + path);
  return fd;
}

// User `index`'s one device, the same in the file store and in the directory.
Device UserDevice(uint64_t index, const SecretBytes& secret) {
  char id[17];
  std::snprintf(id, sizeof id, "%016llx", static_cast<unsigned long long>(Mix(~index)));
  return Device{id, "phone", secret.Clone(), HashAlgorithm::kSha1, kDigits, kPeriod, 1700000000};
}

// What totpctl enroll leaves behind: the devices file and a state file preallocated to its
// full size but never written.
void WriteTotpUser(int dir_fd, uint64_t index, const SecretBytes& secret) {
  Enrollment enrollment;
  enrollment.devices.push_back(UserDevice(index, secret));
  Result<SecretBytes> text = SerializeDeviceFile(enrollment);
  if (!text.ok()) Fail(text.status().message());
  const std::string name = UserName(index) + ".totp";
  WriteNew(dir_fd, name, text->view(), 0600);
  UniqueFd state(
      openat(dir_fd, (name + ".state").c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!state.valid() || posix_fallocate(state.get(), 0, kStateFileSize) != 0) {
    Fail("cannot create " + name + ".state");
  }
}

// The file google-authenticator -t -d -r 3 -R 30 -w 3 writes (its defaults when it asks),
// or with `options` false only the secret and TOTP_AUTH.
std::string GoogleFile(uint64_t index, const SecretBytes& secret, bool options) {
  std::string text(Base32Encode(secret.bytes()).view());
  text += "\n";
  if (options) text += "\" RATE_LIMIT 3 30\n\" WINDOW_SIZE 3\n\" DISALLOW_REUSE\n";
  text += "\" TOTP_AUTH\n";
  if (options) {
    for (uint64_t i = 0; i < 5; ++i) {
      text += std::to_string(10000000 + Mix(index * 8 + i + 1) % 90000000) + "\n";
    }
  }
  return text;
}

// DIR/passwd and DIR/group for nss_wrapper, DIR/totp/, DIR/ga/, DIR/gaplain/ with one file per
// user, DIR/oath/users.oath with a line per user, then DIR/population holding U.
void Populate(const std::string& dir, uint64_t users) {
  UniqueFd top = MakeDir(dir);
  UniqueFd totp = MakeDir(dir + "/totp");
  UniqueFd ga = MakeDir(dir + "/ga");
  UniqueFd gaplain = MakeDir(dir + "/gaplain");
  UniqueFd oath = MakeDir(dir + "/oath");
  std::string passwd = "root:x:0:0:root:/root:/bin/sh\n";
  std::string group = "root:x:0:\nbench:x:" + std::to_string(kFirstUid) + ":\n";
  std::string oath_users;
  for (uint64_t i = 0; i < users; ++i) {
    const std::string user = UserName(i);
    const SecretBytes secret = UserSecret(i);
    passwd += user + ":x:" + std::to_string(kFirstUid + i) + ":" + std::to_string(kFirstUid) +
              ":bench:/nonexistent:/bin/false\n";
    oath_users += "HOTP/T30 " + user + " - " + HexEncode(secret.bytes()) + "\n";
    WriteTotpUser(totp.get(), i, secret);
    WriteNew(ga.get(), user, GoogleFile(i, secret, true), 0400);
    WriteNew(gaplain.get(), user, GoogleFile(i, secret, false), 0400);
  }
  WriteNew(top.get(), "passwd", passwd, 0644);
  WriteNew(top.get(), "group", group, 0644);
  WriteNew(oath.get(), "users.oath", oath_users, 0600);
  WriteNew(top.get(), "pam_totp.conf", "# pam_bench: built-in defaults\n", 0644);
  if (syncfs(top.get()) != 0) Fail("syncfs failed");
  WriteNew(top.get(), "population", std::to_string(users) + "\n", 0644);
}

// The base DN of the directory population (ldap_base in the bench's pam_totp.conf).
constexpr std::string_view kLdapSuffix = "dc=bench";
constexpr std::string_view kLdapBase = "ou=totp,dc=bench";

// One "name: value" line. Every value written here is an LDIF SAFE-STRING (RFC 2849), so none
// needs base64; anything else is refused rather than written wrong.
void LdifLine(FILE* f, std::string_view name, std::string_view value) {
  const bool safe = !value.empty() && value.front() != ' ' && value.front() != ':' &&
                    value.front() != '<' && value.back() != ' ' &&
                    std::all_of(value.begin(), value.end(), [](char c) {
                      auto u = static_cast<unsigned char>(c);
                      return u >= 0x20 && u < 0x7f;
                    });
  if (!safe) Fail("LDIF value of " + std::string(name) + " would need base64");
  std::fprintf(f, "%.*s: %.*s\n", static_cast<int>(name.size()), name.data(),
               static_cast<int>(value.size()), value.data());
}

void LdifEntry(FILE* f, std::string_view dn, const std::vector<ldap::Attribute>& attributes) {
  LdifLine(f, "dn", dn);
  for (const ldap::Attribute& a : attributes) {
    for (const std::string& v : a.values) LdifLine(f, a.name, v);
  }
  std::fputc('\n', f);
}

// DIR/data.ldif (mode 0600: it holds the secrets): dc=bench, ou=totp,dc=bench, and for every
// user the account entry (pamTotpSerial 0, no state: what totpctl enroll leaves) and its one
// device with the same id and key as in the file store, in the attribute formats ldap_store
// writes (core/ldap_format.cc builds them).
void WriteLdif(const std::string& dir, uint64_t users) {
  const std::string path = dir + "/data.ldif";
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) Fail("cannot create " + path + ": " + std::strerror(errno));
  FILE* f = fdopen(fd, "w");  // owns fd from here; the process exits on any failure
  if (f == nullptr) {
    close(fd);
    Fail("cannot write " + path);
  }
  std::vector<ldap::Attribute> top;
  top.emplace_back("objectClass", std::vector<std::string>{"dcObject", "organization"});
  top.emplace_back("dc", std::vector<std::string>{"bench"});
  top.emplace_back("o", std::vector<std::string>{"bench"});
  LdifEntry(f, kLdapSuffix, top);
  std::vector<ldap::Attribute> ou;
  ou.emplace_back("objectClass", std::vector<std::string>{"organizationalUnit"});
  ou.emplace_back("ou", std::vector<std::string>{"totp"});
  LdifEntry(f, kLdapBase, ou);
  for (uint64_t i = 0; i < users; ++i) {
    const std::string user = UserName(i);
    Enrollment enrollment;
    enrollment.devices.push_back(UserDevice(i, UserSecret(i)));
    Result<std::string> account_dn = ldap::AccountDn(user, kLdapBase);
    Result<std::vector<ldap::Attribute>> account = ldap::NewAccountAttributes(user, enrollment);
    Result<std::vector<ldap::Attribute>> device = ldap::DeviceAttributes(enrollment.devices[0]);
    if (!account_dn.ok() || !account.ok() || !device.ok()) Fail("cannot describe " + user);
    LdifEntry(f, *account_dn, *account);
    LdifEntry(f, ldap::DeviceDn(enrollment.devices[0].id, *account_dn), *device);
  }
  if (std::fflush(f) != 0 || std::ferror(f) != 0 || std::fclose(f) != 0) {
    Fail("cannot write " + path);
  }
}

// The first unused second of the fake clock: never earlier than now, on a step boundary.
int64_t TakeClock(const std::string& dir, int64_t seconds_needed) {
  const std::string path = dir + "/clock";
  int64_t start = std::time(nullptr);
  if (FILE* f = std::fopen(path.c_str(), "r")) {
    long long saved = 0;
    if (std::fscanf(f, "%lld", &saved) == 1 && saved > start) start = saved;
    std::fclose(f);
  }
  start -= start % kPeriod;
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) Fail("cannot write " + path);
  std::fprintf(f, "%lld\n", static_cast<long long>(start + seconds_needed + kPeriod));
  std::fclose(f);
  return start;
}

// A code that no step within ±3 of `t` produces, so every module must refuse it after checking
// its whole window (google-authenticator's is ±1 with WINDOW_SIZE 3, ours and pam_oath's ±1).
uint32_t WrongCodeAt(const SecretBytes& secret, int64_t t) {
  uint32_t code = CodeAt(secret, t);
  for (uint32_t delta = 1;; ++delta) {
    uint32_t wrong = (code + delta) % 1000000;
    bool valid_nearby = false;
    for (int s = -3; s <= 3; ++s) valid_nearby |= CodeAt(secret, t + s * kPeriod) == wrong;
    if (!valid_nearby) return wrong;
  }
}

// Process p's k-th login is at clock + k*30 + 15 (mid-step). "distinct": process p takes
// users j = k*P + p (j mapped through the stride), so processes never share a user (U is
// even); "same": every process logs user 0 in at the same steps. KIND is right, wrong, or
// unknown (a user without devices, given a wrong code).
void Codes(const std::string& dir, uint64_t users, uint64_t procs, std::string_view mode,
           std::string_view kind, uint64_t count, const std::string& out) {
  if (mode != "distinct" && mode != "same") Fail("MODE must be distinct or same");
  if (kind != "right" && kind != "wrong" && kind != "unknown") Fail("bad KIND");
  if (mode == "distinct" && (users % procs != 0)) Fail("U must be a multiple of P");
  const int64_t clock = TakeClock(dir, static_cast<int64_t>(count) * kPeriod);
  for (uint64_t p = 0; p < procs; ++p) {
    FILE* f = std::fopen((out + "." + std::to_string(p)).c_str(), "w");
    if (f == nullptr) Fail("cannot write " + out);
    for (uint64_t k = 0; k < count; ++k) {
      const int64_t t = clock + static_cast<int64_t>(k) * kPeriod + kPeriod / 2;
      const uint64_t j = mode == "same" ? 0 : k * procs + p;
      const uint64_t index = (j * kUserStride) % users;
      const SecretBytes secret = UserSecret(index);
      const uint32_t code = kind == "right" ? CodeAt(secret, t) : WrongCodeAt(secret, t);
      const std::string user = kind == "unknown" ? "nobody" + std::to_string(j) : UserName(index);
      std::fprintf(f, "%lld %s %06u\n", static_cast<long long>(t), user.c_str(), code);
    }
    if (std::fclose(f) != 0) Fail("cannot write " + out);
  }
  std::printf("first_time=%lld step=%lld\n", static_cast<long long>(clock),
              static_cast<long long>(clock / kPeriod));
}

void PrintSecret(uint64_t index) {
  const SecretBytes secret = UserSecret(index);
  std::printf("%s %s %s\n", UserName(index).c_str(),
              std::string(Base32Encode(secret.bytes()).view()).c_str(),
              HexEncode(secret.bytes()).c_str());
}

// Exit status 0 and "valid ..." only if the file parses as totp-store(5) says.
int CheckState(const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) Fail("cannot open " + path);
  std::string bytes(kStateFileSize + 1, '\0');
  ssize_t n = pread(fd.get(), bytes.data(), bytes.size(), 0);
  if (n < 0) Fail("cannot read " + path);
  bytes.resize(static_cast<size_t>(n));
  Result<StateFile> state = ParseStateFile(bytes);
  if (!state.ok()) {
    std::printf("invalid %s\n", state.status().message().c_str());
    return 1;
  }
  std::printf("valid sequence=%llu failures=%u", static_cast<unsigned long long>(state->sequence),
              state->state.failures);
  for (const DeviceState& d : state->state.devices) {
    std::printf(" last_step=%llu", static_cast<unsigned long long>(d.last_step));
  }
  std::printf("\n");
  return 0;
}

// Changes when a population made now would differ from one made before (a new devices or state
// format, or a new layout here), so bench/run knows when it may reuse one: deleting a million
// users' files takes minutes.
void PrintFingerprint() {
  constexpr std::string_view kLayoutVersion = "bench layout 1";
  Enrollment enrollment;
  enrollment.devices.push_back(Device{"0123456789abcdef", "phone", UserSecret(0),
                                      HashAlgorithm::kSha1, kDigits, kPeriod, 1700000000});
  Result<SecretBytes> devices = SerializeDeviceFile(enrollment);
  UserState state;
  state.devices.push_back(DeviceState{"0123456789abcdef", 1, 30});
  Result<std::string> slot = SerializeStateSlot(state, 1);
  if (!devices.ok() || !slot.ok()) Fail("cannot serialize the sample user");
  std::string text = std::string(kLayoutVersion) + std::string(devices->view()) + *slot +
                     GoogleFile(0, UserSecret(0), true) + GoogleFile(0, UserSecret(0), false);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
    Fail("SHA-256 failed");
  }
  std::printf("%s\n", HexEncode(std::span<const uint8_t>(digest, size)).c_str());
}

int Usage() {
  std::fprintf(stderr,
               "usage: bench_setup populate DIR U\n"
               "       bench_setup codes DIR U P distinct|same right|wrong|unknown COUNT OUT\n"
               "       bench_setup secret DIR INDEX\n"
               "       bench_setup check-state FILE\n"
               "       bench_setup fingerprint\n"
               "       bench_setup ldif DIR U\n");
  return 2;
}

int Main(const std::vector<std::string_view>& args) {
  if (args.size() == 3 && args[0] == "populate") {
    Populate(std::string(args[1]), ParseNumber(args[2], "U"));
    return 0;
  }
  if (args.size() == 8 && args[0] == "codes") {
    Codes(std::string(args[1]), ParseNumber(args[2], "U"), ParseNumber(args[3], "P"), args[4],
          args[5], ParseNumber(args[6], "COUNT"), std::string(args[7]));
    return 0;
  }
  if (args.size() == 3 && args[0] == "secret") {
    PrintSecret(ParseNumber(args[2], "INDEX"));
    return 0;
  }
  if (args.size() == 3 && args[0] == "ldif") {
    WriteLdif(std::string(args[1]), ParseNumber(args[2], "U"));
    return 0;
  }
  if (args.size() == 2 && args[0] == "check-state") return CheckState(std::string(args[1]));
  if (args.size() == 1 && args[0] == "fingerprint") {
    PrintFingerprint();
    return 0;
  }
  return Usage();
}

}  // namespace
}  // namespace pamtotp::bench

int main(int argc, char** argv) {
  try {
    return pamtotp::bench::Main(std::vector<std::string_view>(argv + 1, argv + argc));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_setup: %s\n", e.what());
    return 1;
  }
}
