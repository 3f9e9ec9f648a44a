// The decision table of pam_totp.so, row by row: only kAllow may ever yield PAM_SUCCESS, and
// nothing but nullok's kIgnore may yield PAM_IGNORE.
#include "pam_module/decision.h"

#include <security/_pam_types.h>

#include "pam_module/options.h"
#include "tests/test_support.h"

using pamtotp::pam::Decision;
using pamtotp::pam::ToPamCode;

namespace {

void EveryDecisionMapsToItsCode(void**) {
  assert_int_equal(ToPamCode(Decision::kAllow), PAM_SUCCESS);
  assert_int_equal(ToPamCode(Decision::kDeny), PAM_AUTH_ERR);
  assert_int_equal(ToPamCode(Decision::kIgnore), PAM_IGNORE);
  assert_int_equal(ToPamCode(Decision::kServiceError), PAM_SERVICE_ERR);
  assert_int_equal(ToPamCode(Decision::kConversationError), PAM_CONV_ERR);
  assert_int_equal(ToPamCode(Decision::kOutOfMemory), PAM_BUF_ERR);
  assert_int_equal(ToPamCode(Decision::kAccountDenied), PAM_PERM_DENIED);
  assert_int_equal(ToPamCode(Decision::kStoreUnavailable), PAM_AUTHINFO_UNAVAIL);
  // Only a store that cannot be reached is told apart; every other store error is a denial.
  using pamtotp::Status;
  assert_true(pamtotp::pam::StoreErrorDecision(Status::Unavailable("down")) ==
              Decision::kStoreUnavailable);
  assert_true(pamtotp::pam::StoreErrorDecision(Status::Corruption("bad")) == Decision::kDeny);
  assert_true(pamtotp::pam::StoreErrorDecision(Status::PermissionDenied("no")) == Decision::kDeny);
}

void OptionsParseAndRefuse(void**) {
  pamtotp::testing::TempDir dir;
  pamtotp::testing::WriteFile(dir.File("c.conf"), "window = 3\n", 0644);
  std::string config = "config=" + dir.File("c.conf");
  const char* good[] = {config.c_str(), "nullok", "debug", "store=/srv/totp/%u.totp"};
  auto options = pamtotp::pam::ParseOptions(4, good);
  assert_true(options.ok());
  assert_true(options->nullok);
  assert_true(options->debug);
  assert_int_equal(options->config.window, 3);
  assert_string_equal(options->config.store.c_str(), "/srv/totp/%u.totp");

  const char* unknown[] = {config.c_str(), "use_frist_pass"};
  auto bad = pamtotp::pam::ParseOptions(2, unknown);
  assert_false(bad.ok());
  assert_string_equal(bad.status().message().c_str(),
                      "module argument: unknown option 'use_frist_pass'");

  std::string missing = "config=" + dir.File("missing.conf");
  const char* absent[] = {missing.c_str()};
  assert_false(pamtotp::pam::ParseOptions(1, absent).ok());
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(EveryDecisionMapsToItsCode),
      cmocka_unit_test(OptionsParseAndRefuse),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
