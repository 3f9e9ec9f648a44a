// FUZZ_CHECK: a property that must hold for every input. On failure it names the property and
// aborts, so libFuzzer saves the input as a crash.
#ifndef PAMTOTP_FUZZ_FUZZ_CHECK_H_
#define PAMTOTP_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition)                                                                 \
  do {                                                                                        \
    if (!(condition)) {                                                                       \
      std::fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                           \
    }                                                                                         \
  } while (0)

#endif  // PAMTOTP_FUZZ_FUZZ_CHECK_H_
