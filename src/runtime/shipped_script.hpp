#pragma once

#include <string>
#include <string_view>

namespace colima::runtime {

// The text of a runtime's shipped guest script (a templates/ name) with the shared functions of
// templates/runtime/guest-lib.sh ahead of it, ready to send on one stdin.
std::string shipped_script(std::string_view name);

} // namespace colima::runtime
