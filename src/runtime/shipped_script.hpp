#pragma once

#include "colima/config/settings.hpp"

#include <string>
#include <string_view>

namespace colima::runtime {

// The text of a runtime's shipped guest script (a templates/ name) with the shared functions of
// templates/runtime/guest-lib.sh ahead of it, ready to send on one stdin.
std::string shipped_script(std::string_view name);

// The runtime scripts' last argument: cri when colima's containerd configuration turns on the
// CRI plugin for the built Kubernetes distribution, else no-cri (k3s configures containerd
// itself through its guest script, or runs on docker through its own cri-dockerd).
std::string cri_argument(const config::Settings& settings);

} // namespace colima::runtime
