#pragma once

#include "colima/config/paths.hpp"
#include "colima/config/profile.hpp"
#include "colima/config/settings.hpp"
#include "colima/util/environment.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>
#include <yaml-cpp/yaml.h>

namespace colima::lima {

// A guest socket forwarded to a host path.
struct SocketForward {
  std::string guest;
  std::filesystem::path host;
};

// A guest kernel booted by QEMU itself (-kernel, -initrd, -append), without firmware or boot
// loader: the image's own kernel and initrd, and its boot loader's command line.
struct DirectBoot {
  std::string kernel;
  std::string initrd;
  std::string cmdline;
};

// What the Lima document needs beyond the profile's settings.
struct DocumentInputs {
  // The guest disk image Lima boots (a local path).
  std::string image_location;
  // Its kernel for a direct boot, when the image has one beside it. Used for x86_64 guests,
  // with SeaBIOS in place of UEFI firmware: under software emulation OVMF and GRUB take about
  // 13 s of every boot. (aarch64 guests keep UEFI and GRUB.)
  std::optional<DirectBoot> boot;
  // The user's home directory, for `~` in mount paths.
  std::filesystem::path home;
  // The variables a mount location may start with ($VAR, ${VAR}).
  util::Environment environment = util::Environment();
  // Whether the container data lives on a separate Lima disk named after the instance.
  bool data_disk = true;
  // Whether Lima may format the data disk: only a disk no boot has formatted yet
  // (Driver::data_disk_unformatted: just created, or its first boot failed). Lima formats
  // any disk whose label is not `lima-<name>`, and ext4 labels stop at 16 characters, so a
  // kept, cloned or long-named profile's disk must never be left to that test.
  bool format_data_disk = false;
  // The runtime's sockets, forwarded to the host.
  std::vector<SocketForward> sockets;
  // The host's own IPv4 addresses (network.hostAddresses): a guest port bound to one of them is
  // forwarded to the same address on the host.
  std::vector<std::string> host_addresses;
};

// The Lima instance document for a profile, built as yaml-cpp nodes on templates/lima.yaml:
// resources, image, data disk, mounts, SSH, DNS, environment, port forwards of the runtime's
// sockets and of container ports to 127.0.0.1, the hostname provision script.
// Throws UsageError for mounts that overlap or whose location does not expand (see
// config::expand_mount_location).
YAML::Node render_document(const config::Settings& settings, const config::Profile& profile,
                           const DocumentInputs& inputs);

// The environment `limactl start` runs with for these settings: Lima's host agent, which it
// starts, picks its port forwarder from LIMA_SSH_PORT_FORWARDER (true: SSH, false: gRPC, Lima's
// default since 1.1), so colima sets it as upstream does: false for `grpc`, true otherwise.
std::map<std::string, std::string> start_environment(const config::Settings& settings);

// The document as YAML text.
std::string emit_document(const YAML::Node& document);

// Refuses, as render_document would, mounts whose location does not expand or that overlap:
// start checks them before anything is written or run. Throws UsageError.
void check_mounts(const config::Settings& settings, const std::filesystem::path& home,
                  const util::Environment& environment);

// The guest path of a host path under one of the mounts the document gives the VM (the home
// directory when the settings list none; its mountPoint, else the same path), or nullopt when no
// mount holds it. host_path is compared as written, after the expansion of mount locations and
// normalisation; a location that no longer expands holds nothing.
std::optional<std::string> guest_path(const config::Settings& settings,
                                      const std::filesystem::path& home,
                                      const util::Environment& environment,
                                      const std::filesystem::path& host_path);

// The guest paths of a Lima document's mounts: each one's mountPoint, else its location.
std::vector<std::string> mount_points(const YAML::Node& document);

} // namespace colima::lima
