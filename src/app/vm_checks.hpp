#pragma once

#include "colima/config/profile.hpp"
#include "colima/config/settings.hpp"
#include "colima/lima/driver.hpp"
#include "colima/process/runner.hpp"

#include <filesystem>
#include <string>
#include <vector>
#include <yaml-cpp/yaml.h>

namespace colima::app {

// The names of the settings a running VM only takes at its next start that differ between its
// own and the new ones.
std::vector<std::string> changed_settings(const config::Settings& running,
                                          const config::Settings& wanted);

// Refuses to boot from a damaged boot disk, or data disk when the runtime uses one, naming it and
// the remedy; nothing is changed.
void refuse_damaged_disks(process::Runner& runner, lima::Driver& driver,
                          const config::Profile& profile, bool data_disk);

// The Lima document of an existing VM. Throws Error naming the file and the remedy when it
// cannot be read or parsed.
YAML::Node load_lima_document(const std::filesystem::path& file, const config::Profile& profile);

} // namespace colima::app
