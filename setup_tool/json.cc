#include "setup_tool/json.h"

#include <string>

namespace pamtotp::totpctl {
namespace {

bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// The length of the valid UTF-8 sequence (2-4 bytes) starting `text`, or 0 if there is none
// (stray continuation byte, overlong form, surrogate, beyond U+10FFFF, cut off).
size_t Utf8SequenceLength(std::string_view text) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(0);
  size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (text.size() < length || byte(1) < low || byte(1) > high) return 0;
  for (size_t i = 2; i < length; ++i) {
    if (!IsContinuation(byte(i))) return 0;
  }
  return length;
}

void AppendEscape(SecretBytes& out, unsigned char c) {
  switch (c) {
    case '"':
      out.Append("\\\"");
      return;
    case '\\':
      out.Append("\\\\");
      return;
    case '\n':
      out.Append("\\n");
      return;
    case '\t':
      out.Append("\\t");
      return;
    default:
      break;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  const char escape[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
  out.Append(std::string_view(escape, sizeof escape));
}

}  // namespace

void AppendJsonString(SecretBytes& out, std::string_view text) {
  out.push_back('"');
  size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      size_t length = Utf8SequenceLength(text.substr(i));
      if (length == 0) {
        out.Append("\\ufffd");
        ++i;
      } else {
        out.Append(text.substr(i, length));
        i += length;
      }
      continue;
    }
    if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
      AppendEscape(out, c);
    } else {
      out.push_back(static_cast<char>(c));
    }
    ++i;
  }
  out.push_back('"');
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!has_members_.empty()) {
    if (has_members_.back()) out_.push_back(',');
    has_members_.back() = true;
  }
}

void JsonWriter::Open(char bracket) {
  BeforeValue();
  out_.push_back(bracket);
  has_members_.push_back(false);
}

void JsonWriter::Close(char bracket) {
  if (!has_members_.empty()) has_members_.pop_back();
  out_.push_back(bracket);
  if (has_members_.empty()) out_.push_back('\n');
}

void JsonWriter::Key(std::string_view name) {
  BeforeValue();
  AppendJsonString(out_, name);
  out_.push_back(':');
  after_key_ = true;
}

void JsonWriter::String(std::string_view text) {
  BeforeValue();
  AppendJsonString(out_, text);
}

void JsonWriter::Number(int64_t value) {
  BeforeValue();
  out_.Append(std::to_string(value));
}

void JsonWriter::Null() {
  BeforeValue();
  out_.Append("null");
}

void JsonWriter::Bool(bool value) {
  BeforeValue();
  out_.Append(value ? "true" : "false");
}

}  // namespace pamtotp::totpctl
