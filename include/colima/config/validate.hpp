#pragma once

#include "colima/config/settings.hpp"

#include <string>
#include <vector>

namespace colima::config {

// The runtimes a user may name, in the order help texts list them.
const std::vector<std::string>& known_runtimes();

// Checks every setting for a value colima can act on, on Linux. Throws UsageError for the first
// bad one, naming the setting and the value and, where one exists, the nearest valid value.
// Options that exist only on macOS are refused with a message saying so.
void validate(const Settings& settings);

// True when text is an IPv4 or IPv6 address.
bool is_ip_address(const std::string& text);

} // namespace colima::config

namespace colima::config {

// Refuses settings that cannot change once the VM exists (architecture, runtime, VM type,
// mount type, a disk image other than the one it was made from) and a smaller disk, comparing
// the wanted settings with those of the last successful start; the message names the setting
// and the remedy (`colima delete`).
void check_unchangeable(const Settings& wanted, const Settings& current,
                        const std::string& profile_name);

} // namespace colima::config
