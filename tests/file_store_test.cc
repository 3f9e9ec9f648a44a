// The file backend of Store against a real directory: what it creates (and does not), what it
// refuses to trust, and that concurrent writers from several processes lose nothing.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/random.h"
#include "core/safe_file.h"
#include "core/store.h"
#include "core/store_format.h"
#include "tests/test_support.h"

namespace pamtotp {
namespace {

void ExpectError(const Status& s, Status::Code code, const std::string& message) {
  if (s.ok()) fail_msg("expected an error: %s", message.c_str());
  assert_string_equal(s.message().c_str(), message.c_str());
  assert_int_equal(static_cast<int>(s.code()), static_cast<int>(code));
}

void ExpectOk(const Status& s) {
  if (!s.ok()) fail_msg("%s", s.message().c_str());
}

std::unique_ptr<Store> OpenStore(const std::string& path_template) {
  Result<std::unique_ptr<Store>> store = OpenFileStore(path_template);
  if (!store.ok()) fail_msg("%s", store.status().message().c_str());
  return std::move(store).value();
}

Device NewDevice(const std::string& name) {
  Result<std::string> id = GenerateDeviceId();
  Result<SecretBytes> secret = GenerateSecret(HashAlgorithm::kSha1);
  assert_true(id.ok() && secret.ok());
  return Device{*id, name, std::move(*secret), HashAlgorithm::kSha1, 6, 30, 1700000000};
}

Status AddDevice(Store& store, std::string_view user, const Device& device) {
  return store.EditDevices(user, [&](Enrollment& enrollment) {
    enrollment.devices.push_back(device.Clone());
    return Status::Ok();
  });
}

std::vector<Device> ReadAll(Store& store, std::string_view user) {
  Result<Enrollment> devices = store.ReadDevices(user);
  if (!devices.ok()) fail_msg("%s", devices.status().message().c_str());
  return std::move(devices->devices);
}

size_t EntriesIn(const std::string& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

struct stat StatOf(const std::string& path) {
  struct stat st;
  assert_int_equal(lstat(path.c_str(), &st), 0);
  return st;
}

// A temp directory holding the store "<dir>/%u.totp"; Enroll() gives alice one device.
struct Fixture {
  testing::TempDir dir;
  std::string devices = dir.File("alice.totp");
  std::string state = dir.File("alice.totp.state");
  std::unique_ptr<Store> store = OpenStore(dir.File("%u.totp"));

  void Enroll() { ExpectOk(AddDevice(*store, "alice", NewDevice("Phone"))); }
};

void UserWithoutDevicesReadsEmptyAndCreatesNothing(void**) {
  Fixture f;
  assert_int_equal(ReadAll(*f.store, "alice").size(), 0);
  bool called = false;
  ExpectOk(f.store->UpdateState("alice", [&](const Enrollment& d, UserState& s) {
    called = true;
    assert_int_equal(d.devices.size(), 0);
    s.failures = 7;  // must not be written for a user without devices
    return Status::Ok();
  }));
  assert_true(called);
  Enrollment devices;
  UserState state;
  ExpectOk(f.store->ReadState("alice", devices, state));
  assert_int_equal(state.failures, 0);
  assert_int_equal(EntriesIn(f.dir.path()), 0);
  assert_string_equal(f.store->Describe("alice").c_str(), f.devices.c_str());
}

void AddedDevicesReadBackWithPrivateFiles(void**) {
  Fixture f;
  Device phone = NewDevice("Phone");
  Device laptop = NewDevice("Work laptop \xf0\x9f\x92\xbb");
  ExpectOk(AddDevice(*f.store, "alice", phone));
  ExpectOk(AddDevice(*f.store, "alice", laptop));
  std::vector<Device> back = ReadAll(*OpenStore(f.dir.File("%u.totp")), "alice");
  assert_int_equal(back.size(), 2);
  assert_string_equal(back[0].id.c_str(), phone.id.c_str());
  assert_string_equal(back[0].name.c_str(), "Phone");
  assert_true(back[0].secret.view() == phone.secret.view());
  assert_string_equal(back[1].name.c_str(), laptop.name.c_str());
  assert_true(back[1].secret.view() == laptop.secret.view());
  assert_int_equal(StatOf(f.devices).st_mode & 07777, 0600);
  assert_int_equal(StatOf(f.state).st_mode & 07777, 0600);
  assert_int_equal(StatOf(f.state).st_size, kStateFileSize);
  assert_int_equal(EntriesIn(f.dir.path()), 2);  // no temp files left behind
}

void StatePersistsAcrossStoreObjects(void**) {
  Fixture f;
  f.Enroll();
  std::string id = ReadAll(*f.store, "alice")[0].id;
  for (uint32_t round = 1; round <= 5; ++round) {
    std::unique_ptr<Store> store = OpenStore(f.dir.File("%u.totp"));
    ExpectOk(store->UpdateState("alice", [&](const Enrollment&, UserState& s) {
      assert_int_equal(s.failures, round - 1);
      s.failures = round;
      s.last_failure = 1700000000 + round;
      if (s.Find(id) == nullptr) s.devices.push_back(DeviceState{id, 0, 0});
      s.Find(id)->last_step = 56666600 + round;
      s.devices.push_back(DeviceState{"00000000deadbeef", 1, 1});  // no such device: dropped
      return Status::Ok();
    }));
  }
  Enrollment devices;
  UserState state;
  ExpectOk(OpenStore(f.dir.File("%u.totp"))->ReadState("alice", devices, state));
  assert_int_equal(devices.devices.size(), 1);
  assert_int_equal(state.failures, 5);
  assert_int_equal(state.last_failure, 1700000005);
  assert_int_equal(state.devices.size(), 1);
  assert_int_equal(state.Find(id)->last_step, 56666605);
  assert_int_equal(StatOf(f.state).st_size, kStateFileSize);
}

void RemovingTheLastDeviceRemovesBothFiles(void**) {
  Fixture f;
  f.Enroll();
  assert_true(Exists(f.devices) && Exists(f.state));
  ExpectOk(f.store->EditDevices("alice", [](Enrollment& d) {
    d.devices.clear();
    return Status::Ok();
  }));
  assert_int_equal(EntriesIn(f.dir.path()), 0);
  assert_int_equal(ReadAll(*f.store, "alice").size(), 0);
}

void FailedEditWritesNothing(void**) {
  Fixture f;
  auto failing = [](Enrollment& d) {
    d.devices.push_back(NewDevice("Never"));
    return Status::AlreadyExists("a device called 'Never' exists");
  };
  ExpectError(f.store->EditDevices("alice", failing), Status::Code::kAlreadyExists,
              "a device called 'Never' exists");
  assert_int_equal(EntriesIn(f.dir.path()), 0);  // not even a lock file for a new user
  f.Enroll();
  std::string devices_before = testing::ReadFile(f.devices);
  std::string state_before = testing::ReadFile(f.state);
  ExpectError(f.store->EditDevices("alice", failing), Status::Code::kAlreadyExists,
              "a device called 'Never' exists");
  ExpectError(f.store->UpdateState("alice",
                                   [](const Enrollment&, UserState& s) {
                                     s.failures = 99;
                                     return Status::Internal("updater failed");
                                   }),
              Status::Code::kInternal, "updater failed");
  assert_true(testing::ReadFile(f.devices) == devices_before);
  assert_true(testing::ReadFile(f.state) == state_before);
  assert_int_equal(EntriesIn(f.dir.path()), 2);
}

// Regression: a duplicate name was written, and the file then refused on every read.
void EditThatDuplicatesANameWritesNothing(void**) {
  Fixture f;
  f.Enroll();
  std::string before = testing::ReadFile(f.devices);
  ExpectError(AddDevice(*f.store, "alice", NewDevice("Phone")), Status::Code::kAlreadyExists,
              "two devices are named 'Phone'");
  assert_true(testing::ReadFile(f.devices) == before);
  assert_int_equal(ReadAll(*f.store, "alice").size(), 1);
}

void EditLeavingANewUserWithoutDevicesCreatesNothing(void**) {
  Fixture f;
  ExpectOk(f.store->EditDevices("alice", [](Enrollment&) { return Status::Ok(); }));
  assert_int_equal(EntriesIn(f.dir.path()), 0);
}

void RefusesDevicesFileOthersCanRead(void**) {
  Fixture f;
  f.Enroll();
  for (mode_t mode : {mode_t{0644}, mode_t{0640}, mode_t{0604}, mode_t{0660}}) {
    assert_int_equal(chmod(f.devices.c_str(), mode), 0);
    char octal[8];
    snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(mode));
    ExpectError(f.store->ReadDevices("alice").status(), Status::Code::kPermissionDenied,
                f.devices + " has mode " + octal +
                    ", readable or writable by others; run chmod 600 " + f.devices);
  }
  assert_int_equal(chmod(f.devices.c_str(), 0600), 0);
  assert_int_equal(chmod(f.state.c_str(), 0644), 0);
  ExpectError(f.store->UpdateState("alice", [](const auto&, UserState&) { return Status::Ok(); }),
              Status::Code::kPermissionDenied,
              f.state + " has mode 0644, readable or writable by others; run chmod 600 " + f.state);
}

void RefusesSymlinks(void**) {
  Fixture f;
  ExpectOk(AddDevice(*f.store, "bob", NewDevice("Bob's phone")));
  std::string bob = f.dir.File("bob.totp");
  std::string bob_before = testing::ReadFile(bob);
  assert_int_equal(symlink(bob.c_str(), f.devices.c_str()), 0);
  const std::string message = f.devices + " is a symlink; refusing to follow it";
  ExpectError(f.store->ReadDevices("alice").status(), Status::Code::kPermissionDenied, message);
  ExpectError(AddDevice(*f.store, "alice", NewDevice("Phone")), Status::Code::kPermissionDenied,
              message);
  assert_true(testing::ReadFile(bob) == bob_before);
  // A symlinked state file is refused too, and the file it points to is not touched.
  assert_int_equal(unlink(f.devices.c_str()), 0);
  unlink(f.state.c_str());
  f.Enroll();
  std::string target = f.dir.File("target");
  testing::WriteFile(target, "untouched", 0600);
  assert_int_equal(unlink(f.state.c_str()), 0);
  assert_int_equal(symlink(target.c_str(), f.state.c_str()), 0);
  ExpectError(f.store->UpdateState("alice", [](const auto&, UserState&) { return Status::Ok(); }),
              Status::Code::kPermissionDenied, f.state + " is a symlink; refusing to follow it");
  assert_string_equal(testing::ReadFile(target).c_str(), "untouched");
}

void RefusesDirectoryOrFifoAsDevicesFile(void**) {
  Fixture f;
  assert_int_equal(mkdir(f.devices.c_str(), 0700), 0);
  ExpectError(f.store->ReadDevices("alice").status(), Status::Code::kPermissionDenied,
              f.devices + " is not a regular file");
  std::string fifo = f.dir.File("bob.totp");
  assert_int_equal(mkfifo(fifo.c_str(), 0600), 0);
  // Opening a FIFO must not wait for a writer.
  ExpectError(f.store->ReadDevices("bob").status(), Status::Code::kPermissionDenied,
              fifo + " is not a regular file");
}

void RefusesHardLinkedDevicesFile(void**) {
  Fixture f;
  f.Enroll();
  assert_int_equal(link(f.devices.c_str(), f.dir.File("copy").c_str()), 0);
  ExpectError(f.store->ReadDevices("alice").status(), Status::Code::kPermissionDenied,
              f.devices + " has 2 hard links; it must have exactly one");
}

void RefusesFilesOwnedByAnotherUser(void**) {
  if (geteuid() != 0) skip();
  Fixture f;
  f.Enroll();
  assert_int_equal(chown(f.devices.c_str(), 1000, 1000), 0);
  ExpectError(
      f.store->ReadDevices("alice").status(), Status::Code::kPermissionDenied,
      f.devices + " is owned by uid 1000; it must be owned by root (chown root " + f.devices + ")");
}

void CorruptDevicesFileNamesPathAndLine(void**) {
  Fixture f;
  testing::WriteFile(f.devices, "pam_totp-devices 1\ngarbage\n", 0600);
  const std::string message = f.devices + ": line 2: expected a 'device' or 'recovery' line";
  ExpectError(f.store->ReadDevices("alice").status(), Status::Code::kCorruption, message);
  ExpectError(f.store->UpdateState("alice", [](const auto&, UserState&) { return Status::Ok(); }),
              Status::Code::kCorruption, message);
  ExpectError(AddDevice(*f.store, "alice", NewDevice("Phone")), Status::Code::kCorruption, message);
  assert_string_equal(testing::ReadFile(f.devices).c_str(), "pam_totp-devices 1\ngarbage\n");
}

void DamagedStateFileIsCorruption(void**) {
  Fixture f;
  f.Enroll();
  bool called = false;
  auto update = [&](const Enrollment&, UserState&) {
    called = true;
    return Status::Ok();
  };
  testing::WriteFile(f.state, std::string(kStateFileSize, 'x'), 0600);
  ExpectError(f.store->UpdateState("alice", update), Status::Code::kCorruption,
              f.state +
                  ": both state slots are damaged (state slot: no checksum; state slot: no "
                  "checksum)");
  testing::WriteFile(f.state, std::string(100, '\0'), 0600);
  ExpectError(f.store->UpdateState("alice", update), Status::Code::kCorruption,
              f.state + ": the state file is 100 bytes, expected 4096");
  testing::WriteFile(f.state, std::string(kStateFileSize + 1, '\0'), 0600);
  ExpectError(f.store->UpdateState("alice", update), Status::Code::kCorruption,
              f.state + " is 4097 bytes, larger than the limit of 4096");
  assert_false(called);
  assert_int_equal(StatOf(f.state).st_size, kStateFileSize + 1);  // left for a person to look at
}

void RefusesStoreDirectoryOthersCanWrite(void**) {
  testing::TempDir dir;
  std::string store_dir = dir.File("store");
  assert_int_equal(mkdir(store_dir.c_str(), 0700), 0);
  assert_int_equal(chmod(store_dir.c_str(), 0777), 0);
  std::unique_ptr<Store> store = OpenStore(store_dir + "/%u.totp");
  const std::string message =
      store_dir + " has mode 0777, writable by others; run chmod 700 " + store_dir;
  ExpectError(store->ReadDevices("alice").status(), Status::Code::kPermissionDenied, message);
  ExpectError(AddDevice(*store, "alice", NewDevice("Phone")), Status::Code::kPermissionDenied,
              message);
  assert_int_equal(EntriesIn(store_dir), 0);
  // A per-user directory that others can write is no better than a shared one.
  std::unique_ptr<Store> per_user = OpenStore(dir.File("%u/devices"));
  assert_int_equal(chmod(store_dir.c_str(), 0770), 0);
  ExpectError(per_user->ReadDevices("store").status(), Status::Code::kPermissionDenied,
              store_dir + " has mode 0770, writable by others; run chmod 700 " + store_dir);
}

// Every directory above the store is checked too (openssh's safe_path): one that others can
// write lets them swap the store for their own; a symlink anywhere is refused.
void RefusesUnsafeDirectoriesAboveTheStore(void**) {
  testing::TempDir dir;
  std::string open_dir = dir.File("open");
  std::string store_dir = open_dir + "/store";
  assert_int_equal(mkdir(open_dir.c_str(), 0700), 0);
  assert_int_equal(mkdir(store_dir.c_str(), 0700), 0);
  assert_int_equal(chmod(open_dir.c_str(), 0777), 0);
  std::unique_ptr<Store> store = OpenStore(store_dir + "/%u.totp");
  ExpectError(store->ReadDevices("alice").status(), Status::Code::kPermissionDenied,
              open_dir +
                  " (above the store) has mode 0777, writable by others; the store "
                  "must not be below it");
  // A root-owned sticky directory such as /tmp is fine: nobody else can rename our entries.
  if (geteuid() == 0) {
    assert_int_equal(chmod(open_dir.c_str(), 01777), 0);
    assert_true(store->ReadDevices("alice").ok());
  }
  assert_int_equal(chmod(open_dir.c_str(), 0700), 0);
  std::string link = dir.File("link");
  assert_int_equal(symlink(open_dir.c_str(), link.c_str()), 0);
  std::unique_ptr<Store> via_link = OpenStore(link + "/store/%u.totp");
  ExpectError(via_link->ReadDevices("alice").status(), Status::Code::kPermissionDenied,
              link + " is a symlink or not a directory; give the store's real path");
}

void MissingFixedStoreDirectoryIsAnError(void**) {
  testing::TempDir dir;
  std::string missing = dir.File("nope");
  std::unique_ptr<Store> store = OpenStore(missing + "/%u.totp");
  const std::string message = "the store directory " + missing +
                              " does not exist (check store= or create it with mode 0700)";
  ExpectError(store->ReadDevices("alice").status(), Status::Code::kIOError, message);
  ExpectError(store->UpdateState("alice", [](const auto&, UserState&) { return Status::Ok(); }),
              Status::Code::kIOError, message);
}

void MissingPerUserDirectoryReadsAsNoDevices(void**) {
  testing::TempDir dir;
  std::unique_ptr<Store> deep = OpenStore(dir.File("x/%u/devices"));
  assert_int_equal(ReadAll(*deep, "alice").size(), 0);
  ExpectOk(deep->UpdateState("alice", [](const Enrollment& d, UserState&) {
    assert_int_equal(d.devices.size(), 0);
    return Status::Ok();
  }));
  assert_int_equal(EntriesIn(dir.path()), 0);
  // Enrolling creates the user's directory (mode 0700) when its parent exists.
  std::unique_ptr<Store> store = OpenStore(dir.File("%u/devices"));
  ExpectOk(AddDevice(*store, "alice", NewDevice("Phone")));
  assert_int_equal(StatOf(dir.File("alice")).st_mode & 07777, 0700);
  assert_int_equal(StatOf(dir.File("alice/devices")).st_mode & 07777, 0600);
  assert_int_equal(ReadAll(*store, "alice").size(), 1);
}

void RefusesHostileUserNamesAndTemplates(void**) {
  Fixture f;
  ExpectError(f.store->ReadDevices("../alice").status(), Status::Code::kInvalidArgument,
              "the user name contains '/'");
  ExpectError(AddDevice(*f.store, "..", NewDevice("Phone")), Status::Code::kInvalidArgument,
              "the user name is a dot name");
  ExpectError(OpenFileStore("relative/%u.totp").status(), Status::Code::kInvalidArgument,
              "store path must be absolute (start with '/')");
  assert_int_equal(EntriesIn(f.dir.path()), 0);
}

void LeftoverTempFileDoesNotBreakWrites(void**) {
  Fixture f;
  f.Enroll();
  // What a crash between create and rename leaves behind.
  testing::WriteFile(f.dir.File("alice.totp.tmp.0123456789abcdef"), "pam_totp-devices 1\ndev",
                     0600);
  ExpectOk(AddDevice(*f.store, "alice", NewDevice("Tablet")));
  assert_int_equal(ReadAll(*f.store, "alice").size(), 2);
}

void HomeTemplatesAreOpenedPerUser(void**) {
  ExpectError(OpenFileStore("~/.pam_totp").status(), Status::Code::kInvalidArgument,
              "store path ~/.pam_totp is in the home directory: open it per user "
              "(OpenFileStoreForUser)");
  // The user name is refused before anything is looked up or built from it.
  ExpectError(OpenFileStoreForUser("~/.pam_totp", "../root").status(),
              Status::Code::kInvalidArgument, "the user name contains '/'");
  ExpectError(OpenFileStoreForUser("~/.pam_totp", "").status(), Status::Code::kInvalidArgument,
              "the user name is empty");
  ExpectError(OpenFileStoreForUser("~/../x", "alice").status(), Status::Code::kInvalidArgument,
              "store path must not contain empty, '.' or '..' parts");
  // Without '~' it is the system store, for any user.
  Fixture f;
  Result<std::unique_ptr<Store>> store = OpenFileStoreForUser(f.dir.File("%u.totp"), "alice");
  if (!store.ok()) fail_msg("%s", store.status().message().c_str());
  ExpectOk(AddDevice(**store, "alice", NewDevice("Phone")));
  ExpectOk(AddDevice(**store, "bob", NewDevice("Phone")));
  assert_int_equal(ReadAll(*f.store, "alice").size(), 1);
}

// No passwd entry: no home, so no devices; a login looks like anyone else's, nothing is
// created, and enrolling says why it cannot.
void UserWithoutPasswdEntryHasNoDevices(void**) {
  const std::string user = "pamtotp-no-such-user";
  Result<std::unique_ptr<Store>> opened = OpenFileStoreForUser("~/.pam_totp", user);
  if (!opened.ok()) fail_msg("%s", opened.status().message().c_str());
  Store& store = **opened;
  assert_int_equal(ReadAll(store, user).size(), 0);
  bool called = false;
  ExpectError(store.UpdateState(user,
                                [&](const Enrollment& e, UserState& s) {
                                  called = true;
                                  assert_int_equal(e.devices.size(), 0);
                                  assert_int_equal(s.failures, 0);
                                  return Status::Internal("updater result");
                                }),
              Status::Code::kInternal, "updater result");
  assert_true(called);
  Enrollment enrollment;
  enrollment.devices.push_back(NewDevice("stale"));
  UserState state;
  state.failures = 3;
  ExpectOk(store.ReadState(user, enrollment, state));
  assert_int_equal(enrollment.devices.size(), 0);
  assert_int_equal(state.failures, 0);
  ExpectError(AddDevice(store, user, NewDevice("Phone")), Status::Code::kNotFound,
              user +
                  " has no entry in the user database, so ~/.pam_totp has no home directory "
                  "to be in");
  assert_string_equal(store.Describe(user).c_str(),
                      "~/.pam_totp (pamtotp-no-such-user has no passwd entry)");
}

// The ownership rule of a store in carol's home: carol or root own it, and the message says
// whom to chown it to.
void UserStoreTrustsTheUserAndRoot(void**) {
  if (geteuid() != 0) {
    std::printf("skipped: giving files to other uids needs root\n");
    skip();
  }
  testing::TempDir dir;
  const TrustedOwner carol = TrustedOwner::User(4242, "carol");
  std::string home = dir.File("carol");
  assert_int_equal(mkdir(home.c_str(), 0755), 0);
  assert_int_equal(chown(home.c_str(), 4242, 4242), 0);
  Result<UniqueFd> fd = OpenSafeDirectory(home, carol);
  if (!fd.ok()) fail_msg("%s", fd.status().message().c_str());
  // Not root's store: carol's home is not root's or ours.
  ExpectError(OpenSafeDirectory(home, TrustedOwner::Root()).status(),
              Status::Code::kPermissionDenied,
              home + " is owned by uid 4242; it must be owned by root (chown root " + home + ")");
  std::string file = home + "/.pam_totp";
  for (uid_t owner : {uid_t{4242}, uid_t{0}}) {
    testing::WriteFile(file, "x", 0600);
    assert_int_equal(chown(file.c_str(), owner, owner), 0);
    Result<SecretBytes> text = ReadSafeFile(fd->get(), ".pam_totp", file, 100, carol);
    if (!text.ok()) fail_msg("%s", text.status().message().c_str());
  }
  assert_int_equal(chown(file.c_str(), 4343, 4343), 0);
  ExpectError(
      ReadSafeFile(fd->get(), ".pam_totp", file, 100, carol).status(),
      Status::Code::kPermissionDenied,
      file + " is owned by uid 4343; it must be owned by carol or root (chown carol " + file + ")");
  // A home directory keeps its read bits; only write access for others is refused.
  assert_int_equal(chmod(home.c_str(), 0775), 0);
  ExpectError(OpenSafeDirectory(home, carol).status(), Status::Code::kPermissionDenied,
              home + " has mode 0775, writable by others; run chmod go-w " + home);
  assert_int_equal(chmod(home.c_str(), 0700), 0);
  assert_int_equal(chown(home.c_str(), 4343, 4343), 0);
  ExpectError(
      OpenSafeDirectory(home, carol).status(), Status::Code::kPermissionDenied,
      home + " is owned by uid 4343; it must be owned by carol or root (chown carol " + home + ")");
  // Above the store: root or carol, never anyone else.
  assert_int_equal(mkdir((home + "/.config").c_str(), 0700), 0);
  ExpectError(OpenSafeDirectory(home + "/.config", carol).status(), Status::Code::kPermissionDenied,
              home + " (above the store) is owned by uid 4343; it must be owned by root or carol");
  assert_int_equal(chown(home.c_str(), 4242, 4242), 0);
  assert_true(OpenSafeDirectory(home + "/.config", carol).ok());  // root's .config is fine
}

void PermissionErrorsArePermissionDenied(void**) {
  assert_int_equal(static_cast<int>(ErrnoStatus("cannot open x", EACCES).code()),
                   static_cast<int>(Status::Code::kPermissionDenied));
  assert_int_equal(static_cast<int>(ErrnoStatus("cannot open x", EPERM).code()),
                   static_cast<int>(Status::Code::kPermissionDenied));
  Status io = ErrnoStatus("cannot write x", ENOSPC);
  assert_int_equal(static_cast<int>(io.code()), static_cast<int>(Status::Code::kIOError));
  assert_string_equal(io.message().c_str(), "cannot write x: No space left on device");
}

// Children report through their exit status; cmocka asserts stay in the parent.
template <typename Work>
void RunInProcesses(int count, Work work) {
  std::vector<pid_t> children;
  for (int i = 0; i < count; ++i) {
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
      int code = 1;
      try {
        code = work(i) ? 0 : 1;
      } catch (...) {
      }
      _exit(code);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
  }
}

void ConcurrentEditsLoseNothing(void**) {
  Fixture f;
  const std::string path_template = f.dir.File("%u.totp");
  RunInProcesses(8, [&](int process) {
    std::unique_ptr<Store> store = OpenStore(path_template);
    for (int j = 0; j < 3; ++j) {
      std::string name = "p" + std::to_string(process) + "-" + std::to_string(j);
      if (!AddDevice(*store, "alice", NewDevice(name)).ok()) return false;
    }
    return true;
  });
  std::vector<Device> devices = ReadAll(*f.store, "alice");
  assert_int_equal(devices.size(), 24);
  for (int process = 0; process < 8; ++process) {
    for (int j = 0; j < 3; ++j) {
      std::string name = "p" + std::to_string(process) + "-" + std::to_string(j);
      assert_non_null(FindDeviceByName(devices, name));
    }
  }
  assert_int_equal(EntriesIn(f.dir.path()), 2);
}

void ConcurrentStateUpdatesLoseNothing(void**) {
  Fixture f;
  f.Enroll();
  const std::string path_template = f.dir.File("%u.totp");
  RunInProcesses(4, [&](int) {
    std::unique_ptr<Store> store = OpenStore(path_template);
    for (int j = 0; j < 25; ++j) {
      Status s = store->UpdateState("alice", [](const auto&, UserState& state) {
        ++state.failures;
        return Status::Ok();
      });
      if (!s.ok()) return false;
    }
    return true;
  });
  Enrollment devices;
  UserState state;
  ExpectOk(f.store->ReadState("alice", devices, state));
  assert_int_equal(state.failures, 100);
}

}  // namespace
}  // namespace pamtotp

int main() {
  using namespace pamtotp;  // NOLINT(google-build-using-namespace)
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(UserWithoutDevicesReadsEmptyAndCreatesNothing),
      cmocka_unit_test(AddedDevicesReadBackWithPrivateFiles),
      cmocka_unit_test(StatePersistsAcrossStoreObjects),
      cmocka_unit_test(RemovingTheLastDeviceRemovesBothFiles),
      cmocka_unit_test(FailedEditWritesNothing),
      cmocka_unit_test(EditThatDuplicatesANameWritesNothing),
      cmocka_unit_test(EditLeavingANewUserWithoutDevicesCreatesNothing),
      cmocka_unit_test(RefusesDevicesFileOthersCanRead),
      cmocka_unit_test(RefusesSymlinks),
      cmocka_unit_test(RefusesDirectoryOrFifoAsDevicesFile),
      cmocka_unit_test(RefusesHardLinkedDevicesFile),
      cmocka_unit_test(RefusesFilesOwnedByAnotherUser),
      cmocka_unit_test(CorruptDevicesFileNamesPathAndLine),
      cmocka_unit_test(DamagedStateFileIsCorruption),
      cmocka_unit_test(RefusesStoreDirectoryOthersCanWrite),
      cmocka_unit_test(RefusesUnsafeDirectoriesAboveTheStore),
      cmocka_unit_test(MissingFixedStoreDirectoryIsAnError),
      cmocka_unit_test(MissingPerUserDirectoryReadsAsNoDevices),
      cmocka_unit_test(RefusesHostileUserNamesAndTemplates),
      cmocka_unit_test(LeftoverTempFileDoesNotBreakWrites),
      cmocka_unit_test(HomeTemplatesAreOpenedPerUser),
      cmocka_unit_test(UserWithoutPasswdEntryHasNoDevices),
      cmocka_unit_test(UserStoreTrustsTheUserAndRoot),
      cmocka_unit_test(PermissionErrorsArePermissionDenied),
      cmocka_unit_test(ConcurrentEditsLoseNothing),
      cmocka_unit_test(ConcurrentStateUpdatesLoseNothing),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
