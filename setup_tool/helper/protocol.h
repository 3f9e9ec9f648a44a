// What totpctl and totpctl-helper say to each other: one request on the helper's standard input,
// one reply on its standard output. Pure functions over text; both programs link this file, so
// the two ends cannot disagree about the format.
//
//   request                          reply
//   totpctl-helper 1                 ok                 or   error <message>
//   <verb>                           <key> <value>
//   <key> <value>                    ...
//   ...                              end
//
// A value is the rest of its line and may hold spaces but no control character. In a request
// each key appears at most once and only the keys listed for the verb are accepted (kVerbs);
// in a reply a key may repeat (one "device" line per device). Values may be codes or a secret,
// so they are kept in SecretBytes. The request names no user: the helper acts for the user who
// ran it (its real uid), always.
#ifndef PAMTOTP_SETUP_TOOL_HELPER_PROTOCOL_H_
#define PAMTOTP_SETUP_TOOL_HELPER_PROTOCOL_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/device.h"
#include "core/secret_bytes.h"
#include "core/status.h"
#include "core/verifier.h"

namespace pamtotp::helper {

inline constexpr std::string_view kMagic = "totpctl-helper 1";
inline constexpr size_t kMaxRequestSize = 4096;
inline constexpr size_t kMaxReplySize = size_t{64} * 1024;

// The helper's exit statuses.
inline constexpr int kHelperOk = 0;
inline constexpr int kHelperRefused = 1;     // the reply is "error <why>"
inline constexpr int kHelperBadRequest = 2;  // malformed request, or not run by totpctl

struct VerbSpec {
  std::string_view verb;
  std::vector<std::string_view> required;
  std::vector<std::string_view> optional;
};

// status: the caller's devices (no secrets) and login state. verify code: a login without the
// login. rename name new_name. remove name code. enroll device [confirm] [code]: `device` is a
// devices-file line without its "device " prefix (see totp-store(5)); `confirm` the code the
// app showed for it; `code` approves the change for a user who has devices already. show name
// code: the device line, secret included. recovery count [code]: a new set of recovery codes.
const std::vector<VerbSpec>& Verbs();

struct Message {
  std::string verb;   // request: the verb; reply: "ok" or "error"
  std::string error;  // reply "error": the helper's message
  std::vector<std::pair<std::string, SecretBytes>> fields;

  void Add(std::string key, std::string_view value) {
    fields.emplace_back(std::move(key), SecretBytes::FromString(value));
  }
  void Add(std::string key, SecretBytes value) {
    fields.emplace_back(std::move(key), std::move(value));
  }
  // The first value of `key`, or nullptr.
  const SecretBytes* Get(std::string_view key) const;
  // Every value of `key`, in order.
  std::vector<const SecretBytes*> GetAll(std::string_view key) const;
};

Result<SecretBytes> SerializeRequest(const Message& request);
// Refuses anything but a well-formed request whose verb and keys are in Verbs().
Result<Message> ParseRequest(std::string_view text);

SecretBytes SerializeReply(const Message& reply);
Result<Message> ParseReply(std::string_view text);

// A device as "status" lists it, without its secret:
// "<id> <totp|hotp> <ALGORITHM> <digits> <period> <counter> <created> <last_used> <name>".
std::string DeviceSummary(const Device& device, int64_t last_used);
Status ParseDeviceSummary(std::string_view text, Device& device, int64_t& last_used);

// A device as a devices-file line without its "device " prefix (totp-store(5)), secret
// included, and back: through the store's own serializer and parser.
Result<SecretBytes> DeviceLine(const Device& device);
Result<Device> ParseDeviceLine(std::string_view line);

// A verification's outcome as reply fields (verify), and back.
void AddOutcome(const Outcome& outcome, Message& reply);
Result<Outcome> ParseOutcome(const Message& reply);

// Whole decimal numbers in replies and requests.
Result<int64_t> ParseNumber(std::string_view text, int64_t low, int64_t high);

}  // namespace pamtotp::helper

#endif  // PAMTOTP_SETUP_TOOL_HELPER_PROTOCOL_H_
