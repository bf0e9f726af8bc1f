#include "colima/lima/instance.hpp"

#include "colima/util/error.hpp"
#include "colima/util/strings.hpp"

#include <cstdint>
#include <fmt/format.h>
#include <limits>
#include <nlohmann/json.hpp>

namespace colima::lima {

namespace {
template <typename T> T field(const nlohmann::json& object, const char* name, T fallback) {
  auto found = object.find(name);
  if (found == object.end() || found->is_null()) {
    return fallback;
  }
  try {
    return found->get<T>();
  } catch (const nlohmann::json::exception&) {
    return fallback;
  }
}
// A whole number that fits T, or 0 for anything else (a fraction, text, out of range).
template <typename T> T integer(const nlohmann::json& object, const char* name) {
  auto found = object.find(name);
  if (found == object.end()) {
    return 0;
  }
  constexpr auto low = std::numeric_limits<T>::min();
  constexpr auto high = std::numeric_limits<T>::max();
  if (found->is_number_unsigned()) {
    auto value = found->get<std::uint64_t>();
    return value <= static_cast<std::uint64_t>(high) ? static_cast<T>(value) : 0;
  }
  if (found->is_number_integer()) {
    auto value = found->get<std::int64_t>();
    return value >= low && value <= high ? static_cast<T>(value) : 0;
  }
  return 0;
}
} // namespace

std::vector<Instance> parse_instances(std::string_view output) {
  std::vector<Instance> instances;
  std::size_t number = 0;
  for (const auto& line : util::split(output, '\n')) {
    ++number;
    if (util::trim(line).empty()) {
      continue;
    }
    nlohmann::json object = nlohmann::json::parse(line, nullptr, false);
    if (object.is_discarded() || !object.is_object()) {
      throw Error(fmt::format("cannot read 'limactl list --json' output, line {}: '{}'", number,
                              line.substr(0, 80)));
    }
    Instance instance;
    instance.name = field<std::string>(object, "name", "");
    instance.status = field<std::string>(object, "status", "");
    instance.arch = field<std::string>(object, "arch", "");
    instance.cpus = integer<int>(object, "cpus");
    instance.memory = integer<std::int64_t>(object, "memory");
    instance.disk = integer<std::int64_t>(object, "disk");
    instance.dir = field<std::string>(object, "dir", "");
    instance.ssh_local_port = integer<int>(object, "sshLocalPort");
    instance.host_agent_pid = integer<int>(object, "hostAgentPID");
    instance.driver_pid = integer<int>(object, "driverPID");
    instance.errors = field<std::vector<std::string>>(object, "errors", {});
    instances.push_back(std::move(instance));
  }
  return instances;
}

} // namespace colima::lima
