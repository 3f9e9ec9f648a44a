// totpctl migrate: copies users' enrollments between a file store and the configured store
// (store in pam_totp.conf, or --store): files into the directory server, and back.
//
// For each user it copies the devices (secrets included), the recovery set and the login state
// (used time steps and HOTP counters, failed attempts, recovery codes used, a pending resync)
// as the source holds them; the source is never changed. A user already enrolled in the target
// is left alone. Root only, since it reads every user's secrets; secrets are never printed.
#ifndef PAMTOTP_SETUP_TOOL_MIGRATE_H_
#define PAMTOTP_SETUP_TOOL_MIGRATE_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "setup_tool/args.h"

namespace pamtotp::totpctl {

// True for the options only migrate takes (--from, --to, --dry-run).
bool IsMigrateOption(std::string_view name);
// Applies one of them (parsing only: the template is checked, no file is read).
Status ApplyMigrateOption(Options::Migrate& m, std::string_view name, std::string_view value);
// What migrate needs once the whole command line is read: --from or --to, no --user, and
// user names as operands, which it takes into o.migrate.users.
Status CheckMigrateOptions(Options& o, const std::vector<std::string_view>& seen,
                           const std::vector<std::string_view>& operands);

// The users a file store holds: the names of the files in the template's directory that the
// template's file name matches (state and temporary files aside), sorted. InvalidArgument if
// the template cannot be listed: "%u" must appear once, in the file name, outside a home.
Result<std::vector<std::string>> ListStoreUsers(const std::string& path_template);

// Runs migrate; needs no Context (it opens a store per user). Returns the exit status.
int RunMigrate(const Options& options);
std::string MigrateHelp();

}  // namespace pamtotp::totpctl

#endif  // PAMTOTP_SETUP_TOOL_MIGRATE_H_
