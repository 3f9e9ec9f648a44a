#include "setup_tool/qr_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "core/safe_file.h"
#include "core/unique_fd.h"
#include "setup_tool/png.h"

namespace pamtotp::totpctl {
namespace {

bool EndsWithIgnoringCase(std::string_view text, std::string_view suffix) {
  if (text.size() < suffix.size()) return false;
  text.remove_prefix(text.size() - suffix.size());
  for (size_t i = 0; i < suffix.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != suffix[i]) return false;
  }
  return true;
}

// The symbol with its quiet zone, in modules.
int FullWidth(const QrMatrix& qr) { return qr.width + 2 * kQrFileQuietZone; }

bool DarkAt(const QrMatrix& qr, int x, int y) {
  x -= kQrFileQuietZone;
  y -= kQrFileQuietZone;
  return x >= 0 && y >= 0 && x < qr.width && y < qr.width && qr.Dark(x, y);
}

}  // namespace

Status CheckQrFileName(std::string_view path) {
  if (EndsWithIgnoringCase(path, ".png") || EndsWithIgnoringCase(path, ".svg")) {
    if (path.size() > 4 && path[path.size() - 5] != '/') return Status::Ok();
  }
  return Status::InvalidArgument("the QR file name must end in .png or .svg");
}

SecretBytes EncodeQrPng(const QrMatrix& qr) {
  const auto pixels = static_cast<uint32_t>(FullWidth(qr) * kQrFilePixelsPerModule);
  return EncodeBlackWhitePng(pixels, pixels, [&](uint32_t x, uint32_t y) {
    return !DarkAt(qr, static_cast<int>(x) / kQrFilePixelsPerModule,
                   static_cast<int>(y) / kQrFilePixelsPerModule);
  });
}

SecretBytes EncodeQrSvg(const QrMatrix& qr) {
  const int full = FullWidth(qr);
  const std::string size = std::to_string(full);
  const std::string pixels = std::to_string(full * kQrFilePixelsPerModule);
  SecretBytes svg = SecretBytes::FromString(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" +
      pixels + "\" height=\"" + pixels + "\" viewBox=\"0 0 " + size + " " + size +
      "\" shape-rendering=\"crispEdges\">\n<rect width=\"" + size + "\" height=\"" + size +
      "\" fill=\"#ffffff\"/>\n<path fill=\"#000000\" d=\"");
  // One rectangle per horizontal run of dark modules.
  for (int y = 0; y < full; ++y) {
    for (int x = 0; x < full;) {
      if (!DarkAt(qr, x, y)) {
        ++x;
        continue;
      }
      int run = 1;
      while (x + run < full && DarkAt(qr, x + run, y)) ++run;
      svg.Append("M" + std::to_string(x) + " " + std::to_string(y) + "h" + std::to_string(run) +
                 "v1h-" + std::to_string(run) + "z");
      x += run;
    }
  }
  svg.Append("\"/>\n</svg>\n");
  return svg;
}

Status WriteQrFile(const std::string& path, const QrMatrix& qr) {
  if (Status s = CheckQrFileName(path); !s.ok()) return s;
  const SecretBytes contents =
      EndsWithIgnoringCase(path, ".png") ? EncodeQrPng(qr) : EncodeQrSvg(qr);
  UniqueFd fd(
      open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600));
  if (!fd.valid()) {
    const int err = errno;
    if (err == EEXIST) {
      return Status::AlreadyExists(path +
                                   " already exists; remove it or pick another --qr-file name");
    }
    return ErrnoStatus("cannot create " + path, err);
  }
  if (Status s = WriteAllAt(fd.get(), contents.view(), 0, path); !s.ok()) {
    unlink(path.c_str());
    return s;
  }
  if (fsync(fd.get()) != 0) {
    const int err = errno;
    unlink(path.c_str());
    return ErrnoStatus("cannot write " + path, err);
  }
  return Status::Ok();
}

}  // namespace pamtotp::totpctl
