#pragma once

#include "colima/runtime/runtime.hpp"

namespace colima::runtime {

// Debian's incus (system containers): the daemon's unix socket forwarded; all of /var/lib/incus
// (database, images, the btrfs loop pool) on the data disk, so instances survive `colima
// delete` without --data; the host's incus client reaches it through a remote named like the
// profile (the app's part).
class IncusRuntime final : public Runtime {
public:
  std::string_view name() const override { return "incus"; }
  std::vector<Socket> sockets() const override;
  bool uses_data_disk() const override { return true; }
  std::optional<GuestScript> provision(const config::Settings& settings,
                                       const GuestContext& context) const override;
  std::optional<GuestScript> update() const override;
  bool has_docker_context() const override { return false; }
};

} // namespace colima::runtime
