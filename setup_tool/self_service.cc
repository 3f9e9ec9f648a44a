#include "setup_tool/self_service.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "core/safe_file.h"
#include "core/store_path.h"
#include "setup_tool/terminal.h"

namespace pamtotp::totpctl {
namespace {

Status NotInstalled(const std::string& why) {
  return Status::NotFound("self-service is not available here (" + why +
                          "); ask your administrator to enroll you, or to install "
                          "totpctl-helper setuid root");
}

// Writes the request to the helper and reads its whole reply from the same socket.
Result<SecretBytes> Exchange(int fd, const SecretBytes& request) {
  std::string_view out = request.view();
  while (!out.empty()) {
    ssize_t n = send(fd, out.data(), out.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the helper quit early; its reply or exit status says why
    out.remove_prefix(static_cast<size_t>(n));
  }
  shutdown(fd, SHUT_WR);
  SecretBytes reply(helper::kMaxReplySize + 1);
  size_t total = 0;
  while (total < reply.size()) {
    ssize_t n = read(fd, reply.data() + total, reply.size() - total);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus("cannot read totpctl-helper's reply", errno);
    if (n == 0) break;
    total += static_cast<size_t>(n);
  }
  reply.Truncate(total);
  return reply;
}

// Runs the helper on one end of a socket pair (its standard input and output); standard error
// stays ours. Its environment is empty: it would clear it anyway.
Result<SecretBytes> RunHelper(const SecretBytes& request, int& exit_status) {
  const std::string path(HelperPath());
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    return ErrnoStatus("cannot create a socket for totpctl-helper", errno);
  }
  UniqueFd ours(sv[0]), theirs(sv[1]);
  char arg0[] = "totpctl-helper";
  char* argv[] = {arg0, nullptr};
  char* envp[] = {nullptr};
  pid_t pid = fork();
  if (pid < 0) return ErrnoStatus("cannot start totpctl-helper", errno);
  if (pid == 0) {
    if (dup2(theirs.get(), 0) == 0 && dup2(theirs.get(), 1) == 1) execve(path.c_str(), argv, envp);
    _exit(127);
  }
  theirs.Reset();
  Result<SecretBytes> reply = Exchange(ours.get(), request);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return reply;
}

Status Field(const helper::Message& reply, std::string_view key, int64_t low, int64_t high,
             int64_t& out) {
  const SecretBytes* value = reply.Get(key);
  if (value == nullptr)
    return Status::Corruption("totpctl-helper's reply has no " + std::string(key));
  Result<int64_t> n = helper::ParseNumber(value->view(), low, high);
  if (!n.ok()) return n.status();
  out = *n;
  return Status::Ok();
}

// "<id> <created> <total>" and "<id> <used mask>".
Status ParseRecovery(const helper::Message& reply, Enrollment& enrollment, UserState& state) {
  if (const SecretBytes* set = reply.Get("recovery_set")) {
    std::string_view text = set->view();
    size_t a = text.find(' '), b = text.rfind(' ');
    if (a == b) return Status::Corruption("totpctl-helper's recovery_set is malformed");
    Result<int64_t> created = helper::ParseNumber(text.substr(a + 1, b - a - 1), 0, INT64_MAX);
    Result<int64_t> total = helper::ParseNumber(text.substr(b + 1), 1, kMaxRecoveryCodes);
    if (!created.ok() || !total.ok()) {
      return Status::Corruption("totpctl-helper's recovery_set is malformed");
    }
    RecoverySet recovery;
    recovery.id = std::string(text.substr(0, a));
    recovery.created = *created;
    recovery.hashes.resize(static_cast<size_t>(*total));
    enrollment.recovery = std::move(recovery);
  }
  if (const SecretBytes* used = reply.Get("recovery_used")) {
    std::string_view text = used->view();
    size_t space = text.find(' ');
    Result<int64_t> mask = helper::ParseNumber(
        space == std::string_view::npos ? "" : text.substr(space + 1), 0, UINT32_MAX);
    if (!mask.ok()) return Status::Corruption("totpctl-helper's recovery_used is malformed");
    state.recovery_id = std::string(text.substr(0, space));
    state.recovery_used = static_cast<uint32_t>(*mask);
  }
  return Status::Ok();
}

constexpr std::string_view kNoApproval = "no approval code was given; nothing was changed";

// The prompt and the answer, without a word about failure.
std::optional<SecretBytes> ReadApprovalCode(std::string_view change) {
  WriteErr("To approve " + std::string(change) +
           ", enter a current code from one of your devices, or a recovery code: ");
  SecretBytes code;
  ReadOutcome read = ReadLine(code, kMaxCodeInput);
  if (read != ReadOutcome::kLine) WriteErr("\n");
  if (read != ReadOutcome::kLine || code.empty()) return std::nullopt;
  return code;
}

class HelperStore final : public Store {
 public:
  Result<Enrollment> ReadDevices(std::string_view user) override {
    Enrollment enrollment;
    UserState state;
    if (Status s = ReadState(user, enrollment, state); !s.ok()) return s;
    return enrollment;
  }

  Status ReadState(std::string_view, Enrollment& enrollment, UserState& state) override {
    helper::Message request;
    request.verb = "status";
    Result<helper::Message> reply = CallHelper(request);
    if (!reply.ok()) return reply.status();
    enrollment = Enrollment();
    state = UserState();
    for (const SecretBytes* line : reply->GetAll("device")) {
      Device device;
      int64_t last_used = 0;
      if (Status s = helper::ParseDeviceSummary(line->view(), device, last_used); !s.ok()) {
        return s;
      }
      state.devices.push_back(DeviceState{device.id, 0, last_used});
      enrollment.devices.push_back(std::move(device));
    }
    int64_t failures = 0;
    if (Status s = Field(*reply, "failures", 0, UINT32_MAX, failures); !s.ok()) return s;
    state.failures = static_cast<uint32_t>(failures);
    if (Status s = Field(*reply, "last_failure", 0, INT64_MAX, state.last_failure); !s.ok()) {
      return s;
    }
    return ParseRecovery(*reply, enrollment, state);
  }

  Status EditDevices(std::string_view, const DeviceEditor&) override { return NeedsRoot(); }
  Status UpdateState(std::string_view, const StateUpdater&) override { return NeedsRoot(); }
  std::string Describe(std::string_view) const override {
    return "your records, through " + std::string(HelperPath());
  }

 private:
  static Status NeedsRoot() {
    return Status::PermissionDenied(
        "this change is not one users can make themselves; ask your administrator (sudo "
        "totpctl --user NAME ...)");
  }
};

}  // namespace

std::string_view HelperPath() { return PAMTOTP_HELPER_PATH; }

bool UsesHelper(const Options& options, const Config& config) {
  return getuid() != 0 && !options.store && !options.config_path && !options.user &&
         !TemplateUsesHome(config.store);
}

Result<helper::Message> CallHelper(const helper::Message& request) {
  Result<SecretBytes> text = helper::SerializeRequest(request);
  if (!text.ok()) return text.status();
  const std::string path(HelperPath());
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return NotInstalled(path + ": " + std::strerror(errno));
  if ((st.st_mode & S_ISUID) == 0 || st.st_uid != 0) {
    return NotInstalled(path + " is not setuid root");
  }
  int exit_status = 0;
  Result<SecretBytes> raw = RunHelper(*text, exit_status);
  if (!raw.ok()) return raw.status();
  Result<helper::Message> reply = helper::ParseReply(raw->view());
  if (!reply.ok()) {
    return Status::Internal(exit_status == 127 ? "cannot run " + path
                                               : "totpctl-helper failed (exit status " +
                                                     std::to_string(exit_status) + ")");
  }
  if (reply->verb == "error") return Status::PermissionDenied(reply->error);
  return reply;
}

std::unique_ptr<Store> OpenHelperStore() { return std::make_unique<HelperStore>(); }

std::optional<SecretBytes> AskForApproval(std::string_view change) {
  std::optional<SecretBytes> code = ReadApprovalCode(change);
  if (!code) Fail(kExitFailed, kNoApproval);
  return code;
}

int SelfServiceEnroll(Context& context, const Device& device, const SecretBytes* confirmation) {
  Result<Enrollment> enrolled = context.store->ReadDevices(context.user);
  if (!enrolled.ok()) return Fail(kExitFailed, enrolled.status().message());
  const bool has_devices = !enrolled->devices.empty();
  helper::Message request;
  request.verb = "enroll";
  Result<SecretBytes> line = helper::DeviceLine(device);
  if (!line.ok()) return Fail(kExitFailed, line.status().message());
  request.Add("device", std::move(line).value());
  if (confirmation != nullptr) request.Add("confirm", confirmation->Clone());
  if (has_devices) {
    std::optional<SecretBytes> code = AskForApproval("adding '" + device.name + "'");
    if (!code) return kExitFailed;
    request.Add("code", std::move(*code));
  }
  Result<helper::Message> reply = CallHelper(request);
  return reply.ok() ? kExitOk : Fail(kExitFailed, reply.status().message());
}

int SelfServiceRemove(const std::string& name) {
  helper::Message request;
  request.verb = "remove";
  request.Add("name", name);
  std::optional<SecretBytes> code = AskForApproval("removing '" + name + "'");
  if (!code) return kExitFailed;
  request.Add("code", std::move(*code));
  Result<helper::Message> reply = CallHelper(request);
  return reply.ok() ? kExitOk : Fail(kExitFailed, reply.status().message());
}

int SelfServiceRename(const std::string& name, const std::string& new_name) {
  helper::Message request;
  request.verb = "rename";
  request.Add("name", name);
  request.Add("new_name", new_name);
  Result<helper::Message> reply = CallHelper(request);
  return reply.ok() ? kExitOk : Fail(kExitFailed, reply.status().message());
}

Result<Outcome> SelfServiceVerify(const SecretBytes& input) {
  helper::Message request;
  request.verb = "verify";
  request.Add("code", input.Clone());
  Result<helper::Message> reply = CallHelper(request);
  if (!reply.ok()) return reply.status();
  return helper::ParseOutcome(*reply);
}

Result<Device> SelfServiceShow(const std::string& name) {
  helper::Message request;
  request.verb = "show";
  request.Add("name", name);
  std::optional<SecretBytes> code = ReadApprovalCode("showing '" + name + "' again");
  if (!code) return Status::PermissionDenied(std::string(kNoApproval));
  request.Add("code", std::move(*code));
  Result<helper::Message> reply = CallHelper(request);
  if (!reply.ok()) return reply.status();
  const SecretBytes* line = reply->Get("device");
  if (line == nullptr) return Status::Corruption("totpctl-helper's reply has no device");
  return helper::ParseDeviceLine(line->view());
}

Result<NewRecoveryCodes> SelfServiceRecoveryCodes(Context& context, size_t count) {
  Result<Enrollment> enrolled = context.store->ReadDevices(context.user);
  if (!enrolled.ok()) return enrolled.status();
  helper::Message request;
  request.verb = "recovery";
  request.Add("count", std::to_string(count));
  if (!enrolled->devices.empty()) {
    std::optional<SecretBytes> code = ReadApprovalCode("new recovery codes");
    if (!code) return Status::PermissionDenied(std::string(kNoApproval));
    request.Add("code", std::move(*code));
  }
  Result<helper::Message> reply = CallHelper(request);
  if (!reply.ok()) return reply.status();
  NewRecoveryCodes made;
  made.set.created = std::time(nullptr);
  for (const SecretBytes* code : reply->GetAll("code")) made.codes.push_back(code->Clone());
  made.set.hashes.resize(made.codes.size());
  return made;
}

}  // namespace pamtotp::totpctl
