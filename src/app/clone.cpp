// `colima clone`: a new profile from an existing one, settings, VM and container data.
#include "colima/app/app.hpp"
#include "colima/config/settings_file.hpp"
#include "colima/lima/driver.hpp"
#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"

#include <fmt/format.h>

namespace colima::app {

namespace fs = std::filesystem;

void App::clone(const config::Profile& from, const config::Profile& to) {
  if (from.id() == to.id()) {
    throw UsageError(
        fmt::format("cannot clone '{}' onto itself: name a new profile", from.short_name()));
  }
  std::string absent = fmt::format("colima profile '{}' does not exist", from.short_name());
  std::error_code error;
  if (!vm_exists(from) && !fs::exists(m_paths.settings_file(from), error)) {
    throw Error(absent);
  }
  util::FileLock from_lock = lock_profile(from, "clone");
  lima::Driver driver(m_runner, m_paths);
  std::optional<lima::Instance> source = driver.find(from);
  std::optional<std::string> settings = util::read_file(m_paths.settings_file(from));
  if (!source && !settings) {
    throw Error(absent);
  }
  if (driver.find(to) || fs::exists(m_paths.settings_file(to))) {
    throw Error(fmt::format("colima profile '{}' already exists, delete with 'colima delete {}' "
                            "and try again",
                            to.short_name(), to.short_name()));
  }
  if (source && source->running()) {
    throw Error(fmt::format("{} is running: stop it first with 'colima stop{}'",
                            from.display_name(), from.argument()));
  }
  // The new profile's lock, once it is clear that it will be made.
  util::FileLock to_lock = lock_profile(to, "clone");
  make_private(m_paths.colima_home());
  make_private(m_paths.profile_dir(to));
  if (settings) {
    util::atomic_write(m_paths.settings_file(to), *settings);
  }
  if (!source) {
    m_progress.info(
        fmt::format("copied the settings of '{}' to '{}'", from.short_name(), to.short_name()));
    return;
  }
  m_progress.stage(fmt::format("cloning {} to {}", from.display_name(), to.display_name()));
  try {
    driver.clone(from, to);
    if (driver.data_disk_exists(from) && !driver.data_disk_exists(to)) {
      m_progress.stage("copying the container data disk");
      driver.import_data_disk(to, driver.data_disk_file(from));
      if (auto runtime = driver.data_disk_runtime(from)) {
        driver.set_data_disk_runtime(to, *runtime);
      }
    }
  } catch (const Error&) {
    // Half a clone is no profile: remove what was made, leave the source as it was.
    std::error_code ignored;
    if (driver.find(to)) {
      driver.remove(to);
    }
    fs::remove_all(m_paths.profile_dir(to), ignored);
    throw;
  }
  if (auto state = config::load_settings(m_paths.state_file(from))) {
    config::save_settings(m_paths.state_file(to), state->settings);
  }
  m_progress.info(fmt::format("cloned; start it with 'colima start {}'", to.short_name()));
}

} // namespace colima::app
