#include "pam_module/membership.h"

namespace pamtotp::pam {

Result<bool> MustGiveCode(const Attempt& /*attempt*/, const Options& options) {
  if (!options.exempt_group.empty() || !options.only_group.empty()) {
    return Status::InvalidArgument("exempt_group= and only_group= are not implemented yet");
  }
  return true;
}

}  // namespace pamtotp::pam
