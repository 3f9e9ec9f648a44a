// Self-service: a user who is not root enrolls, lists, renames, removes and verifies devices
// in a store that belongs to root, through the setuid-root totpctl-helper.
//
// The release helper takes nothing from its caller but one request: its configuration is
// /etc/security/pam_totp.conf, the user is its real uid, and totpctl runs it from the path
// fixed at build time. So each run happens in a private mount namespace (unshare -m) where
// the test puts its own files at those places: a tmpfs over the helper's directory holding a
// setuid-root copy of the built helper, its own pam_totp.conf (store in a temporary directory)
// bind-mounted over /etc/security, and passwd/group files with two test users bind-mounted
// over /etc/passwd and /etc/group. setpriv then drops to a test user and runs totpctl or the
// helper. Nothing on the machine changes; the test needs root and skips itself without it.
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ctime>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/base32.h"
#include "core/store.h"
#include "core/verifier.h"
#include "tests/test_support.h"

namespace pamtotp::testing {
namespace {

constexpr uid_t kUser = 4242;  // totptest (totpother, 4243, only owns devices)
constexpr char kPhoneKey[] = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
constexpr char kTabletKey[] = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
constexpr char kOtherKey[] = "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U";
const std::string kHelperPath = HELPER_INSTALL_PATH;
const std::string kPrompt = "Enter the code your app shows now: ";
const std::string kApprove = "enter a current code from one of your devices, or a recovery code: ";

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The deepest existing directory above the helper's: the tmpfs goes there.
std::string MountPointForHelper() {
  std::string dir = kHelperPath.substr(0, kHelperPath.rfind('/'));
  struct stat st;
  while (stat(dir.c_str(), &st) != 0) dir = dir.substr(0, dir.rfind('/'));
  return dir;
}

class Sandbox {
 public:
  explicit Sandbox(const std::string& policy = "") {
    mkdir(dir_.File("etc-security").c_str(), 0755);
    mkdir(dir_.File("store").c_str(), 0700);
    SetPolicy(policy);
    WriteFile(dir_.File("passwd"),
              Slurp("/etc/passwd") +
                  "totptest:x:4242:4242:test:/nonexistent:/usr/sbin/nologin\n"
                  "totpother:x:4243:4243:test:/nonexistent:/usr/sbin/nologin\n",
              0644);
    WriteFile(dir_.File("group"), Slurp("/etc/group") + "totptest:x:4242:\ntotpother:x:4243:\n",
              0644);
  }

  void SetPolicy(const std::string& policy) {
    WriteFile(dir_.File("etc-security/pam_totp.conf"), "store = " + Template() + "\n" + policy,
              0644);
  }
  void SetHelperMode(const std::string& mode) { helper_mode_ = mode; }
  std::string Template() const { return dir_.path() + "/store/%u.totp"; }

  // argv that runs `command` as `uid` inside the namespace described above.
  std::vector<std::string> As(uid_t uid, const std::vector<std::string>& command) const {
    const std::string id = std::to_string(uid);
    const std::string helper_dir = kHelperPath.substr(0, kHelperPath.rfind('/'));
    const std::string script =
        "set -e\n"
        "mount -t tmpfs -o mode=0755 pam_totp_test '" +
        MountPointForHelper() + "'\n" + "mkdir -p '" + helper_dir + "'\n" +
        "cp '" TOTPCTL_HELPER "' '" + kHelperPath + "'\n" + "chmod " + helper_mode_ + " '" +
        kHelperPath + "'\n" + "mount --bind '" + dir_.File("etc-security") + "' /etc/security\n" +
        "mount --bind '" + dir_.File("passwd") + "' /etc/passwd\n" + "mount --bind '" +
        dir_.File("group") + "' /etc/group\n" + "exec setpriv --reuid=" + id + " --regid=" + id +
        " --clear-groups -- \"$@\"\n";
    std::vector<std::string> argv = {"/usr/bin/unshare", "-m", "/bin/sh", "-c", script, "sh"};
    argv.insert(argv.end(), command.begin(), command.end());
    return argv;
  }
  CommandResult Totpctl(const std::vector<std::string>& args, const std::string& input = "",
                        uid_t uid = kUser) const {
    std::vector<std::string> command = {TOTPCTL};
    command.insert(command.end(), args.begin(), args.end());
    return RunCommand(As(uid, command), input);
  }
  CommandResult Helper(const std::string& request, uid_t uid = kUser) const {
    return RunCommand(As(uid, {kHelperPath}), request);
  }

  std::unique_ptr<Store> OpenStore() const {
    Result<std::unique_ptr<Store>> store = OpenFileStore(Template());
    assert_true(store.ok());
    return std::move(store).value();
  }
  void AddDevice(const std::string& user, const std::string& name, const std::string& key) const {
    Device device;
    device.id = std::string(16 - name.size() % 10, 'a') + std::string(name.size() % 10, '1');
    device.name = name;
    device.secret = std::move(Base32Decode(key)).value();
    device.created = 1700000000;
    assert_true(OpenStore()
                    ->EditDevices(user,
                                  [&](Enrollment& e) {
                                    e.devices.push_back(device.Clone());
                                    return Status::Ok();
                                  })
                    .ok());
  }
  std::vector<std::string> Names(const std::string& user) const {
    Result<Enrollment> e = OpenStore()->ReadDevices(user);
    assert_true(e.ok());
    std::vector<std::string> names;
    for (const Device& d : e->devices) names.push_back(d.name);
    return names;
  }
  Verdict Login(const std::string& user, const std::string& code) const {
    Result<Outcome> o = VerifyInput(*OpenStore(), user, code, pamtotp::SystemClock(), Config{});
    assert_true(o.ok());
    return o->verdict;
  }

 private:
  TempDir dir_;
  std::string helper_mode_ = "4755";
};

std::string JsonString(const std::string& json, const std::string& key) {
  const std::string marker = "\"" + key + "\":\"";
  size_t at = json.find(marker);
  if (at == std::string::npos) fail_msg("no %s in %s", key.c_str(), json.c_str());
  at += marker.size();
  return json.substr(at, json.find('"', at) - at);
}

std::string CodeNow(const std::string& key) { return OathtoolTotp(key, std::time(nullptr)); }

// Enrolls `name` as totptest, typing the new device's code and then `after` (an approval).
CommandResult Enroll(const Sandbox& box, const std::string& name, const std::string& after,
                     std::string* confirm_code = nullptr) {
  AvoidStepBoundary(5);
  return RunAnswering(box.As(kUser, {TOTPCTL, "enroll", "--json", "--name", name}),
                      [&](const std::string& json) {
                        if (json.empty()) return std::string();
                        std::string code = CodeNow(JsonString(json, "secret"));
                        if (confirm_code != nullptr) *confirm_code = code;
                        return code + "\n" + after;
                      });
}

bool CanRun() {
  struct stat st;
  if (geteuid() != 0 || stat("/usr/bin/unshare", &st) != 0 || stat("/usr/bin/setpriv", &st) != 0 ||
      stat("/etc/security", &st) != 0) {
    print_message("self-service tests need root, unshare, setpriv and /etc/security\n");
    return false;
  }
  const std::string mount_point = MountPointForHelper();
  if (mount_point == "/" || mount_point == "/usr") {
    print_message("the helper's directory %s is too close to /\n", kHelperPath.c_str());
    return false;
  }
  if (RunCommand({"/usr/bin/unshare", "-m", "/bin/true"}).exit_code != 0) {
    print_message("cannot make a mount namespace here\n");
    return false;
  }
  return true;
}

// --- through totpctl -----------------------------------------------------------------------

void FirstEnrollmentNeedsNoApproval(void**) {
  if (!CanRun()) skip();
  Sandbox box;
  const int64_t before = std::time(nullptr);
  std::string code;
  CommandResult r = Enroll(box, "phone", "", &code);
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(r.err, kPrompt + "\nEnrolled device 'phone' for totptest.\n");
  const std::string secret = JsonString(r.out, "secret");
  Result<Enrollment> e = box.OpenStore()->ReadDevices("totptest");
  assert_true(e.ok());
  assert_int_equal(e->devices.size(), 1);
  ASSERT_STR_EQ(e->devices[0].name, "phone");
  ASSERT_STR_EQ(std::string(Base32Encode(e->devices[0].secret.bytes()).view()), secret);
  assert_in_range(e->devices[0].created, before, std::time(nullptr));  // the helper's clock
  // The code typed to confirm was used up by the helper.
  assert_int_equal(box.Login("totptest", code), Verdict::kReplayed);
  // What the helper wrote is root's, like everything in the store.
  struct stat st;
  assert_int_equal(
      stat((box.Template().substr(0, box.Template().size() - 7) + "totptest.totp").c_str(), &st),
      0);
  assert_int_equal(st.st_uid, 0);
  assert_int_equal(st.st_gid, 0);
  assert_int_equal(st.st_mode & 07777, 0600);
}

void AnotherDeviceNeedsAnApprovalCode(void**) {
  if (!CanRun()) skip();
  Sandbox box;
  box.AddDevice("totptest", "phone", kPhoneKey);
  CommandResult r = Enroll(box, "tablet", "");
  assert_int_equal(r.exit_code, 1);
  ASSERT_STR_EQ(r.err, kPrompt + "\nTo approve adding 'tablet', " + kApprove +
                           "\ntotpctl: no approval code was given; nothing was changed\n");
  r = Enroll(box, "tablet", "000000\n");
  assert_int_equal(r.exit_code, 1);
  ASSERT_STR_EQ(r.err, kPrompt + "\nTo approve adding 'tablet', " + kApprove +
                           "totpctl: the approval code is wrong (1 failed attempt in a row); "
                           "nothing was changed\n");
  assert_true(box.Names("totptest") == std::vector<std::string>{"phone"});
  const std::string approval = CodeNow(kPhoneKey);
  r = Enroll(box, "tablet", approval + "\n");
  assert_int_equal(r.exit_code, 0);
  assert_true((box.Names("totptest") == std::vector<std::string>{"phone", "tablet"}));
  // The approval was a login's worth: its step is used now.
  assert_int_equal(box.Login("totptest", approval), Verdict::kReplayed);
}

void ListStatusVerifyRenameRemove(void**) {
  if (!CanRun()) skip();
  Sandbox box;
  box.AddDevice("totptest", "phone", kPhoneKey);
  box.AddDevice("totptest", "tablet", kTabletKey);
  box.AddDevice("totpother", "other phone", kOtherKey);

  CommandResult r = box.Totpctl({"list", "--json"});
  assert_int_equal(r.exit_code, 0);
  ASSERT_CONTAINS(r.out, "\"name\":\"phone\"");
  ASSERT_CONTAINS(r.out, "\"name\":\"tablet\"");
  assert_true(r.out.find("other phone") == std::string::npos);
  assert_true(r.out.find("JBSW") == std::string::npos);

  AvoidStepBoundary(5);
  r = box.Totpctl({"verify"}, CodeNow(kTabletKey) + "\n");
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(r.out,
                "Code accepted: it is device 'tablet''s code. It is now used and will not log "
                "in again.\n");
  // Another user's code is nothing to totptest.
  r = box.Totpctl({"verify"}, CodeNow(kOtherKey) + "\n");
  assert_int_equal(r.exit_code, 1);
  ASSERT_STR_EQ(r.err,
                "totpctl: wrong code: it is no current code of totptest's devices (1 failed "
                "attempt in a row; 19 more lock the account)\n");

  r = box.Totpctl({"status"});
  assert_int_equal(r.exit_code, 0);
  ASSERT_CONTAINS(r.out, "User:             totptest\nEnrolled:         yes, 2 devices\n");
  ASSERT_CONTAINS(r.out, "Failed attempts:  1 in a row (lockout at 20)\n");

  r = box.Totpctl({"rename", "tablet", "old tablet"});
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(r.out, "Renamed device 'tablet' of totptest to 'old tablet'.\n");

  r = box.Totpctl({"remove", "--yes", "old tablet"}, CodeNow(kPhoneKey) + "\n");
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(r.err, "To approve removing 'old tablet', " + kApprove);
  ASSERT_STR_EQ(r.out, "Removed device 'old tablet' of totptest.\n");
  assert_true(box.Names("totptest") == std::vector<std::string>{"phone"});
  assert_true(box.Names("totpother") == std::vector<std::string>{"other phone"});
}

void PolicyRefusesBeforeAKeyIsShown(void**) {
  if (!CanRun()) skip();
  Sandbox box("allow_self_enroll = no\nallow_self_remove = no\n");
  box.AddDevice("totptest", "phone", kPhoneKey);
  CommandResult r = box.Totpctl({"enroll", "--name", "x"});
  assert_int_equal(r.exit_code, 1);
  ASSERT_STR_EQ(r.out, "");
  ASSERT_STR_EQ(r.err,
                "totpctl: your administrator does not let users enroll devices or make recovery "
                "codes themselves (allow_self_enroll = no in /etc/security/pam_totp.conf); "
                "contact your administrator\n");
  r = box.Totpctl({"remove", "--yes", "phone"});
  assert_int_equal(r.exit_code, 1);
  ASSERT_STR_EQ(r.err,
                "totpctl: your administrator does not let users remove devices themselves "
                "(allow_self_remove = no in /etc/security/pam_totp.conf); contact your "
                "administrator\n");
  box.SetPolicy("allowed_algorithms = sha1\nmax_devices = 2\n");
  r = box.Totpctl({"enroll", "--algorithm", "sha512"});
  ASSERT_STR_EQ(r.err,
                "totpctl: algorithm sha512 is not allowed here: the administrator allows sha1 "
                "(allowed_algorithms in /etc/security/pam_totp.conf); contact your "
                "administrator\n");
  box.AddDevice("totptest", "tablet", kTabletKey);
  r = box.Totpctl({"enroll"});
  ASSERT_STR_EQ(r.err,
                "totpctl: totptest already has 2 devices, the most allowed (max_devices = 2 in "
                "/etc/security/pam_totp.conf); remove one first\n");
}

void TheHelperOnlyServesTheStoreTheAdministratorConfigured(void**) {
  if (!CanRun()) skip();
  Sandbox box;
  // With --store, totpctl works on that path itself, with the user's own rights.
  CommandResult r = box.Totpctl({"--store", box.Template(), "list"});
  assert_int_equal(r.exit_code, 1);
  ASSERT_CONTAINS(r.err, "Permission denied (the store belongs to root");
  box.SetHelperMode("0755");
  r = box.Totpctl({"list"});
  assert_int_equal(r.exit_code, 1);
  ASSERT_STR_EQ(r.err, "totpctl: self-service is not available here (" + kHelperPath +
                           " is not setuid root); ask your administrator to enroll you, or to "
                           "install totpctl-helper setuid root\n");
  // Run anyway, it notices it has no privilege and stops.
  r = box.Helper("totpctl-helper 1\nstatus\n");
  assert_int_equal(r.exit_code, 1);
  ASSERT_STR_EQ(r.out,
                "error totpctl-helper is not setuid root; the administrator must run: chown "
                "root:root totpctl-helper && chmod 4755 totpctl-helper\n");
}

void ShowQrThroughTotpctl(void**) {
  if (!CanRun()) skip();
  Sandbox box;
  box.AddDevice("totptest", "phone", kPhoneKey);
  box.AddDevice("totpother", "other phone", kOtherKey);
  // Off by default: refused before any code is asked for.
  CommandResult r = box.Totpctl({"show-qr", "phone", "--qr", "none"});
  assert_int_equal(r.exit_code, 1);
  ASSERT_STR_EQ(r.out, "");
  ASSERT_STR_EQ(r.err,
                "totpctl: your administrator does not let users show a device's key again "
                "themselves (allow_self_show = no in /etc/security/pam_totp.conf); contact "
                "your administrator\n");
  box.SetPolicy("allow_self_show = yes\n");
  r = box.Totpctl({"show-qr", "other phone", "--qr", "none"});
  assert_int_equal(r.exit_code, 1);
  ASSERT_STR_EQ(r.err, "totpctl: totptest has no device named 'other phone' (see totpctl list)\n");
  const std::string ask = "To approve showing 'phone' again, " + kApprove;
  r = box.Totpctl({"show-qr", "phone", "--json"});
  assert_int_equal(r.exit_code, 1);
  ASSERT_STR_EQ(r.out, "");
  ASSERT_STR_EQ(r.err, ask + "\ntotpctl: no approval code was given; nothing was changed\n");
  r = box.Totpctl({"show-qr", "phone", "--json"}, "000000\n");
  assert_int_equal(r.exit_code, 1);
  ASSERT_STR_EQ(r.out, "");
  ASSERT_STR_EQ(r.err, ask +
                           "totpctl: the approval code is wrong (1 failed attempt in a row); "
                           "nothing was changed\n");
  AvoidStepBoundary(5);
  const std::string approval = CodeNow(kPhoneKey);
  r = box.Totpctl({"show-qr", "phone", "--json"}, approval + "\n");
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(JsonString(r.out, "secret"), kPhoneKey);
  ASSERT_CONTAINS(r.out, "\"uri\":\"otpauth://totp/");
  ASSERT_STR_EQ(r.err, ask +
                           "This is the key device 'phone' already has: a phone that still holds "
                           "it keeps making valid codes. If the old phone is lost, enroll a new "
                           "device and remove this one instead.\n");
  // The approval was a login's worth: its step is used now.
  assert_int_equal(box.Login("totptest", approval), Verdict::kReplayed);
}

void RecoveryCodesThroughTotpctl(void**) {
  if (!CanRun()) skip();
  Sandbox box("allow_self_enroll = no\n");
  CommandResult r = box.Totpctl({"recovery-codes"});
  assert_int_equal(r.exit_code, 1);
  ASSERT_STR_EQ(r.err,
                "totpctl: your administrator does not let users enroll devices or make recovery "
                "codes themselves (allow_self_enroll = no in /etc/security/pam_totp.conf); "
                "contact your administrator\n");
  box.SetPolicy("");
  r = box.Totpctl({"recovery-codes"});
  assert_int_equal(r.exit_code, 1);
  ASSERT_STR_EQ(r.err,
                "totpctl: totptest has no devices enrolled; enroll one first (recovery codes "
                "stand in for a lost device, they do not replace one)\n");
  box.AddDevice("totptest", "phone", kPhoneKey);
  const std::string ask = "To approve new recovery codes, " + kApprove;
  r = box.Totpctl({"recovery-codes", "--count", "3", "--json"});
  assert_int_equal(r.exit_code, 1);
  ASSERT_STR_EQ(r.out, "");
  ASSERT_STR_EQ(r.err, ask + "\ntotpctl: no approval code was given; nothing was changed\n");
  Result<Enrollment> e = box.OpenStore()->ReadDevices("totptest");
  assert_true(e.ok() && !e->recovery.has_value());
  AvoidStepBoundary(5);
  r = box.Totpctl({"recovery-codes", "--count", "3", "--json"}, CodeNow(kPhoneKey) + "\n");
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(r.err, ask);
  ASSERT_CONTAINS(r.out, "\"user\":\"totptest\"");
  const std::string marker = "\"codes\":[\"";
  const size_t at = r.out.find(marker);
  assert_true(at != std::string::npos);
  const std::string first = r.out.substr(at + marker.size(), 14);  // abcd-efgh-ijkl
  e = box.OpenStore()->ReadDevices("totptest");
  assert_true(e.ok() && e->recovery.has_value());
  assert_int_equal(e->recovery->hashes.size(), 3);
  assert_int_equal(box.Login("totptest", first), Verdict::kRecoveryAccepted);
  // A recovery code approves the next set too, and that set replaces this one.
  r = box.Totpctl({"recovery-codes", "--count", "2"},
                  r.out.substr(at + marker.size() + 17, 14) + "\n");
  assert_int_equal(r.exit_code, 0);
  e = box.OpenStore()->ReadDevices("totptest");
  assert_true(e.ok() && e->recovery.has_value());
  assert_int_equal(e->recovery->hashes.size(), 2);
}

// --- the helper itself, with requests totpctl would never send -----------------------------

void HelperRefusesMalformedRequests(void**) {
  if (!CanRun()) skip();
  Sandbox box;
  const std::string m = "error malformed helper message: ";
  struct Case {
    std::string request, reply;
  };
  const Case cases[] = {
      {"", m + "it does not end with a newline\n"},
      {"status\n", m + "expected 'totpctl-helper 1' and a verb\n"},
      {"totpctl-helper 2\nstatus\n", m + "expected 'totpctl-helper 1' and a verb\n"},
      {"totpctl-helper 1\ndelete-everything\n", m + "unknown verb 'delete-everything'\n"},
      {"totpctl-helper 1\nstatus\nuser totpother\n", m + "'status' takes no 'user'\n"},
      {"totpctl-helper 1\nremove\nname phone\n", m + "'remove' needs 'code'\n"},
      {"totpctl-helper 1\nrename\nname a\nname b\nnew_name c\n", m + "'name' is given twice\n"},
      {"totpctl-helper 1\nverify\ncode 123456\x1b\n", m + "a line holds a control character\n"},
      {std::string("totpctl-helper 1\nverify\ncode 12\0"
                   "3456\n",
                   37),
       m + "a line holds a control character\n"},
      {"totpctl-helper 1\nverify\ncode\n",
       m + "expected 'key value', got a line without a value\n"},
      {"totpctl-helper 1\nstatus\n" + std::string(5000, 'x') + "\n",
       "error the request is too long\n"},
  };
  for (const Case& c : cases) {
    CommandResult r = box.Helper(c.request);
    assert_int_equal(r.exit_code, 2);
    ASSERT_STR_EQ(r.out, c.reply);
  }
  CommandResult r = RunCommand(box.As(kUser, {kHelperPath, "--store", "/tmp"}));
  assert_int_equal(r.exit_code, 2);
  ASSERT_STR_EQ(r.err,
                "totpctl-helper is run by totpctl, not by hand; see SELF-SERVICE in totpctl(1)\n");
}

void HelperEnforcesThePolicyAndTheKeyItself(void**) {
  if (!CanRun()) skip();
  Sandbox box("allowed_digits = 6\n");
  const std::string head = "totpctl-helper 1\nenroll\ndevice id=00000000000000b1 name=x ";
  const std::string tail = " created=1 secret=" + std::string(kPhoneKey) + "\n";
  CommandResult r = box.Helper(head + "type=totp algorithm=SHA1 digits=8 period=30" + tail);
  assert_int_equal(r.exit_code, 1);
  ASSERT_STR_EQ(r.out,
                "error 8 digits is not allowed here: the administrator allows 6 digits "
                "(allowed_digits in /etc/security/pam_totp.conf)\n");
  r = box.Helper(head + "type=totp algorithm=SHA1 digits=6 period=30 created=1 secret=" +
                 "JBSWY3DPEHPK3PXP\n");
  ASSERT_STR_EQ(r.out, "error the key is shorter than 128 bits\n");
  r = box.Helper(head + "type=totp algorithm=SHA1 digits=6 period=30" + tail);
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(r.out, "ok\nend\n");
  // Now totptest has a device: the next change needs an approval code.
  r = box.Helper(
      "totpctl-helper 1\nenroll\ndevice id=00000000000000b2 name=y type=totp "
      "algorithm=SHA1 digits=6 period=30 created=1 secret=" +
      std::string(kTabletKey) + "\n");
  assert_int_equal(r.exit_code, 1);
  ASSERT_STR_EQ(r.out,
                "error you have devices already: approve this with a current code from one of "
                "them, or with a recovery code\n");
  box.SetPolicy("allow_self_enroll = no\n");
  r = box.Helper("totpctl-helper 1\nrecovery\ncount 3\ncode 123456\n");
  ASSERT_STR_EQ(r.out,
                "error your administrator does not let users enroll devices or make recovery "
                "codes themselves (allow_self_enroll = no in /etc/security/pam_totp.conf); "
                "contact your administrator\n");
}

void HelperStatusShowAndRecovery(void**) {
  if (!CanRun()) skip();
  Sandbox box;
  box.AddDevice("totptest", "phone", kPhoneKey);
  box.AddDevice("totpother", "other phone", kOtherKey);
  CommandResult r = box.Helper("totpctl-helper 1\nstatus\n");
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(r.out,
                "ok\nuser totptest\ndevice aaaaaaaaaaa11111 totp SHA1 6 30 0 1700000000 0 "
                "phone\nfailures 0\nlast_failure 0\nend\n");
  // Re-showing a key is off by default, and never reaches another user's devices.
  r = box.Helper("totpctl-helper 1\nshow\nname phone\ncode 123456\n");
  ASSERT_STR_EQ(r.out,
                "error your administrator does not let users show a device's key again "
                "themselves (allow_self_show = no in /etc/security/pam_totp.conf); contact "
                "your administrator\n");
  box.SetPolicy("allow_self_show = yes\n");
  r = box.Helper("totpctl-helper 1\nshow\nname other phone\ncode 123456\n");
  ASSERT_STR_EQ(r.out, "error you have no device named 'other phone' (see totpctl list)\n");
  AvoidStepBoundary(5);
  r = box.Helper("totpctl-helper 1\nshow\nname phone\ncode " + CodeNow(kPhoneKey) + "\n");
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(r.out,
                "ok\ndevice id=aaaaaaaaaaa11111 name=phone type=totp algorithm=SHA1 digits=6 "
                "period=30 created=1700000000 secret=" +
                    std::string(kPhoneKey) + "\nend\n");
  r = box.Helper("totpctl-helper 1\nrecovery\ncount 3\ncode " + CodeNow(kPhoneKey) + "\n");
  ASSERT_STR_EQ(r.out, "error the approval code was used already; wait for your app's next code\n");
  r = box.Helper("totpctl-helper 1\nrecovery\ncount 3\ncode " +
                 OathtoolTotp(kPhoneKey, std::time(nullptr) + 30) + "\n");
  assert_int_equal(r.exit_code, 0);
  assert_int_equal(std::count(r.out.begin(), r.out.end(), '\n'), 5);
  const std::string first = r.out.substr(8, 14);  // "ok\ncode abcd-efgh-ijkl\n..."
  Result<Enrollment> e = box.OpenStore()->ReadDevices("totptest");
  assert_true(e.ok() && e->recovery.has_value());
  assert_int_equal(e->recovery->hashes.size(), 3);
  assert_int_equal(box.Login("totptest", first), Verdict::kRecoveryAccepted);
}

}  // namespace
}  // namespace pamtotp::testing

int main() {
  using namespace pamtotp::testing;  // NOLINT(google-build-using-namespace)
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(FirstEnrollmentNeedsNoApproval),
      cmocka_unit_test(AnotherDeviceNeedsAnApprovalCode),
      cmocka_unit_test(ListStatusVerifyRenameRemove),
      cmocka_unit_test(PolicyRefusesBeforeAKeyIsShown),
      cmocka_unit_test(ShowQrThroughTotpctl),
      cmocka_unit_test(RecoveryCodesThroughTotpctl),
      cmocka_unit_test(TheHelperOnlyServesTheStoreTheAdministratorConfigured),
      cmocka_unit_test(HelperRefusesMalformedRequests),
      cmocka_unit_test(HelperEnforcesThePolicyAndTheKeyItself),
      cmocka_unit_test(HelperStatusShowAndRecovery),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
