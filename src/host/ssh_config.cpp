#include "colima/host/ssh_config.hpp"

#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"

namespace colima::host {

namespace fs = std::filesystem;

namespace {

// The file a chain of symbolic links ends at (the path itself when it is no link); the file
// need not exist.
fs::path link_target(fs::path path) {
  std::error_code error;
  for (int hops = 0; fs::is_symlink(fs::symlink_status(path, error)); ++hops) {
    if (hops == 40) {
      throw Error("cannot update '" + path.string() + "': too many levels of symbolic links");
    }
    fs::path next = fs::read_symlink(path, error);
    if (error) {
      throw Error("cannot read the link '" + path.string() + "': " + error.message());
    }
    path = next.is_absolute() ? next : path.parent_path() / next;
  }
  return path;
}

} // namespace

void include_in_ssh_config(const fs::path& user_config, const std::string& line) {
  fs::path file = link_target(user_config);
  std::string current = util::read_file(file).value_or("");
  for (const auto& existing : util::split(current, '\n')) {
    if (util::trim(existing) == line) {
      return;
    }
  }
  std::error_code error;
  fs::perms mode = fs::perms(0600);
  if (fs::exists(file, error)) {
    mode = fs::status(file, error).permissions() & fs::perms::mask;
  }
  if (file == user_config) {
    util::create_directories(file.parent_path(), fs::perms(0700));
  }
  util::atomic_write(file, line + "\n\n" + current, mode);
}

} // namespace colima::host
