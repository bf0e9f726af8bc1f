#include "colima/runtime/docker_config.hpp"

#include "colima/util/error.hpp"

namespace colima::runtime {

nlohmann::json docker_daemon_config(const config::Settings& settings) {
  if (!settings.docker.is_null() && !settings.docker.is_object()) {
    throw UsageError("invalid docker settings: 'docker' must be a map of daemon.json keys");
  }
  nlohmann::json config = settings.docker.is_object() ? settings.docker : nlohmann::json::object();
  if (!config.contains("features")) {
    config["features"] = {{"buildkit", true}};
  }
  if (!config.contains("host-gateway-ip")) {
    config["host-gateway-ip"] = settings.network.gateway_address;
  }
  return config;
}

} // namespace colima::runtime
