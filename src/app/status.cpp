// What runs: status, list, ssh and ssh-config.
#include "colima/app/app.hpp"
#include "colima/app/kubernetes.hpp"
#include "colima/config/settings_file.hpp"
#include "colima/lima/document.hpp"
#include "colima/lima/driver.hpp"
#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"

#include <fmt/format.h>
#include <map>
#include <spdlog/spdlog.h>

namespace colima::app {

namespace fs = std::filesystem;

namespace {
constexpr std::int64_t k_gib = 1024LL * 1024 * 1024;

std::string socket_uri(const fs::path& path) {
  return "unix://" + path.string();
}

bool is_colima_instance(const std::string& name) {
  return name == "colima" || name.starts_with("colima-");
}

std::string short_name(const std::string& instance) {
  return instance == "colima" ? "default" : instance.substr(7);
}
} // namespace

nlohmann::ordered_json Status::to_json() const {
  nlohmann::ordered_json json;
  json["display_name"] = display_name;
  json["driver"] = driver;
  json["arch"] = arch;
  json["runtime"] = runtime;
  json["mount_type"] = mount_type;
  if (!docker_socket.empty()) {
    json["docker_socket"] = docker_socket;
  }
  if (!containerd_socket.empty()) {
    json["containerd_socket"] = containerd_socket;
  }
  if (!buildkitd_socket.empty()) {
    json["buildkitd_socket"] = buildkitd_socket;
  }
  if (!incus_socket.empty()) {
    json["incus_socket"] = incus_socket;
  }
  json["kubernetes"] = kubernetes;
  json["cpu"] = cpu;
  json["memory"] = memory;
  json["disk"] = disk;
  json["status"] = status;
  return json;
}

nlohmann::ordered_json ListEntry::to_json() const {
  nlohmann::ordered_json json;
  json["name"] = name;
  if (!status.empty()) {
    json["status"] = status;
  }
  if (!arch.empty()) {
    json["arch"] = arch;
  }
  if (cpus != 0) {
    json["cpus"] = cpus;
  }
  if (memory != 0) {
    json["memory"] = memory;
  }
  if (disk != 0) {
    json["disk"] = disk;
  }
  if (!address.empty()) {
    json["address"] = address;
  }
  if (!runtime.empty()) {
    json["runtime"] = runtime;
  }
  return json;
}

std::optional<Status> App::status(const config::Profile& profile) {
  lima::Driver driver(m_runner, m_paths);
  auto instance = driver.read(profile);
  if (!instance) {
    return std::nullopt;
  }
  Status status;
  status.status = instance->status;
  status.display_name = profile.display_name();
  status.arch = instance->arch;
  status.cpu = instance->cpus;
  status.memory = instance->memory;
  status.disk = instance->disk;
  if (instance->running()) {
    status.kubernetes =
        KubernetesLayer(m_runner, m_environment, m_paths, m_progress).answers(profile);
  }
  if (auto state = config::load_settings(m_paths.state_file(profile))) {
    const config::Settings& s = state->settings;
    status.runtime = s.runtime;
    status.mount_type = s.mount_type;
    status.disk = s.disk * k_gib;
    fs::path dir = m_paths.profile_dir(profile);
    std::map<std::string, std::string*> fields = {{"docker_socket", &status.docker_socket},
                                                  {"containerd_socket", &status.containerd_socket},
                                                  {"buildkitd_socket", &status.buildkitd_socket},
                                                  {"incus_socket", &status.incus_socket}};
    try {
      for (const auto& socket : runtime::make(s.runtime)->sockets()) {
        if (auto field = fields.find(socket.status_key); field != fields.end()) {
          *field->second = socket_uri(dir / socket.file_name);
        }
      }
    } catch (const Error& error) {
      spdlog::debug("status: no sockets for runtime '{}': {}", s.runtime, error.what());
    }
  }
  return status;
}

std::vector<ListEntry> App::list(const std::optional<config::Profile>& only) {
  lima::Driver driver(m_runner, m_paths);
  std::vector<ListEntry> entries;
  for (const auto& instance : driver.read_list()) {
    if (!is_colima_instance(instance.name) || (only && instance.name != only->id())) {
      continue;
    }
    ListEntry entry;
    entry.name = short_name(instance.name);
    entry.status = instance.status;
    entry.arch = instance.arch;
    entry.cpus = instance.cpus;
    entry.memory = instance.memory;
    entry.disk = instance.disk;
    config::Profile profile = config::Profile::from_name(entry.name);
    if (auto state = config::load_settings(m_paths.state_file(profile))) {
      entry.runtime = state->settings.runtime;
      KubernetesLayer kubernetes(m_runner, m_environment, m_paths, m_progress);
      std::string distribution = kubernetes.distribution_of(profile);
      if (!distribution.empty() && instance.running() && kubernetes.answers(profile)) {
        entry.runtime += "+" + distribution;
      }
      entry.disk = state->settings.disk * k_gib;
    }
    entries.push_back(entry);
  }
  return entries;
}

std::optional<std::string> App::guest_workdir(const config::Profile& profile) const {
  auto loaded = config::load_settings(m_paths.state_file(profile));
  std::error_code error;
  fs::path physical = fs::current_path(error);
  if (!loaded || error) {
    return std::nullopt;
  }
  // The shell's $PWD first, when it names this directory: it keeps the symbolic links a mount
  // location may go through, which the physical path has resolved away.
  std::vector<fs::path> candidates;
  if (auto pwd = m_environment.get_non_empty("PWD")) {
    if (fs::path(*pwd).is_absolute() && fs::equivalent(*pwd, physical, error) && !error) {
      candidates.push_back(*pwd);
    }
  }
  candidates.push_back(physical);
  for (const auto& here : candidates) {
    if (auto guest = lima::guest_path(loaded->settings, m_paths.home(), m_environment, here)) {
      return guest;
    }
  }
  return std::nullopt;
}

int App::ssh(const config::Profile& profile, const std::vector<std::string>& argv) {
  lima::Driver driver(m_runner, m_paths);
  auto instance = driver.find(profile);
  if (!instance || !instance->running()) {
    throw Error(profile.display_name() + " is not running");
  }
  return driver.shell_interactive(profile, argv, guest_workdir(profile));
}

std::string App::version_details(const config::Profile& profile) {
  std::string out;
  process::Result lima = m_runner.run(process::Command{.argv = {"limactl", "--version"}});
  if (lima.ok()) {
    out += util::trim(lima.out) + "\n";
  }
  std::optional<Status> current;
  try {
    current = status(profile);
  } catch (const Error& error) {
    spdlog::debug("version: no VM details: {}", error.what());
  }
  if (!current || current->status != "Running" || current->runtime.empty()) {
    return out;
  }
  out += "\nruntime: " + current->runtime + "\narch: " + current->arch + "\n";
  if (current->runtime == "docker") {
    process::Result docker = m_runner.run(process::Command{
        .argv = {"docker", "--context", profile.id(), "version", "--format",
                 "client: v{{.Client.Version}}{{printf \"\\n\"}}server: v{{.Server.Version}}"}});
    if (docker.ok()) {
      out += util::trim(docker.out) + "\n";
    }
  } else if (current->runtime == "containerd") {
    lima::Driver driver(m_runner, m_paths);
    process::Result nerdctl =
        driver.shell(profile,
                     {"sudo", "nerdctl", "version", "--format",
                      "client: {{.Client.Version}}{{printf \"\\n\"}}server: {{(index "
                      ".Server.Components 0).Version}}"},
                     {}, std::chrono::seconds(30));
    if (nerdctl.ok()) {
      out += util::trim(nerdctl.out) + "\n";
    }
  }
  if (current->runtime == "incus") {
    // The client's and the server's versions through the profile's remote, as upstream prints.
    process::Result incus =
        m_runner.run(process::Command{.argv = {"incus", "version", profile.id() + ":"}});
    if (incus.ok()) {
      out += util::trim(incus.out) + "\n";
    }
  }
  KubernetesLayer kubernetes(m_runner, m_environment, m_paths, m_progress);
  if (current->kubernetes) {
    if (auto server = kubernetes.server_version(profile)) {
      out += "\nkubernetes\nserver: " + *server + "\n";
    }
  }
  return out;
}

std::string App::ssh_config(const config::Profile& profile) {
  fs::path file = m_paths.instance_dir(profile) / "ssh.config";
  auto text = util::read_file(file);
  if (!text) {
    throw Error(fmt::format("no SSH config for {}: '{}' does not exist (is the VM created?)",
                            profile.display_name(), file.string()));
  }
  std::string out;
  for (const auto& line : util::split(*text, '\n')) {
    if (line.starts_with("Host ")) {
      out += "Host " + profile.id() + "\n";
    } else {
      out += line + "\n";
    }
  }
  while (out.ends_with("\n\n")) {
    out.pop_back();
  }
  return out;
}

} // namespace colima::app
