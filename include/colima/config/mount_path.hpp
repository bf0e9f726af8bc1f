#pragma once

#include "colima/util/environment.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace colima::config {

// Why a mount path cannot be handed to Lima, or nullopt when it can: a control character, a
// space, a relative path, or a character a guest shell would interpret (Lima's reverse-sshfs
// runs `mkdir -p <path>` through a shell without quoting it). A leading `~`, `~user`, `$VAR` or
// `${VAR}` is allowed: expand_mount_location resolves it.
std::optional<std::string> mount_path_problem(const std::string& path);

// The host directory a mount location names, as Lima gets it: a leading `~` is the home
// directory, `~user` that user's home directory, a leading `$VAR` or `${VAR}` the variable's
// value (nothing else is expanded); then normalised, without a trailing `/`. Throws UsageError
// naming the location when a variable is unset or empty, a user unknown, or the result is
// relative or holds what mount_path_problem refuses.
std::string expand_mount_location(const std::string& location, const std::filesystem::path& home,
                                  const util::Environment& environment);

} // namespace colima::config
