#pragma once

#include <filesystem>
#include <string>

namespace colima::host {

// Puts line (an `Include ...`) at the top of the user's SSH client configuration, followed by a
// blank line, unless a line of it is already that; creates the file (0600, its directory 0700)
// when missing. A symbolic link stays a link: the file it leads to is written, keeping its mode.
// Not safe against a concurrent writer: callers serialise it. Throws colima::Error naming the
// file when it cannot be read or written.
void include_in_ssh_config(const std::filesystem::path& user_config, const std::string& line);

} // namespace colima::host
