// The directory backend of Store (pam_totp-ldap(5)), built into its own shared object
// (ldap_store.so) that core/store_open.cc loads for "store = ldap". One connection per Store,
// opened and bound by the exported pamtotp_ldap_open_v1.
//
// Serialisation without locks: every write to an account moves pamTotpSerial by deleting its
// old value and adding the next in the same modify as the change itself (and deletes the exact
// old values of what it changes, the used-step watermark included). An LDAP modify is atomic
// on its entry, so if another host wrote first the server refuses the delete (noSuchAttribute)
// and nothing is written; the caller's updater is run again on what the directory now holds.
// Of two hosts given one code at once, exactly one moves the watermark.
#include <ldap.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <signal.h>
#include <strings.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "core/ldap_format.h"
#include "core/ldap_plugin.h"
#include "core/safe_file.h"
#include "core/store.h"
#include "core/store_format.h"

namespace pamtotp {
namespace {

using ldap::Account;
using ldap::Attribute;
using ldap::Entry;

// How often a write is retried after other hosts changed the account first.
constexpr int kMaxAttempts = 24;

// Before attempt `attempt` (from 1): a random pause of up to 2^attempt ms (at most 128 ms), so
// that hosts that keep colliding on one account spread out instead of colliding again.
void BackOff(int attempt) {
  if (attempt == 0) return;
  const unsigned limit_ms = 1u << std::min(attempt, 7);
  unsigned char byte = 0;
  if (RAND_bytes(&byte, 1) != 1) byte = static_cast<unsigned char>(attempt * 37);
  const long ns = static_cast<long>(byte % limit_ms) * 1000000L + 100000L;
  timespec pause{0, ns};
  while (nanosleep(&pause, &pause) != 0 && errno == EINTR) {
  }
}

// libldap writes to sockets the server may have closed. sshd and sudo do not all ignore
// SIGPIPE, so it is blocked on this thread while libldap runs, and one it raised is consumed.
class NoSigpipe {
 public:
  NoSigpipe() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~NoSigpipe() {
    if (!was_pending_) {
      const timespec zero{};
      while (sigtimedwait(&pipe_, nullptr, &zero) > 0) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  NoSigpipe(const NoSigpipe&) = delete;
  NoSigpipe& operator=(const NoSigpipe&) = delete;

 private:
  sigset_t pipe_{};
  sigset_t old_{};
  bool was_pending_ = false;
};

// A list of modifications for ldap_modify_ext_s / ldap_add_ext_s. The values stay where they
// are (the caller keeps them alive until the call); only the pointer arrays are built here.
class Mods {
 public:
  void Add(int op, const std::string& name, const std::vector<std::string>& values) {
    items_.push_back(Item{op, name, &values});
  }
  void Add(int op, const Attribute& attribute) { Add(op, attribute.name, attribute.values); }
  bool empty() const { return items_.empty(); }

  LDAPMod** Build() {
    vals_.assign(items_.size(), {});
    bvals_.assign(items_.size(), {});
    mods_.assign(items_.size(), LDAPMod{});
    list_.clear();
    for (size_t i = 0; i < items_.size(); ++i) {
      for (const std::string& v : *items_[i].values) {
        vals_[i].push_back(berval{v.size(), const_cast<char*>(v.data())});
      }
      for (berval& b : vals_[i]) bvals_[i].push_back(&b);
      bvals_[i].push_back(nullptr);
      mods_[i].mod_op = items_[i].op | LDAP_MOD_BVALUES;
      mods_[i].mod_type = const_cast<char*>(items_[i].name.c_str());
      mods_[i].mod_vals.modv_bvals = bvals_[i].data();
      list_.push_back(&mods_[i]);
    }
    list_.push_back(nullptr);
    return list_.data();
  }

 private:
  struct Item {
    int op;
    std::string name;
    const std::vector<std::string>* values;
  };
  std::vector<Item> items_;
  std::vector<std::vector<berval>> vals_;
  std::vector<std::vector<berval*>> bvals_;
  std::vector<LDAPMod> mods_;
  std::vector<LDAPMod*> list_;
};

// Whether two DNs name one entry, as far as the client can tell: after normalisation (spaces,
// escapes), compared without case. The server reports the DN as it stores it.
bool SameDn(const char* a, const std::string& b) {
  char* na = nullptr;
  char* nb = nullptr;
  bool same = false;
  if (ldap_dn_normalize(a, LDAP_DN_FORMAT_LDAP, &na, LDAP_DN_FORMAT_LDAPV3) == LDAP_SUCCESS &&
      ldap_dn_normalize(b.c_str(), LDAP_DN_FORMAT_LDAP, &nb, LDAP_DN_FORMAT_LDAPV3) ==
          LDAP_SUCCESS) {
    same = strcasecmp(na, nb) == 0;
  }
  ldap_memfree(na);
  ldap_memfree(nb);
  return same;
}

bool IsConflict(int rc) {
  return rc == LDAP_NO_SUCH_ATTRIBUTE || rc == LDAP_TYPE_OR_VALUE_EXISTS ||
         rc == LDAP_CONSTRAINT_VIOLATION || rc == LDAP_NO_SUCH_OBJECT || rc == LDAP_ALREADY_EXISTS;
}

bool Contains(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

// Deletes the exact old values that are gone and adds the new ones: the server refuses the
// delete if another writer changed them first.
void AddChange(Mods& mods, const Attribute& before, const Attribute& after,
               std::vector<std::unique_ptr<std::vector<std::string>>>& keep) {
  auto gone = std::make_unique<std::vector<std::string>>();
  auto added = std::make_unique<std::vector<std::string>>();
  for (const std::string& v : before.values) {
    if (!Contains(after.values, v)) gone->push_back(v);
  }
  for (const std::string& v : after.values) {
    if (!Contains(before.values, v)) added->push_back(v);
  }
  if (!gone->empty()) mods.Add(LDAP_MOD_DELETE, after.name, *gone);
  if (!added->empty()) mods.Add(LDAP_MOD_ADD, after.name, *added);
  keep.push_back(std::move(gone));
  keep.push_back(std::move(added));
}

bool SameDevice(const Device& a, const Device& b) {
  return a.name == b.name && a.secret.view() == b.secret.view() && a.algorithm == b.algorithm &&
         a.digits == b.digits && a.period == b.period && a.created == b.created &&
         a.type == b.type && a.counter == b.counter;
}

const Device* FindById(const std::vector<Device>& devices, const std::string& id) {
  for (const Device& d : devices) {
    if (d.id == id) return &d;
  }
  return nullptr;
}

class LdapStore final : public Store {
 public:
  LdapStore(LDAP* ld, const LdapConfig& config) : ld_(ld), config_(config) {}
  ~LdapStore() override {
    NoSigpipe guard;
    ldap_unbind_ext_s(ld_, nullptr, nullptr);
  }
  LdapStore(const LdapStore&) = delete;
  LdapStore& operator=(const LdapStore&) = delete;

  Status Bind();

  Result<Enrollment> ReadDevices(std::string_view user) override;
  Status ReadState(std::string_view user, Enrollment& enrollment, UserState& state) override;
  Status EditDevices(std::string_view user, const DeviceEditor& edit) override;
  Status UpdateState(std::string_view user, const StateUpdater& update) override;
  std::string Describe(std::string_view user) const override;

 private:
  Status Error(int rc, const std::string& what) const;
  Status CheckMatchedBase() const;
  Result<std::string> Dn(std::string_view user) const {
    return ldap::AccountDn(user, config_.base);
  }
  Result<Account> Read(const std::string& dn);
  int Modify(const std::string& dn, Mods& mods);
  int AddEntry(const std::string& dn, const std::vector<Attribute>& attributes);
  int Delete(const std::string& dn);
  Status WriteDevices(const std::string& dn, const Enrollment& before, const Enrollment& after);

  LDAP* ld_;
  LdapConfig config_;
};

Status LdapStore::Error(int rc, const std::string& what) const {
  std::string message =
      "directory " + config_.uris.front() + ": " + what + ": " + ldap_err2string(rc);
  char* diagnostic = nullptr;
  if (ldap_get_option(ld_, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diagnostic) == LDAP_OPT_SUCCESS &&
      diagnostic != nullptr) {
    if (*diagnostic != '\0') message += std::string(" (") + diagnostic + ")";
    ldap_memfree(diagnostic);
  }
  switch (rc) {
    case LDAP_SERVER_DOWN:
    case LDAP_TIMEOUT:
    case LDAP_CONNECT_ERROR:
    case LDAP_UNAVAILABLE:
    case LDAP_BUSY:
    case LDAP_TIMELIMIT_EXCEEDED:
      return Status::Unavailable(message);
    case LDAP_INVALID_CREDENTIALS:
    case LDAP_INSUFFICIENT_ACCESS:
    case LDAP_STRONG_AUTH_REQUIRED:
    case LDAP_CONFIDENTIALITY_REQUIRED:
    case LDAP_INAPPROPRIATE_AUTH:
      return Status::PermissionDenied(message);
    default:
      return Status::IOError(message);
  }
}

Status LdapStore::CheckMatchedBase() const {
  char* matched = nullptr;
  if (ldap_get_option(ld_, LDAP_OPT_MATCHED_DN, &matched) != LDAP_OPT_SUCCESS) matched = nullptr;
  const bool same = matched != nullptr && SameDn(matched, config_.base);
  if (matched != nullptr) ldap_memfree(matched);
  if (same) return Status::Ok();
  return Status::PermissionDenied(
      "directory " + config_.uris.front() + ": the base " + config_.base +
      " is not visible to this host: check ldap_base, and that the host's identity may read the "
      "accounts (see acl-example.ldif)");
}

Result<Account> LdapStore::Read(const std::string& dn) {
  NoSigpipe guard;
  timeval timeout{config_.timeout, 0};
  LDAPMessage* raw = nullptr;
  int rc = ldap_search_ext_s(ld_, dn.c_str(), LDAP_SCOPE_SUBTREE, "(objectClass=*)",
                             const_cast<char**>(ldap::SearchAttributes().data()), 0, nullptr,
                             nullptr, &timeout, static_cast<int>(kMaxDevices) + 2, &raw);
  std::unique_ptr<LDAPMessage, int (*)(LDAPMessage*)> result(raw, ldap_msgfree);
  if (rc == LDAP_NO_SUCH_OBJECT) {
    // No account, if the server says the base exists. A base this host cannot see (a typo in
    // ldap_base, an identity the ACLs leave out) looks the same to a search, and must not make
    // every user look unenrolled.
    if (Status s = CheckMatchedBase(); !s.ok()) return s;
    return Account{};
  }
  if (rc == LDAP_SIZELIMIT_EXCEEDED) {
    return Status::Corruption("directory entry " + dn + ": more entries below it than " +
                              std::to_string(kMaxDevices) + " devices");
  }
  if (rc != LDAP_SUCCESS) return Error(rc, "cannot read " + dn);
  std::vector<Entry> entries;
  for (LDAPMessage* e = ldap_first_entry(ld_, result.get()); e != nullptr;
       e = ldap_next_entry(ld_, e)) {
    Entry entry;
    if (char* entry_dn = ldap_get_dn(ld_, e)) {
      entry.dn = entry_dn;
      ldap_memfree(entry_dn);
    }
    BerElement* ber = nullptr;
    for (char* name = ldap_first_attribute(ld_, e, &ber); name != nullptr;
         name = ldap_next_attribute(ld_, e, ber)) {
      Attribute attribute(name, {});
      ldap_memfree(name);
      if (berval** values = ldap_get_values_len(ld_, e, attribute.name.c_str())) {
        for (berval** v = values; *v != nullptr; ++v) {
          attribute.values.emplace_back((*v)->bv_val, (*v)->bv_len);
          OPENSSL_cleanse((*v)->bv_val, (*v)->bv_len);
        }
        ldap_value_free_len(values);
      }
      entry.attributes.push_back(std::move(attribute));
    }
    if (ber != nullptr) ber_free(ber, 0);
    entries.push_back(std::move(entry));
  }
  return ldap::ParseAccount(entries);
}

int LdapStore::Modify(const std::string& dn, Mods& mods) {
  NoSigpipe guard;
  return ldap_modify_ext_s(ld_, dn.c_str(), mods.Build(), nullptr, nullptr);
}

int LdapStore::AddEntry(const std::string& dn, const std::vector<Attribute>& attributes) {
  Mods mods;
  for (const Attribute& a : attributes) mods.Add(LDAP_MOD_ADD, a);
  NoSigpipe guard;
  return ldap_add_ext_s(ld_, dn.c_str(), mods.Build(), nullptr, nullptr);
}

int LdapStore::Delete(const std::string& dn) {
  NoSigpipe guard;
  return ldap_delete_ext_s(ld_, dn.c_str(), nullptr, nullptr);
}

Result<Enrollment> LdapStore::ReadDevices(std::string_view user) {
  Result<std::string> dn = Dn(user);
  if (!dn.ok()) return dn.status();
  Result<Account> account = Read(*dn);
  if (!account.ok()) return account.status();
  return std::move(account->enrollment);
}

Status LdapStore::ReadState(std::string_view user, Enrollment& enrollment, UserState& state) {
  Result<std::string> dn = Dn(user);
  if (!dn.ok()) return dn.status();
  Result<Account> account = Read(*dn);
  if (!account.ok()) return account.status();
  enrollment = std::move(account->enrollment);
  state = std::move(account->state);
  return Status::Ok();
}

Status LdapStore::UpdateState(std::string_view user, const StateUpdater& update) {
  Result<std::string> dn = Dn(user);
  if (!dn.ok()) return dn.status();
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    BackOff(attempt);
    Result<Account> account = Read(*dn);
    if (!account.ok()) return account.status();
    UserState state = account->state;
    if (Status s = update(account->enrollment, state); !s.ok()) return s;
    if (!account->exists) return Status::Ok();  // no devices: nothing is created
    std::vector<Attribute> before = ldap::StateAttributes(account->state);
    std::vector<Attribute> after = ldap::StateAttributes(state);
    Mods mods;
    std::vector<std::unique_ptr<std::vector<std::string>>> keep;
    for (size_t i = 0; i < after.size(); ++i) AddChange(mods, before[i], after[i], keep);
    if (mods.empty()) return Status::Ok();
    const std::vector<std::string> old_serial{std::to_string(account->serial)};
    const std::vector<std::string> new_serial{std::to_string(account->serial + 1)};
    mods.Add(LDAP_MOD_DELETE, ldap::kSerialAttr, old_serial);
    mods.Add(LDAP_MOD_ADD, ldap::kSerialAttr, new_serial);
    int rc = Modify(*dn, mods);
    if (rc == LDAP_SUCCESS) return Status::Ok();
    if (!IsConflict(rc)) return Error(rc, "cannot update the login state of " + *dn);
  }
  // Not Unavailable: the directory answered, and a PAM stack may let an unreachable one pass.
  return Status::IOError("directory: the login state of " + *dn + " changed " +
                         std::to_string(kMaxAttempts) +
                         " times while this login tried to record it");
}

Status LdapStore::EditDevices(std::string_view user, const DeviceEditor& edit) {
  Result<std::string> dn = Dn(user);
  if (!dn.ok()) return dn.status();
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    BackOff(attempt);
    Result<Account> account = Read(*dn);
    if (!account.ok()) return account.status();
    Enrollment edited = account->enrollment.Clone();
    if (Status s = edit(edited); !s.ok()) return s;
    // The file format's checks (names and ids unique, limits, valid fields) apply here too.
    if (Result<SecretBytes> check = SerializeDeviceFile(edited); !check.ok()) {
      return check.status();
    }
    // As in the file store, the last device takes the account (state, recovery set) with it.
    const bool empty = edited.devices.empty();
    if (!account->exists) {
      if (empty) return Status::Ok();
      Result<std::vector<Attribute>> attributes = ldap::NewAccountAttributes(user, edited);
      if (!attributes.ok()) return attributes.status();
      int rc = AddEntry(*dn, *attributes);
      if (rc == LDAP_ALREADY_EXISTS) continue;  // another host enrolled first: read again
      if (rc != LDAP_SUCCESS) return Error(rc, "cannot create " + *dn);
    } else {
      // Claim the change first: if another editor moved the serial since the read, start over.
      Mods mods;
      std::vector<std::unique_ptr<std::vector<std::string>>> keep;
      Result<Attribute> old_recovery = ldap::RecoveryAttribute(account->enrollment);
      Result<Attribute> new_recovery = ldap::RecoveryAttribute(edited);
      if (!old_recovery.ok()) return old_recovery.status();
      if (!new_recovery.ok()) return new_recovery.status();
      AddChange(mods, *old_recovery, *new_recovery, keep);
      // The watermarks of removed devices go with them.
      UserState state = account->state;
      std::erase_if(state.devices, [&](const DeviceState& d) {
        return FindById(edited.devices, d.id) == nullptr;
      });
      std::vector<Attribute> before = ldap::StateAttributes(account->state);
      std::vector<Attribute> after = ldap::StateAttributes(state);
      for (size_t i = 0; i < after.size(); ++i) AddChange(mods, before[i], after[i], keep);
      const std::vector<std::string> old_serial{std::to_string(account->serial)};
      const std::vector<std::string> new_serial{std::to_string(account->serial + 1)};
      mods.Add(LDAP_MOD_DELETE, ldap::kSerialAttr, old_serial);
      mods.Add(LDAP_MOD_ADD, ldap::kSerialAttr, new_serial);
      int rc = Modify(*dn, mods);
      if (IsConflict(rc)) continue;
      if (rc != LDAP_SUCCESS) return Error(rc, "cannot update " + *dn);
    }
    if (Status s = WriteDevices(*dn, account->enrollment, edited); !s.ok()) return s;
    if (empty) {
      int rc = Delete(*dn);
      if (rc != LDAP_SUCCESS && rc != LDAP_NO_SUCH_OBJECT && rc != LDAP_NOT_ALLOWED_ON_NONLEAF) {
        return Error(rc, "cannot remove " + *dn);
      }
    }
    return Status::Ok();
  }
  return Status::IOError("directory: " + *dn + " changed " + std::to_string(kMaxAttempts) +
                         " times while this edit tried to save it");
}

Status LdapStore::WriteDevices(const std::string& dn, const Enrollment& before,
                               const Enrollment& after) {
  for (const Device& d : before.devices) {
    if (FindById(after.devices, d.id) != nullptr) continue;
    int rc = Delete(ldap::DeviceDn(d.id, dn));
    if (rc != LDAP_SUCCESS && rc != LDAP_NO_SUCH_OBJECT) {
      return Error(rc, "cannot remove device '" + d.name + "'");
    }
  }
  for (const Device& d : after.devices) {
    const Device* old = FindById(before.devices, d.id);
    if (old != nullptr && SameDevice(*old, d)) continue;
    Result<std::vector<Attribute>> attributes = ldap::DeviceAttributes(d);
    if (!attributes.ok()) return attributes.status();
    const std::string device_dn = ldap::DeviceDn(d.id, dn);
    int rc = LDAP_SUCCESS;
    if (old == nullptr) {
      rc = AddEntry(device_dn, *attributes);
    } else {
      Mods mods;  // everything but objectClass and the id, which name the entry
      for (const Attribute& a : *attributes) {
        if (a.name != "objectClass" && a.name != ldap::kDeviceIdAttr) {
          mods.Add(LDAP_MOD_REPLACE, a);
        }
      }
      static const std::vector<std::string> kNone;
      if (d.type == OtpType::kTotp) mods.Add(LDAP_MOD_REPLACE, ldap::kCounterAttr, kNone);
      rc = Modify(device_dn, mods);
    }
    if (rc != LDAP_SUCCESS) return Error(rc, "cannot save device '" + d.name + "'");
  }
  return Status::Ok();
}

std::string LdapStore::Describe(std::string_view user) const {
  Result<std::string> dn = Dn(user);
  return config_.uris.front() + " " + (dn.ok() ? *dn : std::string(config_.base));
}

Result<std::string> ReadPassword(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == 0 ? "/" : path.substr(0, slash);
  Result<UniqueFd> dir_fd = OpenSafeDirectory(dir, TrustedOwner::Root());
  if (!dir_fd.ok()) return dir_fd.status().WithContext("ldap_bind_password_file");
  Result<SecretBytes> text =
      ReadSafeFile(dir_fd->get(), path.substr(slash + 1), path, 4096, TrustedOwner::Root());
  if (!text.ok()) return text.status().WithContext("ldap_bind_password_file");
  std::string_view password = text->view();
  while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) {
    password.remove_suffix(1);
  }
  if (password.empty())
    return Status::InvalidArgument("ldap_bind_password_file " + path + " is empty");
  return std::string(password);
}

Status LdapStore::Bind() {
  const std::string& uri = config_.uris.front();
  const bool plain = uri.starts_with("ldap://");
  NoSigpipe guard;
  if (plain && config_.tls) {
    int rc = ldap_start_tls_s(ld_, nullptr, nullptr);
    if (rc != LDAP_SUCCESS) {
      return Error(rc == LDAP_CONNECT_ERROR || rc == LDAP_SERVER_DOWN ? rc : LDAP_UNAVAILABLE,
                   "StartTLS failed (ldap_tls = yes requires it)");
    }
  }
  int rc = LDAP_SUCCESS;
  if (config_.sasl_external) {
    // An empty initial response (no authorization identity): the identity is the one the
    // certificate or the ldapi peer credentials prove. A null one would be no response at
    // all, and the server would answer with a challenge.
    char empty[] = "";
    berval none{0, empty};
    rc = ldap_sasl_bind_s(ld_, nullptr, "EXTERNAL", &none, nullptr, nullptr, nullptr);
  } else {
    Result<std::string> password = ReadPassword(config_.password_file);
    if (!password.ok()) return password.status();
    berval cred{password->size(), password->data()};
    rc = ldap_sasl_bind_s(ld_, config_.bind_dn.c_str(), LDAP_SASL_SIMPLE, &cred, nullptr, nullptr,
                          nullptr);
    OPENSSL_cleanse(password->data(), password->size());
  }
  if (rc != LDAP_SUCCESS) {
    return Error(rc, config_.sasl_external ? "SASL EXTERNAL bind failed"
                                           : "bind as " + config_.bind_dn + " failed");
  }
  return Status::Ok();
}

Status SetOption(LDAP* ld, int option, const void* value, const char* name) {
  if (ldap_set_option(ld, option, value) != LDAP_OPT_SUCCESS) {
    return Status::Internal(std::string("libldap refused the option ") + name);
  }
  return Status::Ok();
}

Result<std::unique_ptr<LdapStore>> Connect(const LdapConfig& config) {
  if (config.uris.empty()) {
    return Status::InvalidArgument("store = ldap needs ldap_uri in pam_totp.conf");
  }
  if (config.base.empty()) {
    return Status::InvalidArgument("store = ldap needs ldap_base in pam_totp.conf");
  }
  if (!config.sasl_external && (config.bind_dn.empty() || config.password_file.empty())) {
    return Status::InvalidArgument(
        "store = ldap needs ldap_bind_dn and ldap_bind_password_file, or ldap_sasl_mech = "
        "EXTERNAL, in pam_totp.conf");
  }
  std::string uris;
  for (const std::string& uri : config.uris) uris += (uris.empty() ? "" : " ") + uri;
  LDAP* ld = nullptr;
  if (int rc = ldap_initialize(&ld, uris.c_str()); rc != LDAP_SUCCESS || ld == nullptr) {
    return Status::InvalidArgument("ldap_uri '" + uris + "': " + ldap_err2string(rc));
  }
  auto store = std::make_unique<LdapStore>(ld, config);
  // Every option that matters is set on this handle, over whatever ldap.conf or the
  // environment said: version 3, no referrals, bounded waits, certificates checked.
  const int version = LDAP_VERSION3;
  const timeval timeout{config.timeout, 0};
  const int demand = LDAP_OPT_X_TLS_DEMAND;
  const int new_context = 0;
  for (Status s : {SetOption(ld, LDAP_OPT_PROTOCOL_VERSION, &version, "version"),
                   SetOption(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF, "referrals"),
                   SetOption(ld, LDAP_OPT_NETWORK_TIMEOUT, &timeout, "network timeout"),
                   SetOption(ld, LDAP_OPT_TIMEOUT, &timeout, "timeout"),
                   SetOption(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand, "TLS require cert")}) {
    if (!s.ok()) return s;
  }
  struct PathOption {
    const std::string& value;
    int option;
    const char* name;
  };
  for (const PathOption& p : {PathOption{config.ca_file, LDAP_OPT_X_TLS_CACERTFILE, "CA file"},
                              PathOption{config.cert_file, LDAP_OPT_X_TLS_CERTFILE, "cert file"},
                              PathOption{config.key_file, LDAP_OPT_X_TLS_KEYFILE, "key file"}}) {
    if (p.value.empty()) continue;
    if (Status s = SetOption(ld, p.option, p.value.c_str(), p.name); !s.ok()) return s;
  }
  if (Status s = SetOption(ld, LDAP_OPT_X_TLS_NEWCTX, &new_context, "TLS context"); !s.ok()) {
    return Status::InvalidArgument(
        "the TLS settings (ldap_ca_file, ldap_cert_file, ldap_key_file) cannot be used; check "
        "that the files exist and are PEM");
  }
  if (Status s = store->Bind(); !s.ok()) return s;
  return store;
}

}  // namespace
}  // namespace pamtotp

extern "C" __attribute__((visibility("default"))) int pamtotp_ldap_open_v1(
    const char* abi, size_t sizes, const pamtotp::LdapConfig* config, pamtotp::Store** store,
    pamtotp::Status* error) noexcept {
  using pamtotp::Status;
  try {
    if (abi == nullptr || std::strcmp(abi, pamtotp::kLdapPluginAbi) != 0 ||
        sizes != pamtotp::kLdapPluginSizes) {
      *error = Status::Internal(
          "the directory backend was built from another version of pam_totp; reinstall it");
      return 0;
    }
    pamtotp::Result<std::unique_ptr<pamtotp::LdapStore>> opened = pamtotp::Connect(*config);
    if (!opened.ok()) {
      *error = opened.status();
      return 0;
    }
    *store = std::move(opened).value().release();
    return 1;
  } catch (...) {
    *error = Status::Internal("the directory backend failed (out of memory?)");
    return 0;
  }
}
