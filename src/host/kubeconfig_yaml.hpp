#pragma once

#include <string>
#include <yaml-cpp/yaml.h>

namespace colima::host::kubeconfig_yaml {

// The document as YAML that reads back with the same values: yaml-cpp's own emitter drops the
// quotes of a scalar quoted in the source, so `value: "1"` would come back as the number 1 and
// `namespace: "true"` as a boolean, which kubectl refuses. Here a scalar quoted in the source
// stays quoted, explicit tags are kept and flow collections stay flow. Anchors are expanded.
std::string emit(const YAML::Node& document);

// A string scalar that reads back as a string: quoted when, plain, it could read as a number,
// a boolean or null (YAML 1.1 or 1.2).
YAML::Node text(const std::string& value);

} // namespace colima::host::kubeconfig_yaml
