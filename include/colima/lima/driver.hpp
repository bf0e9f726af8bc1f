#pragma once

#include "colima/config/paths.hpp"
#include "colima/config/profile.hpp"
#include "colima/lima/instance.hpp"
#include "colima/process/runner.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace colima::lima {

// colima's only way to drive Lima: every call is one `limactl` argv with LIMA_HOME set to
// <COLIMA_HOME>/_lima, but for read_list() and read(), which read the instance directories. Throws
// process::ProcessError when limactl fails, with the line of its stderr that says why (see
// failure_line).
class Driver {
public:
  Driver(process::Runner& runner, config::Paths paths);

  // All instances Lima knows of in colima's LIMA_HOME, each status corrected for pid files
  // that name no such process or another program (see stale_state.hpp).
  std::vector<Instance> list();
  // The profile's instance, or nullopt when Lima has none.
  std::optional<Instance> find(const config::Profile& profile);
  // list() and find() read from the instance directories without running limactl (see
  // instance_reader.hpp), for the read-only `list` and `status`, whose time is mostly one
  // limactl; limactl itself when the directories hold what only it reads. read() reads the
  // profile's directory alone. The commands that change a VM ask limactl, whose view they act
  // on.
  std::vector<Instance> read_list();
  std::optional<Instance> read(const config::Profile& profile);
  // Removes the pid files (and the sockets of a dead host agent) that a crash left in the
  // profile's instance directory; returns what it removed.
  std::vector<std::string> clean_stale(const config::Profile& profile);

  // Creates and boots the instance from a Lima document: `limactl start --tty=false --name
  // <id> <file>`. Lima's progress lines go to on_line; watchdog may stop the wait early.
  void create(const config::Profile& profile, const std::filesystem::path& document,
              const process::Command& options);
  // Boots an existing instance: `limactl start --tty=false <id>`.
  void resume(const config::Profile& profile, const process::Command& options);
  // `limactl stop [--force] <id>`.
  void stop(const config::Profile& profile, bool force);
  // `limactl delete --force <id>`; the data disk is kept.
  void remove(const config::Profile& profile);

  // Copies a stopped instance: `limactl clone --tty=false <from-id> <to-id>`.
  void clone(const config::Profile& from, const config::Profile& to);
  // Makes a copy of a disk file the profile's data disk: `limactl disk import <id> <file>`.
  void import_data_disk(const config::Profile& profile, const std::filesystem::path& file);
  // The instance's boot disk: <instance>/disk (Lima 2), else <instance>/diffdisk (Lima 1).
  std::filesystem::path boot_disk_file(const config::Profile& profile) const;
  // The file of the profile's data disk: <LIMA_HOME>/_disks/<id>/datadisk.
  std::filesystem::path data_disk_file(const config::Profile& profile) const;

  // Whether the profile's data disk exists (`limactl disk list --json <id>`).
  bool data_disk_exists(const config::Profile& profile);
  // `limactl disk create <id> --size <gib>GiB --format raw`.
  void create_data_disk(const config::Profile& profile, int gib);
  // The size of the data disk in bytes (`qemu-img info`), nullopt when there is none or it
  // cannot be read.
  std::optional<std::int64_t> data_disk_bytes(const config::Profile& profile);
  // Marks a new data disk as not formatted yet (a file beside it, gone with the disk).
  void mark_data_disk_unformatted(const config::Profile& profile);
  // Whether the data disk was created but no boot has completed since: only then may Lima
  // format it (it would format any disk whose label is not `lima-<id>`, and ext4 labels stop at
  // 16 characters). A first start killed before the guest formatted it leaves it so.
  bool data_disk_unformatted(const config::Profile& profile) const;
  // After a boot with a formatting Lima document: the data disk has its file system.
  void data_disk_formatted(const config::Profile& profile);
  // The runtime whose data the data disk holds (a file beside it, written after each boot that
  // used it); nullopt when none was recorded (a disk of a colima before incus: docker's or
  // containerd's).
  std::optional<std::string> data_disk_runtime(const config::Profile& profile) const;
  void set_data_disk_runtime(const config::Profile& profile, const std::string& runtime);
  // `limactl disk resize <id> --size <gib>GiB` (grows only).
  void resize_data_disk(const config::Profile& profile, int gib);
  // `limactl disk delete --force <id>`.
  void delete_data_disk(const config::Profile& profile);

  // Runs argv in the guest attached to the user's terminal: `limactl shell [--workdir D]
  // <id> argv...`; returns the command's exit status.
  int shell_interactive(const config::Profile& profile, const std::vector<std::string>& argv,
                        const std::optional<std::string>& workdir);
  // Runs argv in the guest and captures its output: `limactl shell --workdir / <id> argv...`.
  process::Result shell(const config::Profile& profile, const std::vector<std::string>& argv,
                        const std::string& stdin_data = {},
                        std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  // Copies a host file into the running guest: `limactl copy <file> <id>:<guest_path>`; the
  // guest file belongs to the Lima user.
  void copy(const config::Profile& profile, const std::filesystem::path& file,
            const std::string& guest_path);

  // The environment every limactl call gets.
  std::map<std::string, std::string> environment() const;

private:
  // read_instances for the instance named `only` (all when empty), else limactl's list.
  std::vector<Instance> read_or_list(const std::string& only);
  process::Command limactl(std::vector<std::string> arguments) const;
  process::Result checked(const process::Command& command, const std::string& context);

  process::Runner& m_runner;
  config::Paths m_paths;
};

} // namespace colima::lima
