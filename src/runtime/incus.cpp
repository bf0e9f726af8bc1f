#include "incus.hpp"

#include "colima/runtime/incus_preseed.hpp"
#include "colima/util/templates.hpp"
#include "shipped_script.hpp"

#include <yaml-cpp/yaml.h>

namespace colima::runtime {

std::vector<Socket> IncusRuntime::sockets() const {
  return {{"/var/lib/incus/unix.socket", "incus.sock", "incus_socket"}};
}

std::optional<GuestScript> IncusRuntime::provision(const config::Settings& settings,
                                                   const GuestContext& context) const {
  return GuestScript{.stage = "provisioning incus",
                     .text = shipped_script("runtime/incus.sh"),
                     .args = {context.already_running ? "running" : "boot", context.data_mount,
                              std::to_string(settings.disk)},
                     .inputs = {{"preseed", incus_preseed(settings.disk)}},
                     .hint = "see 'colima ssh -- sudo journalctl -u incus'"};
}

std::optional<GuestScript> IncusRuntime::update() const {
  return GuestScript{.stage = "updating incus",
                     .text = std::string(templates::find("runtime/update.sh").value()),
                     .args = {"incus.service", "incus-base", "incus-client"}};
}

std::string incus_preseed(int disk_gib) {
  YAML::Node bridge;
  bridge["name"] = "incusbr0";
  bridge["type"] = "bridge";
  bridge["config"]["ipv4.address"] = "192.168.100.1/24";
  bridge["config"]["ipv4.nat"] = "true";
  bridge["config"]["ipv6.address"] = "auto";

  YAML::Node pool;
  pool["name"] = "default";
  pool["driver"] = "btrfs";
  pool["config"]["size"] = std::to_string(disk_gib) + "GiB";

  YAML::Node profile;
  profile["name"] = "default";
  profile["devices"]["eth0"]["type"] = "nic";
  profile["devices"]["eth0"]["name"] = "eth0";
  profile["devices"]["eth0"]["network"] = "incusbr0";
  profile["devices"]["root"]["type"] = "disk";
  profile["devices"]["root"]["path"] = "/";
  profile["devices"]["root"]["pool"] = "default";

  YAML::Node document;
  document["networks"].push_back(bridge);
  document["storage_pools"].push_back(pool);
  document["profiles"].push_back(profile);
  YAML::Emitter out;
  out << document;
  return std::string(out.c_str()) + "\n";
}

} // namespace colima::runtime
