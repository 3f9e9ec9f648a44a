#include "pam_module/user_store.h"

namespace pamtotp::pam {

Result<std::unique_ptr<Store>> OpenUserStore(const Attempt& /*attempt*/, const Options& options) {
  return OpenFileStore(options.config.store);
}

}  // namespace pamtotp::pam
