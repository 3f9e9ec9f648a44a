// ParseAccount on directory entries as a server (or anyone who can write to it) could return
// them. The input is a list of entries in a small LDIF-like form: "dn: ..." starts an entry,
// "name: value" adds a value, a blank line ends the entry. Property: an account it accepts,
// written again with the writer's functions, parses to the same account.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/ldap_format.h"
#include "fuzz/fuzz_check.h"

namespace {

using pamtotp::ldap::Attribute;
using pamtotp::ldap::Entry;

std::vector<Entry> Split(std::string_view text) {
  std::vector<Entry> entries;
  while (!text.empty()) {
    size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    if (line.empty()) continue;
    size_t colon = line.find(": ");
    if (colon == std::string_view::npos) continue;
    std::string name(line.substr(0, colon));
    std::string value(line.substr(colon + 2));
    if (name == "dn" || entries.empty()) entries.emplace_back();
    if (name == "dn") {
      entries.back().dn = value;
      continue;
    }
    std::vector<Attribute>& attributes = entries.back().attributes;
    auto it = attributes.begin();
    while (it != attributes.end() && it->name != name) ++it;
    if (it == attributes.end()) {
      attributes.emplace_back(name, std::vector<std::string>{});
      it = attributes.end() - 1;
    }
    it->values.push_back(value);
  }
  return entries;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  std::vector<Entry> entries = Split(std::string_view(reinterpret_cast<const char*>(data), size));
  pamtotp::Result<pamtotp::ldap::Account> account = pamtotp::ldap::ParseAccount(entries);
  if (!account.ok() || !account->exists) return 0;
  // Write it back as ldap_store.cc would, and read that.
  std::vector<Entry> written(1);
  pamtotp::Result<std::vector<Attribute>> head =
      pamtotp::ldap::NewAccountAttributes("user", account->enrollment);
  FUZZ_CHECK(head.ok());
  written[0].attributes = std::move(head).value();
  for (Attribute& a : written[0].attributes) {
    if (a.name == pamtotp::ldap::kSerialAttr) a.values = {std::to_string(account->serial)};
  }
  for (Attribute& a : pamtotp::ldap::StateAttributes(account->state)) {
    if (!a.values.empty()) written[0].attributes.push_back(std::move(a));
  }
  for (const pamtotp::Device& d : account->enrollment.devices) {
    pamtotp::Result<std::vector<Attribute>> attributes = pamtotp::ldap::DeviceAttributes(d);
    FUZZ_CHECK(attributes.ok());
    written.emplace_back();
    written.back().attributes = std::move(attributes).value();
  }
  pamtotp::Result<pamtotp::ldap::Account> again = pamtotp::ldap::ParseAccount(written);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->serial == account->serial);
  FUZZ_CHECK(again->enrollment.devices.size() == account->enrollment.devices.size());
  for (size_t i = 0; i < again->enrollment.devices.size(); ++i) {
    const pamtotp::Device& a = account->enrollment.devices[i];
    const pamtotp::Device& b = again->enrollment.devices[i];
    FUZZ_CHECK(a.id == b.id && a.name == b.name && a.secret.view() == b.secret.view());
    FUZZ_CHECK(a.type == b.type && a.counter == b.counter && a.period == b.period);
  }
  std::vector<Attribute> first = pamtotp::ldap::StateAttributes(account->state);
  std::vector<Attribute> second = pamtotp::ldap::StateAttributes(again->state);
  for (size_t i = 0; i < first.size(); ++i) FUZZ_CHECK(first[i].values == second[i].values);
  FUZZ_CHECK(again->enrollment.recovery.has_value() == account->enrollment.recovery.has_value());
  return 0;
}
