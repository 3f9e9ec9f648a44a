// Helpers shared by the cmocka tests: temporary directories, running commands, and the
// independent code oracle (Debian's oathtool). Test-only; never linked into the product.
#ifndef PAMTOTP_TESTS_TEST_SUPPORT_H_
#define PAMTOTP_TESTS_TEST_SUPPORT_H_

// cmocka defines a fail() macro that breaks <ios>; standard headers a test may want come
// first, so that their include guards keep them from being parsed after cmocka.
#include <cstdint>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

// cmocka needs these before its header.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
// cmocka.h has no extern "C" of its own.
extern "C" {
#include <cmocka.h>
}

// Assertions on text (a command's output, a log), printing both sides when they fail.
#define ASSERT_CONTAINS(haystack, needle)                                      \
  do {                                                                         \
    const std::string h_ = (haystack), n_ = (needle);                          \
    if (h_.find(n_) == std::string::npos) {                                    \
      print_error("expected to find:\n%s\nin:\n%s\n", n_.c_str(), h_.c_str()); \
      fail();                                                                  \
    }                                                                          \
  } while (0)

#define ASSERT_LACKS(haystack, needle)                                       \
  do {                                                                       \
    const std::string h_ = (haystack), n_ = (needle);                        \
    if (h_.find(n_) != std::string::npos) {                                  \
      print_error("did not expect:\n%s\nin:\n%s\n", n_.c_str(), h_.c_str()); \
      fail();                                                                \
    }                                                                        \
  } while (0)

#define ASSERT_STR_EQ(a, b) assert_string_equal(std::string(a).c_str(), std::string(b).c_str())

namespace pamtotp::testing {

// A fresh mode-0700 directory under $TMPDIR (or /tmp), removed with its contents on
// destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct CommandResult {
  int exit_code = -1;  // -1 if killed by a signal
  std::string out;
  std::string err;
};

// Runs argv (no shell) with `input` on stdin; captures stdout and stderr.
CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& input = "");

// Runs argv; once the first line of its standard output has arrived, writes what `respond`
// returns for it to standard input and closes it, then collects the rest. This is how a person
// enrolls: read the key, then type the code.
CommandResult RunAnswering(const std::vector<std::string>& argv,
                           const std::function<std::string(const std::string&)>& respond);

// What bash completion offers for the command line `words` (bash syntax, the word being
// completed last): the replies of the function `_totpctl` from `completion_script`, each
// followed by '|', with the directory of `totpctl` first on PATH.
std::string BashComplete(const std::string& completion_script, const std::string& totpctl,
                         const std::string& words);

// The code oathtool computes for a base32 key at unix time `at` (its independent RFC 6238
// implementation). algorithm: "SHA1", "SHA256" or "SHA512".
std::string OathtoolTotp(const std::string& base32_key, int64_t at, int digits = 6, int period = 30,
                         const std::string& algorithm = "SHA1");

// Writes `contents` to `path` with `mode`, replacing any file.
void WriteFile(const std::string& path, const std::string& contents, unsigned mode = 0600);
std::string ReadFile(const std::string& path);

// Sleeps until at least `margin` seconds remain in the current 30 s step, so a code computed
// now is still current when checked.
void AvoidStepBoundary(int margin = 3, int period = 30);

}  // namespace pamtotp::testing

#endif  // PAMTOTP_TESTS_TEST_SUPPORT_H_
