#pragma once

#include <string>

namespace colima::runtime {

// The `incus admin init --preseed` document of a first start: the NATed bridge incusbr0 on
// 192.168.100.1/24 (upstream's), a btrfs loop pool `default` of disk_gib on the data disk, and
// the default profile's nic and root disk on them. No HTTPS listener: the unix socket only.
std::string incus_preseed(int disk_gib);

} // namespace colima::runtime
