#pragma once

#include "colima/config/settings.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace colima::config {

// Settings read from a colima.yaml, with warnings about what was ignored (unknown keys).
struct LoadedSettings {
  Settings settings;
  std::vector<std::string> warnings;
};

// Parses the text of a colima.yaml; keys it lacks keep their defaults. Throws UsageError as
// `<origin>:<line>:<column>: <message>` for malformed YAML or a value of the wrong type.
LoadedSettings parse_settings(std::string_view text, const std::string& origin);

// Reads and parses a colima.yaml, or nullopt when the file does not exist.
std::optional<LoadedSettings> load_settings(const std::filesystem::path& path);

// The settings as colima.yaml text: the commented default file with these values.
std::string render_settings(const Settings& settings);

// Writes the settings to path atomically (mode 0644, as upstream).
void save_settings(const std::filesystem::path& path, const Settings& settings);

} // namespace colima::config
