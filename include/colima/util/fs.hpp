#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace colima::util {

// Replaces the file at path with content atomically: a temporary file in the same directory
// is written, flushed to disk and renamed over the target, so readers see the old or the new
// content and never a part. Missing parent directories are created with mode 0700.
// Throws colima::Error naming the path when any step fails; nothing is left behind then.
void atomic_write(const std::filesystem::path& path, std::string_view content,
                  std::filesystem::perms mode = std::filesystem::perms(0600));

// The whole content of the file, or nullopt when it does not exist. Throws colima::Error when
// it exists but cannot be read.
std::optional<std::string> read_file(const std::filesystem::path& path);

// Creates the directory and its missing parents with the given mode (existing ones are left
// as they are). Throws colima::Error with the path and the reason.
void create_directories(const std::filesystem::path& path,
                        std::filesystem::perms mode = std::filesystem::perms(0700));

// Creates the directory (and missing parents) with mode 0700, and takes group and other
// permissions off it when it exists with them, so that only its owner can enter it. Throws
// colima::Error when it cannot be created; returns the error of the mode change (e.g. a file
// system without Unix modes), which the caller may report.
std::error_code create_private_directory(const std::filesystem::path& path);

} // namespace colima::util
