#pragma once

#include "colima/process/runner.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace colima::lima {

// Why a stopped VM's disk file cannot be used, or nullopt when it is sound (or absent). A
// file that must be qcow2 (Lima's boot disk) without qcow2's header was truncated or
// overwritten; a qcow2 file is checked with `qemu-img check` (metadata only, milliseconds):
// corruptions or an unreadable image are damage, leaked clusters (left by a killed QEMU) are
// not. A raw file cannot be checked. Must not run while QEMU has the file open.
std::optional<std::string> disk_damage(process::Runner& runner, const std::filesystem::path& file,
                                       bool must_be_qcow2);

} // namespace colima::lima
