// colima's SSH client configuration: <COLIMA_HOME>/ssh_config with a Host block per running VM,
// and an Include of it at the top of ~/.ssh/config when the sshConfig setting is on.
#include "colima/app/app.hpp"
#include "colima/lima/driver.hpp"
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"

namespace colima::app {

namespace fs = std::filesystem;

void App::write_ssh_config(bool include_in_user_config) {
  lima::Driver driver(m_runner, m_paths);
  std::string combined;
  for (const auto& instance : driver.list()) {
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
  fs::path user_config = m_paths.home() / ".ssh" / "config";
  std::string include = "Include " + file.string();
  std::string current = util::read_file(user_config).value_or("");
  for (const auto& line : util::split(current, '\n')) {
    if (util::trim(line) == include) {
      return;
    }
  }
  util::create_directories(user_config.parent_path(), fs::perms(0700));
  util::atomic_write(user_config, include + "\n\n" + current, fs::perms(0600));
}

} // namespace colima::app
