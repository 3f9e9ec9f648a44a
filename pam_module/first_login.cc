#include "pam_module/first_login.h"

#include <dlfcn.h>
#include <openssl/crypto.h>
#include <pwd.h>
#include <qrencode.h>
#include <security/pam_ext.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <vector>

#include "core/base32.h"
#include "core/otpauth_uri.h"
#include "core/qr_text.h"
#include "core/random.h"
#include "core/verifier.h"

namespace pamtotp::pam {
namespace {

constexpr int kTries = 3;

// libqrencode, loaded only for an enrollment: sshd and sudo do not pay for it on every login.
class QrEncoder {
 public:
  QrEncoder() : handle_(dlopen("libqrencode.so.4", RTLD_NOW | RTLD_LOCAL)) {
    if (handle_ == nullptr) return;
    encode_ = reinterpret_cast<Encode>(dlsym(handle_, "QRcode_encodeString"));
    free_ = reinterpret_cast<Free>(dlsym(handle_, "QRcode_free"));
  }
  ~QrEncoder() {
    if (handle_ != nullptr) dlclose(handle_);
  }
  QrEncoder(const QrEncoder&) = delete;
  QrEncoder& operator=(const QrEncoder&) = delete;

  // The QR code of `text` drawn as text, or empty if libqrencode is not available.
  SecretBytes Draw(const SecretBytes& text) const {
    if (encode_ == nullptr || free_ == nullptr) return {};
    SecretBytes terminated = text.Clone();
    terminated.push_back('\0');
    QRcode* code =
        encode_(reinterpret_cast<const char*>(terminated.data()), 0, QR_ECLEVEL_L, QR_MODE_8, 1);
    if (code == nullptr) return {};
    SecretBytes drawing = DrawQrHalfBlocks(code->width, code->data);
    OPENSSL_cleanse(code->data,
                    static_cast<size_t>(code->width) * static_cast<size_t>(code->width));
    free_(code);
    return drawing;
  }

 private:
  using Encode = QRcode* (*)(const char*, int, QRecLevel, QRencodeMode, int);
  using Free = void (*)(QRcode*);
  void* handle_;
  Encode encode_ = nullptr;
  Free free_ = nullptr;
};

struct ReplyDeleter {
  void operator()(char* reply) const {
    OPENSSL_cleanse(reply, std::strlen(reply));
    std::free(reply);
  }
};

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "pam_totp";
  std::string host(name);
  return host.substr(0, host.find('.'));
}

// What the person sees: how to proceed, the QR code, the key in groups of four, the URI.
Result<SecretBytes> Instructions(const Attempt& attempt, const Options& options,
                                 const Device& device) {
  OtpauthKey key;
  key.issuer = options.config.issuer.empty() ? HostName() : options.config.issuer;
  key.account = attempt.user();
  key.secret = device.secret.Clone();
  Result<SecretBytes> uri = BuildOtpauthUri(key);
  if (!uri.ok()) return uri.status();
  SecretBytes text = SecretBytes::FromString(
      "You have no authenticator device yet. Scan this QR code with your authenticator app, or "
      "add the key by hand, then type the code the app shows.\n\n");
  text.Append(QrEncoder().Draw(*uri));
  text.Append("\nKey: ");
  SecretBytes base32 = Base32Encode(device.secret.bytes());
  for (size_t i = 0; i < base32.size(); ++i) {
    if (i > 0 && i % 4 == 0) text.push_back(' ');
    text.push_back(static_cast<char>(base32.data()[i]));
  }
  text.Append("\nURI: ");
  text.Append(*uri);
  return text;
}

Status Save(Store& store, const std::string& user, const Device& device) {
  return store.EditDevices(user, [&](Enrollment& enrollment) {
    if (!enrollment.devices.empty()) {
      return Status::AlreadyExists("a device was enrolled meanwhile");
    }
    enrollment.devices.push_back(device.Clone());
    return Status::Ok();
  });
}

// True if the user database (files, LDAP, SSSD...) knows `user`. A name nobody has must not
// get a device, whatever the modules before this one said.
Result<bool> UserExists(const std::string& user) {
  struct passwd pw;
  struct passwd* found = nullptr;
  std::vector<char> buf(16384);
  int err = getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found);
  if (found != nullptr) return true;
  if (err == 0 || err == ENOENT || err == ESRCH) return false;
  return Status::IOError("cannot look up the user: " + std::string(std::strerror(err)));
}

}  // namespace

Decision EnrollOnFirstLogin(const Attempt& attempt, const Options& options, Store& store) {
  Result<bool> exists = UserExists(attempt.user());
  if (!exists.ok() || !*exists) {
    attempt.Log(LOG_WARNING,
                "first-login enrollment refused: " +
                    (exists.ok() ? std::string("no such user") : exists.status().message()) +
                    "; denied");
    return Decision::kDeny;
  }
  Result<SecretBytes> secret = GenerateSecret(HashAlgorithm::kSha1);
  Result<std::string> id = GenerateDeviceId();
  if (!secret.ok() || !id.ok()) {
    attempt.Log(LOG_ERR, "first-login enrollment: no random bytes; denied");
    return Decision::kDeny;
  }
  Device device{*id, "device", std::move(secret).value(), HashAlgorithm::kSha1,
                6,   30,       std::time(nullptr)};
  Result<SecretBytes> text = Instructions(attempt, options, device);
  if (!text.ok()) {
    attempt.Log(LOG_ERR, "first-login enrollment: " + text.status().message() + "; denied");
    return Decision::kDeny;
  }
  text->push_back('\0');
  if (pam_info(attempt.pamh(), "%s", reinterpret_cast<const char*>(text->data())) != PAM_SUCCESS) {
    return Decision::kConversationError;
  }
  for (int attempt_number = 1; attempt_number <= kTries; ++attempt_number) {
    char* raw = nullptr;
    int rc = pam_prompt(attempt.pamh(), PAM_PROMPT_ECHO_ON, &raw, "Code from your app: ");
    std::unique_ptr<char, ReplyDeleter> reply(raw);
    if (rc != PAM_SUCCESS || raw == nullptr) return Decision::kConversationError;
    const int64_t now = std::time(nullptr);
    Result<SecretBytes> code = NormalizeCode(raw);
    Result<bool> match =
        code.ok() ? IsCurrentCode(device, *code, now, options.config.window) : Result<bool>(false);
    if (!match.ok() || !*match) {
      pam_error(attempt.pamh(), "That code does not match; check the phone's clock.");
      continue;
    }
    if (Status s = Save(store, attempt.user(), device); !s.ok()) {
      attempt.Log(LOG_ERR,
                  "first-login enrollment could not save the device: " + s.message() + "; denied");
      return Decision::kDeny;
    }
    if (Status s =
            MarkCodeUsed(store, attempt.user(), device.id, *code, now, options.config.window);
        !s.ok()) {
      attempt.Log(LOG_ERR,
                  "first-login enrollment saved the device but could not mark the code "
                  "used: " +
                      s.message());
    }
    attempt.Log(LOG_NOTICE, "enrolled device 'device' at first login (trust on first use)");
    return Decision::kAllow;
  }
  attempt.Log(LOG_WARNING, "first-login enrollment: no matching code in " + std::to_string(kTries) +
                               " tries; nothing saved; denied");
  return Decision::kDeny;
}

}  // namespace pamtotp::pam
