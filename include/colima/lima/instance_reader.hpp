#pragma once

#include "colima/lima/instance.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace colima::lima {

// The instances of a Lima home read from their directories as `limactl list --json` reports
// them (name, status, arch, cpus, memory, disk, dir), without running limactl: one limactl
// costs about 30 ms on the host, most of a `colima list` or `colima status`. The instances are
// the home's directories not named `_*` or `.*` that hold a lima.yaml, by name. The status is
// Lima's from its pid files, each checked as check_claims does (a pid file naming no process
// or another program counts as absent): ha.pid and qemu.pid both genuine -> Running, neither
// -> Stopped, one -> Broken.
//
// nullopt when the home holds something this reader does not read as limactl would: a
// `_config/default.yaml` or `_config/override.yaml` (values merged into every instance), a
// lima.yaml that is not YAML, names another VM type than qemu, or lacks arch, cpus, memory or
// disk (colima writes all four), or a size it cannot parse. The caller asks limactl then.
// With `only`, the instance of that name alone is read (an empty list when there is none).
std::optional<std::vector<Instance>> read_instances(const std::filesystem::path& lima_home,
                                                    const std::string& only = {});

// A size as Lima reads one (go-units' RAMInBytes): a number, optionally with a fraction, an
// optional space, then an optional unit k, m, g, t or p (any case, powers of 1024) with an
// optional `i` and `b` ("2048MiB", "2GiB", "1.5g", "512"). nullopt for anything else.
std::optional<std::int64_t> parse_size(std::string_view text);

} // namespace colima::lima
