#pragma once

#include "vm_session.hpp"

#include <filesystem>
#include <string>

namespace colima::e2e {

// An OCI image archive (an image layout in a tar) of a root file system holding the host's
// static busybox, named image (e.g. localhost/colima-e2e/busybox:latest), made under work: what
// a user without a registry would make with any OCI tool. Returns the archive's path.
std::filesystem::path make_oci_archive(VmSession& vm, const std::string& image,
                                       const std::filesystem::path& work);

} // namespace colima::e2e
