#pragma once

#include <string>
#include <vector>

namespace colima::host {

// The host's IPv4 addresses on its network interfaces, loopback (127.0.0.0/8) left out, each once,
// in order, as dotted quads. Empty when they cannot be read.
std::vector<std::string> ipv4_addresses();

} // namespace colima::host
