#pragma once

#include "colima/config/paths.hpp"
#include "colima/config/profile.hpp"
#include "colima/config/settings.hpp"

#include <filesystem>
#include <string>
#include <yaml-cpp/yaml.h>

namespace colima::lima {

// What the Lima document needs beyond the profile's settings.
struct DocumentInputs {
  // The guest disk image Lima boots (a local path).
  std::string image_location;
  // The user's home directory, for `~` in mount paths.
  std::filesystem::path home;
  // Whether the container data lives on a separate Lima disk named after the instance.
  bool data_disk = true;
};

// The Lima instance document for a profile, built as yaml-cpp nodes on templates/lima.yaml:
// resources, image, data disk, mounts, SSH, DNS, environment, port forwards of the runtime's
// sockets to <COLIMA_HOME>/<profile>/ and of container ports to 127.0.0.1.
// Throws UsageError for mounts that overlap or are not absolute.
YAML::Node render_document(const config::Settings& settings, const config::Profile& profile,
                           const config::Paths& paths, const DocumentInputs& inputs);

// The document as YAML text.
std::string emit_document(const YAML::Node& document);

} // namespace colima::lima
