// Helpers shared by the hardening tests (stress, fault injection, hostile input): HOTP devices
// whose codes a test can compute for any counter, a look at a user's store files with the pure
// parsers (what the next reader will see), and running programs with extra environment (an
// LD_PRELOAD'ed fault shim). Test-only. Helpers throw std::runtime_error rather than fail a
// cmocka assertion, so that they are safe in forked children too.
#ifndef PAMTOTP_TESTS_HARDENING_SUPPORT_H_
#define PAMTOTP_TESTS_HARDENING_SUPPORT_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/store.h"
#include "tests/test_support.h"

namespace pamtotp::testing {

// The store of `store_template` (core OpenFileStore).
std::unique_ptr<Store> OpenStoreOrFail(const std::string& store_template);

// Enrolls an HOTP device (SHA1, 6 digits, first counter 0) for `user` through core and returns
// its raw key. Its first code is checked against oathtool, so HotpCode is known to agree.
std::string EnrollHotp(const std::string& store_template, const std::string& user,
                       const std::string& name);
// The code for `counter` of a key from EnrollHotp.
std::string HotpCode(const std::string& raw_key, uint64_t counter);

// A user's files as read from disk with the pure parsers, without the store's locks.
struct StoreFiles {
  bool devices_exist = false, state_exists = false;
  std::string error;                          // empty if both files (when present) parse
  std::vector<std::string> names;             // device names, in file order
  std::map<std::string, uint64_t> last_step;  // device name -> last used step or counter
  uint32_t failures = 0;
};
StoreFiles InspectStore(const std::string& devices_path);

// Names in `dir` that a crashed replace left behind ("NAME.tmp.ID").
std::vector<std::string> TempFilesIn(const std::string& dir);

using Env = std::vector<std::pair<std::string, std::string>>;
// RunCommand with `env` added to this process's environment (ASAN_OPTIONS gets
// verify_asan_link_order=0, so a preloaded library works with sanitizer builds).
CommandResult RunWithEnv(const std::vector<std::string>& argv, const Env& env,
                         const std::string& input = "");
// Starts argv with `env` added, output discarded; returns the child's pid.
pid_t Spawn(const std::vector<std::string>& argv, const Env& env);

// Forks `count` children that run `body(i)` when released all at once; returns their exit
// codes (-1: killed by a signal; 126: it threw). A child still running after `timeout` seconds
// is killed.
std::vector<int> RunTogether(int count, const std::function<int(int)>& body,
                             unsigned timeout = 120);

}  // namespace pamtotp::testing

#endif  // PAMTOTP_TESTS_HARDENING_SUPPORT_H_
