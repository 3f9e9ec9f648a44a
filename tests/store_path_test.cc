// User names and store path templates: the checks that stand between a user name typed at a
// login prompt and a path the module opens as root.
#include "core/store_path.h"

#include <string>
#include <string_view>

#include "tests/test_support.h"

namespace pamtotp {
namespace {

void ExpectInvalid(const Status& s, const char* message) {
  assert_false(s.ok());
  assert_int_equal(static_cast<int>(s.code()), static_cast<int>(Status::Code::kInvalidArgument));
  assert_string_equal(s.message().c_str(), message);
}

void ExpectOk(const Status& s) {
  if (!s.ok()) fail_msg("%s", s.message().c_str());
}

void ExpectPath(std::string_view path_template, std::string_view user, const char* want) {
  Result<std::string> path = ExpandStorePath(path_template, user);
  if (!path.ok()) fail_msg("%s", path.status().message().c_str());
  assert_string_equal(path->c_str(), want);
}

void RefusesHostileUserNames(void**) {
  ExpectInvalid(ValidateUserName(""), "the user name is empty");
  ExpectInvalid(ValidateUserName(std::string(kMaxUserNameLength + 1, 'a')),
                "the user name is longer than 256 bytes");
  ExpectInvalid(ValidateUserName("."), "the user name is a dot name");
  ExpectInvalid(ValidateUserName(".."), "the user name is a dot name");
  ExpectInvalid(ValidateUserName("a/b"), "the user name contains '/'");
  ExpectInvalid(ValidateUserName("../x"), "the user name contains '/'");
  ExpectInvalid(ValidateUserName("/"), "the user name contains '/'");
  ExpectInvalid(ValidateUserName("a\nb"), "the user name contains a control character");
  ExpectInvalid(ValidateUserName("a\x7f"), "the user name contains a control character");
  ExpectInvalid(ValidateUserName("\x1b[31m"), "the user name contains a control character");
  ExpectInvalid(ValidateUserName(std::string_view("alice\0.x", 8)),
                "the user name contains a control character");
}

void AcceptsOrdinaryUserNames(void**) {
  for (std::string_view user : {"alice", "john.smith", "ALICE@EXAMPLE.COM", "d\xc3\xa9j\xc3\xa0",
                                "...", ".alice", "a b", "DOMAIN\\user", "-"}) {
    ExpectOk(ValidateUserName(user));
  }
  ExpectOk(ValidateUserName(std::string(kMaxUserNameLength, 'a')));
}

void RefusesBadTemplates(void**) {
  ExpectInvalid(ValidateStoreTemplate("var/lib/pam_totp/%u.totp"),
                "store path must be absolute (start with '/')");
  ExpectInvalid(ValidateStoreTemplate(""), "store path must be absolute (start with '/')");
  ExpectInvalid(ValidateStoreTemplate("~/%u.t"), "store path must be absolute (start with '/')");
  ExpectInvalid(ValidateStoreTemplate("/home/~%u/x.totp"),
                "store path: '~' (home directory) is not supported yet");
  ExpectInvalid(ValidateStoreTemplate("/var/lib/pam_totp/devices"),
                "store path must contain %u (one file per user)");
  ExpectInvalid(ValidateStoreTemplate("/d/%%u.totp"),
                "store path must contain %u (one file per user)");
  ExpectInvalid(ValidateStoreTemplate("/d/%x/%u.t"), "store path: only %u and %% may follow '%'");
  ExpectInvalid(ValidateStoreTemplate("/d/%u.totp%"), "store path: only %u and %% may follow '%'");
  for (const char* dots : {"/a/../b/%u.t", "/a/./%u.t", "/a//%u.t", "/../%u.t", "/d/%u/../x.t"}) {
    ExpectInvalid(ValidateStoreTemplate(dots),
                  "store path must not contain empty, '.' or '..' parts");
  }
  ExpectInvalid(ValidateStoreTemplate("/d/%u.totp/"),
                "store path must name a file, not a directory");
  ExpectInvalid(ValidateStoreTemplate("/d/%u\n.totp"), "store path contains a control character");
  ExpectInvalid(ValidateStoreTemplate("/" + std::string(4096, 'a') + "/%u.t"),
                "store path is too long");
}

void RefusesTemplatesWhereUsersFilesCollide(void**) {
  // Ending in %u: alice's state file "alice.state" would be the devices file of "alice.state".
  // Ending in ".state": alice's state file "alice.state.state" is the devices file of
  // "alice.state".
  const char* kCollide =
      "store path must end with a suffix after %u, such as %u.totp, so that one user's files "
      "cannot be another user's";
  for (const char* t : {"/d/%u", "/d/%u.state", "/d/x%u", "/d/%u/%u", "/d/%u/x/%ue"}) {
    ExpectInvalid(ValidateStoreTemplate(t), kCollide);
  }
}

void AcceptsGoodTemplates(void**) {
  for (const char* t :
       {"/var/lib/pam_totp/%u.totp", "/d/%u/devices", "/d/100%%/%u.totp", "/d/%u.totp",
        "/d/%u/%u.totp", "/%u.t", "/d/%u.state.totp", "/d/%u.totp.state"}) {
    ExpectOk(ValidateStoreTemplate(t));
  }
}

void ExpandsTemplates(void**) {
  ExpectPath("/var/lib/pam_totp/%u.totp", "alice", "/var/lib/pam_totp/alice.totp");
  ExpectPath("/d/%u/devices", "alice", "/d/alice/devices");
  ExpectPath("/d/100%%/%u.totp", "alice", "/d/100%/alice.totp");
  ExpectPath("/d/%u/%u.totp", "bob", "/d/bob/bob.totp");
  ExpectPath("/d/%%u%u.totp", "bob", "/d/%ubob.totp");
  ExpectPath("/d/%u.totp", "d\xc3\xa9j\xc3\xa0", "/d/d\xc3\xa9j\xc3\xa0.totp");
  // A user name holding "%u" is not expanded again.
  ExpectPath("/d/%u.totp", "%u", "/d/%u.totp");
}

void ExpandValidatesBothArguments(void**) {
  ExpectInvalid(ExpandStorePath("/d/%u.totp", "../root").status(), "the user name contains '/'");
  ExpectInvalid(ExpandStorePath("/d/%u.totp", "..").status(), "the user name is a dot name");
  ExpectInvalid(ExpandStorePath("/d/%u.totp", "").status(), "the user name is empty");
  ExpectInvalid(ExpandStorePath("d/%u.totp", "alice").status(),
                "store path must be absolute (start with '/')");
}

void DetectsPerUserDirectories(void**) {
  assert_true(TemplateHasPerUserDirectory("/d/%u/devices"));
  assert_true(TemplateHasPerUserDirectory("/home/%u/.config/pam_totp/%u.totp"));
  assert_true(TemplateHasPerUserDirectory("/d/x%uy/devices"));
  assert_false(TemplateHasPerUserDirectory("/var/lib/pam_totp/%u.totp"));
  assert_false(TemplateHasPerUserDirectory("/d/100%%/%u.totp"));
}

// Regression: "%%u" in the directory part (a literal "%u") was taken for the user's name, so a
// missing fixed directory read as "no devices" instead of a configuration error.
void EscapedPercentUIsNotAPerUserDirectory(void**) {
  assert_false(TemplateHasPerUserDirectory("/d/100%%u/%u.totp"));
  assert_false(TemplateHasPerUserDirectory("/d/%%u/%u.totp"));
  assert_true(TemplateHasPerUserDirectory("/d/%%%u/devices"));
  assert_true(TemplateHasPerUserDirectory("/d/%%u%u/devices"));
}

}  // namespace
}  // namespace pamtotp

int main() {
  using namespace pamtotp;  // NOLINT(google-build-using-namespace)
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(RefusesHostileUserNames),
      cmocka_unit_test(AcceptsOrdinaryUserNames),
      cmocka_unit_test(RefusesBadTemplates),
      cmocka_unit_test(RefusesTemplatesWhereUsersFilesCollide),
      cmocka_unit_test(AcceptsGoodTemplates),
      cmocka_unit_test(ExpandsTemplates),
      cmocka_unit_test(ExpandValidatesBothArguments),
      cmocka_unit_test(DetectsPerUserDirectories),
      cmocka_unit_test(EscapedPercentUIsNotAPerUserDirectory),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
