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

void AcceptsHomeTemplates(void**) {
  for (const char* t :
       {"~/.pam_totp", "~/.config/pam_totp/devices", "~/%u.totp", "~/%u", "~/100%%", "~/x.state"}) {
    ExpectOk(ValidateStoreTemplate(t));
    assert_true(TemplateUsesHome(t));
    assert_true(TemplateHasPerUserDirectory(t));
  }
  assert_false(TemplateUsesHome("/var/lib/pam_totp/%u.totp"));
}

void RefusesTildeAnywhereButTheStart(void**) {
  const char* kOnlyAtStart =
      "store path: '~' (the home directory) may only start the path, as in ~/.pam_totp";
  for (const char* t :
       {"/home/~%u/x.totp", "/d/%u~.totp", "~/a/~/b", "~/.pam_totp~", "/~/.pam_totp"}) {
    ExpectInvalid(ValidateStoreTemplate(t), kOnlyAtStart);
  }
  const char* kSlash =
      "store path: '~' must be followed by '/', as in ~/.pam_totp (~user is not supported)";
  for (const char* t : {"~", "~carol/.pam_totp", "~%u/.pam_totp", "~~/x"}) {
    ExpectInvalid(ValidateStoreTemplate(t), kSlash);
  }
  ExpectInvalid(ValidateStoreTemplate("~/"), "store path must name a file, not a directory");
  ExpectInvalid(ValidateStoreTemplate("~/.config/"),
                "store path must name a file, not a directory");
  for (const char* dots : {"~/../root/.pam_totp", "~/./x", "~//x", "~/a/../../etc/shadow"}) {
    ExpectInvalid(ValidateStoreTemplate(dots),
                  "store path must not contain empty, '.' or '..' parts");
  }
  ExpectInvalid(ValidateStoreTemplate("~/%s"), "store path: only %u and %% may follow '%'");
  ExpectInvalid(ValidateStoreTemplate("~/a\tb\n"), "store path contains a control character");
}

void ExpandsHomeTemplates(void**) {
  auto expect = [](std::string_view t, std::string_view user, std::string_view home,
                   const char* want) {
    Result<std::string> path = ExpandStorePath(t, user, home);
    if (!path.ok()) fail_msg("%s", path.status().message().c_str());
    assert_string_equal(path->c_str(), want);
  };
  expect("~/.pam_totp", "carol", "/home/carol", "/home/carol/.pam_totp");
  expect("~/.pam_totp", "carol", "/home/carol/", "/home/carol/.pam_totp");
  expect("~/.pam_totp", "carol", "/home/carol//", "/home/carol/.pam_totp");
  expect("~/%u.totp", "carol", "/srv/h/c", "/srv/h/c/carol.totp");
  expect("~/.config/pam_totp/devices", "carol", "/home/carol",
         "/home/carol/.config/pam_totp/devices");
  expect("~/100%%", "carol", "/home/carol", "/home/carol/100%");
  // Without '~' the home directory plays no part.
  expect("/d/%u.totp", "carol", "", "/d/carol.totp");
  // The two-argument form cannot know the home directory.
  ExpectInvalid(ExpandStorePath("~/.pam_totp", "carol").status(),
                "store path ~/.pam_totp is in the home directory; it needs the user's passwd "
                "entry");
}

void RefusesHomeDirectoriesAStoreCannotBeUnder(void**) {
  ExpectInvalid(ValidateHomeDirectory("", "carol"),
                "the home directory of carol () is not an absolute path; a store under ~ needs "
                "one");
  ExpectInvalid(ValidateHomeDirectory("home/carol", "carol"),
                "the home directory of carol (home/carol) is not an absolute path; a store under "
                "~ needs one");
  for (const char* root : {"/", "//", "///"}) {
    ExpectInvalid(ValidateHomeDirectory(root, "carol"),
                  "the home directory of carol is /, which cannot hold a store of its own");
  }
  ExpectInvalid(ValidateHomeDirectory("/home/../etc", "carol"),
                "the home directory of carol (/home/../etc) has empty, '.' or '..' parts");
  ExpectInvalid(ValidateHomeDirectory("/home/carol/..", "carol"),
                "the home directory of carol (/home/carol/..) has empty, '.' or '..' parts");
  ExpectInvalid(ValidateHomeDirectory("/home/./carol", "carol"),
                "the home directory of carol (/home/./carol) has empty, '.' or '..' parts");
  ExpectInvalid(ValidateHomeDirectory("/home//carol", "carol"),
                "the home directory of carol (/home//carol) has empty, '.' or '..' parts");
  ExpectInvalid(ValidateHomeDirectory("/home/carol\n/x", "carol"),
                "the home directory of carol contains a control character");
  ExpectInvalid(ValidateHomeDirectory("/" + std::string(4096, 'h'), "carol"),
                "the home directory of carol is too long");
  ExpectOk(ValidateHomeDirectory("/home/carol", "carol"));
  ExpectOk(ValidateHomeDirectory("/home/carol..old", "carol"));  // ".." inside a name is fine
  ExpectOk(ValidateHomeDirectory("/nonexistent", "carol"));
  // Expansion checks the home directory, and the user name before anything.
  ExpectInvalid(ExpandStorePath("~/.pam_totp", "carol", "/").status(),
                "the home directory of carol is /, which cannot hold a store of its own");
  ExpectInvalid(ExpandStorePath("~/.pam_totp", "../carol", "/home/carol").status(),
                "the user name contains '/'");
  ExpectInvalid(ExpandStorePath("~/.pam_totp", "", "/home/carol").status(),
                "the user name is empty");
  ExpectInvalid(ExpandStorePath("~/.pam_totp", std::string_view("a\0b", 3), "/home/a").status(),
                "the user name contains a control character");
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
      cmocka_unit_test(AcceptsHomeTemplates),
      cmocka_unit_test(RefusesTildeAnywhereButTheStart),
      cmocka_unit_test(ExpandsHomeTemplates),
      cmocka_unit_test(RefusesHomeDirectoriesAStoreCannotBeUnder),
      cmocka_unit_test(ExpandsTemplates),
      cmocka_unit_test(ExpandValidatesBothArguments),
      cmocka_unit_test(DetectsPerUserDirectories),
      cmocka_unit_test(EscapedPercentUIsNotAPerUserDirectory),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
