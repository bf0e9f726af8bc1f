// colima's SSH client configuration: <COLIMA_HOME>/ssh_config with a Host block per running VM,
// and an Include of it at the top of ~/.ssh/config when the sshConfig setting is on.
#include "colima/host/ssh_config.hpp"
#include "colima/app/app.hpp"
#include "colima/lima/driver.hpp"
#include "colima/process/interrupt.hpp"
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"

#include <chrono>
#include <fmt/format.h>
#include <thread>
#include <unistd.h>

namespace colima::app {

namespace fs = std::filesystem;

void App::write_ssh_config(bool include_in_user_config) {
  // One colima at a time lists the VMs and writes the files: two profiles starting together
  // would otherwise each write a list that lacks the other.
  fs::path lock_file = m_paths.colima_home() / "_locks" / "ssh_config.lock";
  std::string owner = fmt::format("pid {}: colima writing the ssh config", ::getpid());
  std::optional<util::FileLock> lock = util::FileLock::try_lock(lock_file, owner);
  while (!lock) {
    process::throw_if_interrupted("waiting for another colima writing the ssh config");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    lock = util::FileLock::try_lock(lock_file, owner);
  }
  // The running VMs as Lima's instance directories say (no limactl run: this is the last step
  // of every start); read_list() asks limactl when it cannot read them.
  lima::Driver driver(m_runner, m_paths);
  std::string combined;
  for (const auto& instance : driver.read_list()) {
    if (!instance.running() ||
        !(instance.name == "colima" || instance.name.starts_with("colima-"))) {
      continue;
    }
    config::Profile profile = config::Profile::from_name(instance.name);
    try {
      combined += ssh_config(profile) + "\n";
    } catch (const Error&) {
      continue;
    }
  }
  fs::path file = m_paths.colima_home() / "ssh_config";
  util::atomic_write(file, combined, fs::perms(0600));
  if (!include_in_user_config) {
    return;
  }
  host::include_in_ssh_config(m_paths.home() / ".ssh" / "config", "Include " + file.string());
}

} // namespace colima::app
