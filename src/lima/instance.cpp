#include "colima/lima/instance.hpp"

#include "colima/util/error.hpp"
#include "colima/util/strings.hpp"

#include <fmt/format.h>
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
    instance.cpus = field<int>(object, "cpus", 0);
    instance.memory = field<std::int64_t>(object, "memory", 0);
    instance.disk = field<std::int64_t>(object, "disk", 0);
    instance.dir = field<std::string>(object, "dir", "");
    instance.ssh_local_port = field<int>(object, "sshLocalPort", 0);
    instance.host_agent_pid = field<int>(object, "hostAgentPID", 0);
    instance.driver_pid = field<int>(object, "driverPID", 0);
    instance.errors = field<std::vector<std::string>>(object, "errors", {});
    instances.push_back(std::move(instance));
  }
  return instances;
}

} // namespace colima::lima
