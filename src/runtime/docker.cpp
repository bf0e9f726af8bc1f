#include "docker.hpp"

#include "colima/runtime/docker_config.hpp"
#include "colima/util/templates.hpp"
#include "shipped_script.hpp"

namespace colima::runtime {

std::vector<Socket> DockerRuntime::sockets() const {
  return {{"/var/run/docker.sock", "docker.sock", "docker_socket"},
          {"/var/run/containerd/containerd.sock", "containerd.sock", "containerd_socket"}};
}

std::optional<GuestScript> DockerRuntime::provision(const config::Settings& settings,
                                                    const GuestContext& context) const {
  return GuestScript{.stage = "provisioning docker",
                     .text = shipped_script("runtime/docker.sh"),
                     .args = {context.already_running ? "running" : "boot", context.data_mount,
                              settings.binfmt ? "binfmt" : "no-binfmt", cri_argument(settings)},
                     .inputs = {{"daemon_json", docker_daemon_config(settings).dump() + "\n"}}};
}

std::optional<GuestScript> DockerRuntime::update() const {
  return GuestScript{
      .stage = "updating docker",
      .text = std::string(templates::find("runtime/update.sh").value()),
      .args = {"docker.service", "docker.io", "docker-cli", "containerd", "runc", "docker-buildx"}};
}

} // namespace colima::runtime
