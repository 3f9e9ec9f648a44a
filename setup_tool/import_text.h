// Small text helpers for the import parsers (import_formats.h). Views point into the caller's
// text; nothing is copied.
#ifndef PAMTOTP_SETUP_TOOL_IMPORT_TEXT_H_
#define PAMTOTP_SETUP_TOOL_IMPORT_TEXT_H_

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace pamtotp::totpctl {

// The lines of `text` without their "\n" or "\r\n"; a last line without a newline counts.
std::vector<std::string_view> SplitLines(std::string_view text);
// Runs of characters other than spaces and tabs.
std::vector<std::string_view> SplitWords(std::string_view text);
// `text` split at every `separator`, each part without leading and trailing spaces and tabs.
std::vector<std::string_view> SplitFields(std::string_view text, char separator);
std::string_view TrimSpaces(std::string_view text);
// Decimal digits only (no sign, no spaces), within uint64_t.
std::optional<uint64_t> ParseUint(std::string_view text);
// ASCII case-insensitive equality.
bool EqualsIgnoringCase(std::string_view a, std::string_view b);

}  // namespace pamtotp::totpctl

#endif  // PAMTOTP_SETUP_TOOL_IMPORT_TEXT_H_
