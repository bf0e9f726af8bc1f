#pragma once

#include "colima/config/paths.hpp"
#include "colima/config/profile.hpp"
#include "colima/process/runner.hpp"
#include "colima/runtime/runtime.hpp"
#include "colima/util/progress.hpp"

#include <string>

namespace colima::app {

// Why a guest script failed: the last non-empty line it wrote on stderr, else its exit status.
std::string failure_reason(const process::Result& result);

// Runs a shipped script in the guest as root, its values as argv words: `limactl shell <id>
// sudo sh -s -- args...` with the text on stdin, after showing its stage. Throws Error with the
// stage, the script's last stderr line and its hint.
process::Result run_guest_script(process::Runner& runner, const config::Paths& paths,
                                 util::Progress& progress, const config::Profile& profile,
                                 const runtime::GuestScript& script);

} // namespace colima::app
