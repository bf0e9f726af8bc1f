#pragma once

#include "colima/config/settings.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <yaml-cpp/yaml.h>

namespace colima::config::detail {

// The settings as a YAML node tree keyed by colima.yaml's key names.
YAML::Node to_node(const Settings& settings);

// A JSON value for a YAML node: plain scalars become booleans, numbers or null when they
// read as such; quoted scalars stay strings.
nlohmann::json yaml_to_json(const YAML::Node& node);

// A YAML node for a JSON value.
YAML::Node json_to_yaml(const nlohmann::json& value);

// A number as the shortest text that reads back as the same value (2 -> "2", 1.5 -> "1.5").
std::string format_number(double value);

} // namespace colima::config::detail
