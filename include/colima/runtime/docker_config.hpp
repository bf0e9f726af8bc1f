#pragma once

#include "colima/config/settings.hpp"

#include <nlohmann/json.hpp>

namespace colima::runtime {

// The guest dockerd's daemon.json: the `docker:` settings (registry mirrors included), with
// colima's defaults for keys the user left out: BuildKit on (`features.buildkit`) and
// `host-gateway-ip` set to the host's address in the VM network, so that `host-gateway` (and
// with it host.docker.internal) means the host. Throws UsageError when `docker:` is not a map.
nlohmann::json docker_daemon_config(const config::Settings& settings);

} // namespace colima::runtime
