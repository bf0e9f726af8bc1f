#include "colima/lima/driver.hpp"

#include "colima/lima/instance_reader.hpp"
#include "colima/lima/log_lines.hpp"
#include "colima/lima/stale_state.hpp"
#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace colima::lima {

namespace fs = std::filesystem;

Driver::Driver(process::Runner& runner, config::Paths paths)
    : m_runner(runner), m_paths(std::move(paths)) {}

std::map<std::string, std::string> Driver::environment() const {
  return {{"LIMA_HOME", m_paths.lima_home().string()}};
}

process::Command Driver::limactl(std::vector<std::string> arguments) const {
  arguments.insert(arguments.begin(), "limactl");
  return process::Command{.argv = std::move(arguments), .env = environment()};
}

process::Result Driver::checked(const process::Command& command, const std::string& context) {
  process::Result result = m_runner.run(command);
  if (!result.ok()) {
    // limactl's first stderr line is mostly an info line: lead with the one that says why.
    process::Result shown = result;
    shown.err = failure_line(result.err) + "\n" + result.err;
    throw process::ProcessError(context, command, shown);
  }
  return result;
}

std::vector<Instance> Driver::list() {
  process::Result result = m_runner.run(limactl({"list", "--json"}));
  if (!result.ok()) {
    throw process::ProcessError("error listing instances", limactl({"list", "--json"}), result);
  }
  std::vector<Instance> instances = parse_instances(result.out);
  for (auto& instance : instances) {
    if (!instance.dir.empty()) {
      std::string truth =
          status_without(instance.status, check_claims(instance.dir, instance.name));
      if (truth != instance.status) {
        spdlog::debug("lima: {} is {}, not {}: its pid files are stale", instance.name, truth,
                      instance.status);
        instance.status = truth;
      }
    }
  }
  return instances;
}

std::vector<std::string> Driver::clean_stale(const config::Profile& profile) {
  fs::path dir = m_paths.instance_dir(profile);
  return remove_stale(dir, check_claims(dir, profile.id()).stale);
}

namespace {
std::optional<Instance> named(std::vector<Instance> instances, const std::string& name) {
  for (auto& instance : instances) {
    if (instance.name == name) {
      return std::move(instance);
    }
  }
  return std::nullopt;
}
} // namespace

std::optional<Instance> Driver::find(const config::Profile& profile) {
  return named(list(), profile.id());
}

std::vector<Instance> Driver::read_or_list(const std::string& only) {
  if (auto instances = read_instances(m_paths.lima_home(), only)) {
    return std::move(*instances);
  }
  spdlog::debug("lima: '{}' holds what only limactl reads: asking it",
                m_paths.lima_home().string());
  return list();
}

std::vector<Instance> Driver::read_list() {
  return read_or_list({});
}

std::optional<Instance> Driver::read(const config::Profile& profile) {
  return named(read_or_list(profile.id()), profile.id());
}

void Driver::create(const config::Profile& profile, const std::filesystem::path& document,
                    const process::Command& options) {
  process::Command command = options;
  process::Command base =
      limactl({"start", "--tty=false", "--name", profile.id(), document.string()});
  command.argv = base.argv;
  command.env.insert(base.env.begin(), base.env.end());
  checked(command, "error creating the VM");
}

void Driver::resume(const config::Profile& profile, const process::Command& options) {
  process::Command command = options;
  process::Command base = limactl({"start", "--tty=false", profile.id()});
  command.argv = base.argv;
  command.env.insert(base.env.begin(), base.env.end());
  checked(command, "error starting the VM");
}

void Driver::stop(const config::Profile& profile, bool force) {
  std::vector<std::string> arguments = {"stop"};
  if (force) {
    arguments.push_back("--force");
  }
  arguments.push_back(profile.id());
  checked(limactl(arguments), "error stopping the VM");
}

void Driver::remove(const config::Profile& profile) {
  checked(limactl({"delete", "--force", profile.id()}), "error deleting the VM");
}

void Driver::clone(const config::Profile& from, const config::Profile& to) {
  checked(limactl({"clone", "--tty=false", from.id(), to.id()}), "error cloning the VM");
}

void Driver::import_data_disk(const config::Profile& profile, const std::filesystem::path& file) {
  checked(limactl({"disk", "import", profile.id(), file.string()}), "error copying the data disk");
}

std::filesystem::path Driver::boot_disk_file(const config::Profile& profile) const {
  std::filesystem::path dir = m_paths.instance_dir(profile);
  std::error_code error;
  return std::filesystem::exists(dir / "diffdisk", error) ? dir / "diffdisk" : dir / "disk";
}

std::filesystem::path Driver::data_disk_file(const config::Profile& profile) const {
  return m_paths.lima_home() / "_disks" / profile.id() / "datadisk";
}

bool Driver::data_disk_exists(const config::Profile& profile) {
  process::Result result = m_runner.run(limactl({"disk", "list", "--json", profile.id()}));
  if (!result.ok()) {
    return false;
  }
  for (const auto& instance : parse_instances(result.out)) {
    if (instance.name == profile.id()) {
      return true;
    }
  }
  return false;
}

namespace {
// Beside a data disk that no guest has formatted yet (removed with the disk).
constexpr const char* k_unformatted_marker = "colima-unformatted";
// Beside a data disk: the runtime whose data it holds.
constexpr const char* k_runtime_marker = "colima-runtime";
} // namespace

void Driver::create_data_disk(const config::Profile& profile, int gib) {
  checked(limactl({"disk", "create", profile.id(), "--size", fmt::format("{}GiB", gib), "--format",
                   "raw"}),
          "error creating the data disk");
}

std::optional<std::int64_t> Driver::data_disk_bytes(const config::Profile& profile) {
  std::error_code error;
  std::filesystem::path file = data_disk_file(profile);
  if (!std::filesystem::exists(file, error)) {
    return std::nullopt;
  }
  process::Result result = m_runner.run(
      process::Command{.argv = {"qemu-img", "info", "--output=json", "-U", file.string()}});
  nlohmann::json json = nlohmann::json::parse(result.out, nullptr, false);
  if (!result.ok() || !json.is_object() || !json.contains("virtual-size") ||
      !json["virtual-size"].is_number_integer()) {
    return std::nullopt;
  }
  return json["virtual-size"].get<std::int64_t>();
}

void Driver::mark_data_disk_unformatted(const config::Profile& profile) {
  util::atomic_write(data_disk_file(profile).parent_path() / k_unformatted_marker, "");
}

bool Driver::data_disk_unformatted(const config::Profile& profile) const {
  std::error_code error;
  return std::filesystem::exists(data_disk_file(profile).parent_path() / k_unformatted_marker,
                                 error);
}

void Driver::data_disk_formatted(const config::Profile& profile) {
  std::error_code error;
  std::filesystem::remove(data_disk_file(profile).parent_path() / k_unformatted_marker, error);
}

std::optional<std::string> Driver::data_disk_runtime(const config::Profile& profile) const {
  auto text = util::read_file(data_disk_file(profile).parent_path() / k_runtime_marker);
  if (!text || util::trim(*text).empty()) {
    return std::nullopt;
  }
  return util::trim(*text);
}

void Driver::set_data_disk_runtime(const config::Profile& profile, const std::string& runtime) {
  util::atomic_write(data_disk_file(profile).parent_path() / k_runtime_marker, runtime + "\n");
}

void Driver::resize_data_disk(const config::Profile& profile, int gib) {
  checked(limactl({"disk", "resize", profile.id(), "--size", fmt::format("{}GiB", gib)}),
          "error resizing the data disk");
}

void Driver::delete_data_disk(const config::Profile& profile) {
  checked(limactl({"disk", "delete", "--force", profile.id()}), "error deleting the data disk");
}

int Driver::shell_interactive(const config::Profile& profile, const std::vector<std::string>& argv,
                              const std::optional<std::string>& workdir) {
  std::vector<std::string> arguments = {"shell"};
  if (workdir) {
    arguments.insert(arguments.end(), {"--workdir", *workdir});
  }
  arguments.push_back(profile.id());
  arguments.insert(arguments.end(), argv.begin(), argv.end());
  return m_runner.run_interactive(limactl(arguments));
}

process::Result Driver::shell(const config::Profile& profile, const std::vector<std::string>& argv,
                              const std::string& stdin_data,
                              std::optional<std::chrono::milliseconds> timeout) {
  std::vector<std::string> arguments = {"shell", "--workdir", "/", profile.id()};
  arguments.insert(arguments.end(), argv.begin(), argv.end());
  process::Command command = limactl(arguments);
  command.stdin_data = stdin_data;
  command.timeout = timeout;
  return m_runner.run(command);
}

void Driver::copy(const config::Profile& profile, const std::filesystem::path& file,
                  const std::string& guest_path) {
  process::Command command = limactl({"copy", file.string(), profile.id() + ":" + guest_path});
  checked(command, "error copying '" + file.string() + "' into " + profile.display_name());
}

} // namespace colima::lima
