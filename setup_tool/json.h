// A minimal JSON writer for totpctl's --json output. It writes into a SecretBytes because
// `enroll --json` puts the secret and the otpauth URI in the document.
//
// Strings are escaped per RFC 8259; bytes that are not valid UTF-8 become U+FFFD, so the output
// is always valid JSON whatever bytes a device name holds. The caller keeps the structure
// right (Key before each member value); commas are inserted automatically.
#ifndef PAMTOTP_SETUP_TOOL_JSON_H_
#define PAMTOTP_SETUP_TOOL_JSON_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/secret_bytes.h"

namespace pamtotp::totpctl {

class JsonWriter {
 public:
  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }
  // The member name; the next call writes its value.
  void Key(std::string_view name);
  void String(std::string_view text);
  void Number(int64_t value);
  void Null();
  void Bool(bool value);

  // The document so far, ending with a newline once the outermost value is closed.
  const SecretBytes& text() const { return out_; }

 private:
  void Open(char bracket);
  void Close(char bracket);
  void BeforeValue();

  SecretBytes out_;
  std::vector<bool> has_members_;  // one entry per open object/array
  bool after_key_ = false;
};

// Appends `text` as a quoted, escaped JSON string.
void AppendJsonString(SecretBytes& out, std::string_view text);

}  // namespace pamtotp::totpctl

#endif  // PAMTOTP_SETUP_TOOL_JSON_H_
