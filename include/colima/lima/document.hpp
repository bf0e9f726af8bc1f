#pragma once

#include "colima/config/paths.hpp"
#include "colima/config/profile.hpp"
#include "colima/config/settings.hpp"

#include <filesystem>
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

// What the Lima document needs beyond the profile's settings.
struct DocumentInputs {
  // The guest disk image Lima boots (a local path).
  std::string image_location;
  // The user's home directory, for `~` in mount paths.
  std::filesystem::path home;
  // Whether the container data lives on a separate Lima disk named after the instance.
  bool data_disk = true;
  // Whether Lima may format the data disk: only a disk no boot has formatted yet
  // (Driver::data_disk_unformatted: just created, or its first boot failed). Lima formats
  // any disk whose label is not `lima-<name>`, and ext4 labels stop at 16 characters, so a
  // kept, cloned or long-named profile's disk must never be left to that test.
  bool format_data_disk = false;
  // The runtime's sockets, forwarded to the host.
  std::vector<SocketForward> sockets;
};

// The Lima instance document for a profile, built as yaml-cpp nodes on templates/lima.yaml:
// resources, image, data disk, mounts, SSH, DNS, environment, port forwards of the runtime's
// sockets and of container ports to 127.0.0.1, the hostname provision script.
// Throws UsageError for mounts that overlap or are not absolute.
YAML::Node render_document(const config::Settings& settings, const config::Profile& profile,
                           const DocumentInputs& inputs);

// The document as YAML text.
std::string emit_document(const YAML::Node& document);

// The guest path of a host path under one of the mounts the document gives the VM (the home
// directory when the settings list none; its mountPoint, else the same path), or nullopt when no
// mount holds it. host_path is compared as written, after `~` expansion and normalisation.
std::optional<std::string> guest_path(const config::Settings& settings,
                                      const std::filesystem::path& home,
                                      const std::filesystem::path& host_path);

} // namespace colima::lima
