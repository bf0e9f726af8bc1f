#pragma once

#include "colima/runtime/runtime.hpp"

namespace colima::runtime {

// Debian's docker.io engine with its own systemd units and paths; the engine socket and the
// containerd socket forwarded; /var/lib/docker and /var/lib/containerd on the data disk.
class DockerRuntime final : public Runtime {
public:
  std::string_view name() const override { return "docker"; }
  std::vector<Socket> sockets() const override;
  bool uses_data_disk() const override { return true; }
  std::optional<GuestScript> provision(const config::Settings& settings,
                                       const GuestContext& context) const override;
  std::optional<GuestScript> update() const override;
  bool has_docker_context() const override { return true; }
};

} // namespace colima::runtime
