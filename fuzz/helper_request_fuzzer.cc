// ParseRequest: what the setuid-root totpctl-helper reads from any local user, and ParseReply.
// The first byte picks which. Properties: a request it accepts has a verb from Verbs() and only
// that verb's keys, and serializes to a request that parses to the same message; the device
// line inside an "enroll" request goes through the store's own parser.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "setup_tool/helper/protocol.h"

namespace {

bool SameMessage(const pamtotp::helper::Message& a, const pamtotp::helper::Message& b) {
  if (a.verb != b.verb || a.fields.size() != b.fields.size()) return false;
  for (size_t i = 0; i < a.fields.size(); ++i) {
    if (a.fields[i].first != b.fields[i].first ||
        a.fields[i].second.view() != b.fields[i].second.view()) {
      return false;
    }
  }
  return true;
}

void CheckRequest(std::string_view text) {
  using namespace pamtotp::helper;
  pamtotp::Result<Message> request = ParseRequest(text);
  if (!request.ok()) return;
  FUZZ_CHECK(text.size() <= kMaxRequestSize);
  const std::vector<VerbSpec>& verbs = Verbs();
  auto spec = std::find_if(verbs.begin(), verbs.end(),
                           [&](const VerbSpec& v) { return v.verb == request->verb; });
  FUZZ_CHECK(spec != verbs.end());
  for (const auto& [key, value] : request->fields) {
    bool known =
        std::find(spec->required.begin(), spec->required.end(), key) != spec->required.end() ||
        std::find(spec->optional.begin(), spec->optional.end(), key) != spec->optional.end();
    FUZZ_CHECK(known);
    for (char c : value.view()) FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x20);
  }
  for (std::string_view key : spec->required) FUZZ_CHECK(request->Get(key) != nullptr);
  pamtotp::Result<pamtotp::SecretBytes> written = SerializeRequest(*request);
  FUZZ_CHECK(written.ok());
  pamtotp::Result<Message> again = ParseRequest(written->view());
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(SameMessage(*request, *again));
  if (const pamtotp::SecretBytes* device = request->Get("device")) {
    (void)ParseDeviceLine(device->view()).ok();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] & 1) {
    pamtotp::Result<pamtotp::helper::Message> reply = pamtotp::helper::ParseReply(text);
    if (reply.ok()) (void)pamtotp::helper::ParseOutcome(*reply).ok();
  } else {
    CheckRequest(text);
  }
  return 0;
}
