// What a start checks before it boots: settings a running VM cannot take, damaged disks, a
// data disk of another runtime or kept from before, and the Lima document of an existing VM.
#include "vm_checks.hpp"

#include "colima/app/app.hpp"
#include "colima/config/settings_file.hpp"
#include "colima/lima/disk_check.hpp"
#include "colima/util/error.hpp"
#include "colima/util/strings.hpp"

#include <fmt/format.h>

namespace colima::app {

namespace fs = std::filesystem;

std::vector<std::string> changed_settings(const config::Settings& running,
                                          const config::Settings& wanted) {
  std::vector<std::string> changed;
  auto note = [&](bool differs, const char* name) {
    if (differs) {
      changed.emplace_back(name);
    }
  };
  note(running.cpu != wanted.cpu, "cpu");
  note(running.memory != wanted.memory, "memory");
  note(running.disk != wanted.disk, "disk");
  note(running.mounts != wanted.mounts || running.mount_type != wanted.mount_type ||
           running.mount_inotify != wanted.mount_inotify,
       "mounts");
  note(running.env != wanted.env, "env");
  note(running.docker != wanted.docker, "docker");
  note(running.network != wanted.network, "network");
  note(running.port_forwarder != wanted.port_forwarder, "port forwarder");
  note(running.provision != wanted.provision, "provision");
  return changed;
}

void refuse_damaged_disks(process::Runner& runner, lima::Driver& driver,
                          const config::Profile& profile, bool data_disk) {
  fs::path boot_disk = driver.boot_disk_file(profile);
  if (auto damage = lima::disk_damage(runner, boot_disk, true)) {
    throw Error(fmt::format("the VM's disk '{}' is damaged: {}; 'colima delete{}' removes the VM "
                            "(the container data disk is kept) and the next start creates it anew",
                            boot_disk.string(), *damage, profile.argument()));
  }
  fs::path data = driver.data_disk_file(profile);
  if (data_disk) {
    if (auto damage = lima::disk_damage(runner, data, false)) {
      throw Error(fmt::format("the container data disk '{}' is damaged: {}; 'colima delete{} "
                              "--data' removes it with the images and containers it held",
                              data.string(), *damage, profile.argument()));
    }
  }
}

YAML::Node load_lima_document(const fs::path& file, const config::Profile& profile) {
  std::string remedy =
      fmt::format("repair it, or delete the VM with 'colima delete{}'", profile.argument());
  try {
    return YAML::LoadFile(file.string());
  } catch (const YAML::ParserException& error) {
    throw Error(fmt::format("cannot read the VM's Lima document '{}': line {}, column {}: {}; {}",
                            file.string(), error.mark.line + 1, error.mark.column + 1, error.msg,
                            remedy));
  } catch (const YAML::Exception& error) {
    throw Error(fmt::format("cannot read the VM's Lima document '{}': {}; {}", file.string(),
                            error.msg, remedy));
  }
}

// incus keeps the whole of /var/lib/incus on the data disk, docker and containerd their
// engines' directories: a disk serves one kind or the other, never both.
void App::refuse_foreign_data_disk(const config::Profile& profile, const std::string& runtime) {
  if (!runtime::make(runtime)->uses_data_disk() || vm_exists(profile)) {
    return;
  }
  lima::Driver driver(m_runner, m_paths);
  std::error_code error;
  if (!fs::exists(driver.data_disk_file(profile), error) || driver.data_disk_unformatted(profile)) {
    return;
  }
  std::string owner = driver.data_disk_runtime(profile).value_or("docker");
  if ((owner == "incus") == (runtime == "incus")) {
    return;
  }
  throw UsageError(fmt::format(
      "the data disk of {} holds the data of the '{}' runtime, which the '{}' runtime cannot use: "
      "start it with '--runtime {}', or delete that disk and its data first with 'colima delete "
      "--data{}'",
      profile.display_name(), owner, runtime, owner, profile.argument()));
}

void App::adopt_kept_data_disk(const config::Profile& profile, config::Settings& settings) {
  if (!runtime::make(settings.runtime)->uses_data_disk()) {
    return;
  }
  std::error_code error;
  if (fs::exists(m_paths.instance_dir(profile) / "lima.yaml", error)) {
    return; // the VM exists: boot grows its disk, shrinking is refused before
  }
  lima::Driver driver(m_runner, m_paths);
  if (auto bytes = driver.data_disk_bytes(profile)) {
    int gib = static_cast<int>(*bytes / (1024LL * 1024 * 1024));
    if (gib > settings.disk) {
      m_progress.info(fmt::format("the container data disk kept from before is {}GiB: it stays "
                                  "{}GiB (disks never shrink)",
                                  gib, gib));
      settings.disk = gib;
    }
  }
}

bool App::vm_exists(const config::Profile& profile) const {
  std::error_code error;
  return fs::exists(m_paths.instance_dir(profile), error);
}

void App::refuse_changes_to_running(const config::Profile& profile,
                                    const config::Settings& settings) {
  if (!vm_exists(profile)) {
    return;
  }
  auto running = config::load_settings(m_paths.state_file(profile));
  if (!running) {
    return;
  }
  std::vector<std::string> changed = changed_settings(running->settings, settings);
  // The engine's settings are the runtime script's: it applies them to an engine that is not
  // running (the start that repairs a configuration the engine refused), and boot() says when
  // they wait for the next start.
  std::erase(changed, "docker");
  if (changed.empty()) {
    return;
  }
  std::optional<lima::Instance> instance = lima::Driver(m_runner, m_paths).find(profile);
  if (instance && instance->running()) {
    throw UsageError(fmt::format(
        "{} is running with other {}: a running VM takes them only at a start, and nothing was "
        "saved; 'colima stop{}' first, then start with the new ones",
        profile.display_name(), util::join(changed, ", "), profile.argument()));
  }
}

} // namespace colima::app
