// A small, strict XML reader for PSKC files: elements, attributes, character data, comments
// and processing instructions. DTDs (and so custom entities), CDATA sections and mixed content
// are refused; so are more than kMaxXmlDepth levels or kMaxXmlElements elements. Namespace
// prefixes are kept but not resolved: callers match local names and check the root's xmlns.
//
// The tree points into the caller's text (which may hold keys, so it stays in a SecretBytes);
// attribute values and character data are kept as written, entities undecoded.
#ifndef PAMTOTP_SETUP_TOOL_IMPORT_XML_H_
#define PAMTOTP_SETUP_TOOL_IMPORT_XML_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace pamtotp::totpctl {

inline constexpr int kMaxXmlDepth = 32;
inline constexpr size_t kMaxXmlElements = 100000;

struct XmlElement {
  std::string_view name;   // as written, e.g. "pskc:Key"
  std::string_view local;  // without the prefix, e.g. "Key"
  std::vector<std::pair<std::string_view, std::string_view>> attributes;  // raw values
  std::string_view text;  // raw character data (whitespace-only for an element with children)
  std::vector<XmlElement> children;

  // The first child called `local`, or nullptr.
  const XmlElement* Child(std::string_view local_name) const;
  std::vector<const XmlElement*> Children(std::string_view local_name) const;
  std::optional<std::string_view> Attribute(std::string_view attribute) const;
};

// The root element of `text`.
Result<XmlElement> ParseXml(std::string_view text);

// Decodes &lt; &gt; &amp; &quot; &apos; and &#N; / &#xN; (as UTF-8). For text that is no
// secret: the result is a std::string.
Result<std::string> XmlUnescape(std::string_view raw);

}  // namespace pamtotp::totpctl

#endif  // PAMTOTP_SETUP_TOOL_IMPORT_XML_H_
