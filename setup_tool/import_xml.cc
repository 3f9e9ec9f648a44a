#include "setup_tool/import_xml.h"

#include <charconv>

namespace pamtotp::totpctl {
namespace {

bool IsXmlSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool IsNameStart(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':' ||
         static_cast<unsigned char>(c) >= 0x80;
}

bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9') || c == '-' || c == '.'; }

class XmlParser {
 public:
  explicit XmlParser(std::string_view text) : text_(text) {}

  Result<XmlElement> Document() {
    if (Starts("\xef\xbb\xbf")) pos_ += 3;  // UTF-8 byte order mark
    if (Status s = SkipMisc(); !s.ok()) return s;
    if (Starts("<!")) return Error("a DTD or other declaration (not allowed)");
    if (!Starts("<")) return Error("no root element");
    Result<XmlElement> root = Element(0);
    if (!root.ok()) return root;
    if (Status s = SkipMisc(); !s.ok()) return s;
    if (pos_ != text_.size()) return Error("text after the root element");
    return root;
  }

 private:
  bool Starts(std::string_view prefix) const { return text_.substr(pos_, prefix.size()) == prefix; }

  Status Error(const std::string& what) const {
    size_t line = 1;
    for (size_t i = 0; i < pos_ && i < text_.size(); ++i) {
      if (text_[i] == '\n') ++line;
    }
    return Status::InvalidArgument("XML line " + std::to_string(line) + ": " + what);
  }

  void SkipSpaces() {
    while (pos_ < text_.size() && IsXmlSpace(text_[pos_])) ++pos_;
  }

  // Skips to just after `end`; an error naming `what` if it never comes.
  Status SkipPast(std::string_view end, const char* what) {
    const size_t at = text_.find(end, pos_);
    if (at == std::string_view::npos) return Error(std::string("unterminated ") + what);
    pos_ = at + end.size();
    return Status::Ok();
  }

  // Whitespace, comments and processing instructions (the XML declaration among them).
  Status SkipMisc() {
    for (;;) {
      SkipSpaces();
      if (Starts("<!--")) {
        if (Status s = SkipPast("-->", "comment"); !s.ok()) return s;
      } else if (Starts("<?")) {
        if (Status s = SkipPast("?>", "processing instruction"); !s.ok()) return s;
      } else {
        return Status::Ok();
      }
    }
  }

  std::string_view Name() {
    const size_t start = pos_;
    if (pos_ < text_.size() && IsNameStart(text_[pos_])) {
      while (pos_ < text_.size() && IsNameChar(text_[pos_])) ++pos_;
    }
    return text_.substr(start, pos_ - start);
  }

  Status Attribute(XmlElement& element) {
    std::string_view name = Name();
    if (name.empty()) return Error("a malformed attribute in <" + std::string(element.name) + ">");
    SkipSpaces();
    if (!Starts("=")) return Error("attribute " + std::string(name) + " has no value");
    ++pos_;
    SkipSpaces();
    if (pos_ >= text_.size() || (text_[pos_] != '"' && text_[pos_] != '\'')) {
      return Error("attribute " + std::string(name) + " is not quoted");
    }
    const char quote = text_[pos_++];
    const size_t end = text_.find(quote, pos_);
    if (end == std::string_view::npos) return Error("unterminated attribute value");
    std::string_view value = text_.substr(pos_, end - pos_);
    if (value.find('<') != std::string_view::npos) return Error("'<' in an attribute value");
    if (element.Attribute(name)) return Error("attribute " + std::string(name) + " given twice");
    element.attributes.emplace_back(name, value);
    pos_ = end + 1;
    return Status::Ok();
  }

  // After the start tag: character data, children, comments, up to the matching end tag.
  Status Content(XmlElement& element, int depth) {
    size_t text_runs = 0;
    for (;;) {
      if (pos_ >= text_.size()) return Error("<" + std::string(element.name) + "> is not closed");
      if (Starts("</")) {
        pos_ += 2;
        if (Name() != element.name)
          return Error("</...> does not match <" + std::string(element.name) + ">");
        SkipSpaces();
        if (!Starts(">")) return Error("a malformed end tag");
        ++pos_;
        break;
      }
      if (Starts("<!--")) {
        if (Status s = SkipPast("-->", "comment"); !s.ok()) return s;
      } else if (Starts("<?")) {
        if (Status s = SkipPast("?>", "processing instruction"); !s.ok()) return s;
      } else if (Starts("<!")) {
        return Error("CDATA sections and declarations are not supported");
      } else if (Starts("<")) {
        Result<XmlElement> child = Element(depth + 1);
        if (!child.ok()) return child.status();
        element.children.push_back(std::move(child).value());
      } else {
        const size_t end = std::min(text_.find('<', pos_), text_.size());
        std::string_view run = text_.substr(pos_, end - pos_);
        pos_ = end;
        bool blank = true;
        for (char c : run) blank = blank && IsXmlSpace(c);
        if (!blank && ++text_runs > 1) return Error("text split by markup (mixed content)");
        if (!blank || element.text.empty()) element.text = run;
      }
    }
    bool blank = true;
    for (char c : element.text) blank = blank && IsXmlSpace(c);
    if (!blank && !element.children.empty()) {
      return Error("<" + std::string(element.name) + "> mixes text and elements");
    }
    return Status::Ok();
  }

  Result<XmlElement> Element(int depth) {
    if (depth >= kMaxXmlDepth) return Error("elements nested too deeply");
    if (++elements_ > kMaxXmlElements) return Error("too many elements");
    ++pos_;  // '<'
    XmlElement element;
    element.name = Name();
    if (element.name.empty()) return Error("a malformed start tag");
    const size_t colon = element.name.rfind(':');
    element.local = colon == std::string_view::npos ? element.name : element.name.substr(colon + 1);
    for (;;) {
      const size_t before = pos_;
      SkipSpaces();
      if (Starts("/>")) {
        pos_ += 2;
        return element;
      }
      if (Starts(">")) {
        ++pos_;
        break;
      }
      if (pos_ == before) return Error("a malformed start tag <" + std::string(element.name) + ">");
      if (Status s = Attribute(element); !s.ok()) return s;
    }
    if (Status s = Content(element, depth); !s.ok()) return s;
    return element;
  }

  std::string_view text_;
  size_t pos_ = 0;
  size_t elements_ = 0;
};

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace

const XmlElement* XmlElement::Child(std::string_view local_name) const {
  for (const XmlElement& child : children) {
    if (child.local == local_name) return &child;
  }
  return nullptr;
}

std::vector<const XmlElement*> XmlElement::Children(std::string_view local_name) const {
  std::vector<const XmlElement*> found;
  for (const XmlElement& child : children) {
    if (child.local == local_name) found.push_back(&child);
  }
  return found;
}

std::optional<std::string_view> XmlElement::Attribute(std::string_view attribute) const {
  for (const auto& [key, value] : attributes) {
    if (key == attribute) return value;
  }
  return std::nullopt;
}

Result<XmlElement> ParseXml(std::string_view text) { return XmlParser(text).Document(); }

Result<std::string> XmlUnescape(std::string_view raw) {
  std::string out;
  while (!raw.empty()) {
    const size_t amp = raw.find('&');
    out.append(raw.substr(0, amp));
    if (amp == std::string_view::npos) break;
    raw.remove_prefix(amp + 1);
    const size_t semi = raw.find(';');
    if (semi > 10) {  // npos too
      return Status::InvalidArgument("XML: a malformed '&' entity");
    }
    const std::string_view entity = raw.substr(0, semi);
    raw.remove_prefix(semi + 1);
    if (entity == "lt" || entity == "gt" || entity == "amp" || entity == "quot" ||
        entity == "apos") {
      out.push_back(entity == "lt"     ? '<'
                    : entity == "gt"   ? '>'
                    : entity == "amp"  ? '&'
                    : entity == "quot" ? '"'
                                       : '\'');
      continue;
    }
    if (entity.empty() || entity[0] != '#') {
      return Status::InvalidArgument("XML: unknown entity '&" + std::string(entity) + ";'");
    }
    uint32_t cp = 0;
    const bool hex = entity.size() > 2 && entity[1] == 'x';
    const std::string_view digits = entity.substr(hex ? 2 : 1);
    auto [end, ec] =
        std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || cp == 0 ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return Status::InvalidArgument("XML: unknown entity '&" + std::string(entity) + ";'");
    }
    AppendUtf8(out, cp);
  }
  return out;
}

}  // namespace pamtotp::totpctl
