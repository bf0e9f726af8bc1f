#include "colima/config/paths.hpp"

#include "colima/util/error.hpp"

namespace colima::config {

namespace fs = std::filesystem;

Paths Paths::resolve(const util::Environment& environment) {
  auto home = environment.get_non_empty("HOME");
  if (!home) {
    throw Error("cannot find the home directory: HOME is not set");
  }
  fs::path home_dir(*home);
  fs::path cache;
  if (auto cache_home = environment.get_non_empty("COLIMA_CACHE_HOME")) {
    cache = fs::absolute(*cache_home);
  }
  if (auto colima_home = environment.get_non_empty("COLIMA_HOME")) {
    return Paths(home_dir, fs::absolute(*colima_home), cache);
  }
  std::error_code error;
  if (fs::is_directory(home_dir / ".colima", error)) {
    return Paths(home_dir, home_dir / ".colima", cache);
  }
  if (auto xdg = environment.get_non_empty("XDG_CONFIG_HOME")) {
    return Paths(home_dir, fs::absolute(fs::path(*xdg) / "colima"), cache);
  }
  return Paths(home_dir, home_dir / ".config" / "colima", cache);
}

Paths::Paths(fs::path home, fs::path colima_home, fs::path cache_dir)
    : m_home(std::move(home)), m_colima_home(std::move(colima_home)),
      m_cache_dir(std::move(cache_dir)) {}

fs::path Paths::template_file() const {
  return m_colima_home / "_templates" / "default.yaml";
}

fs::path Paths::profile_dir(const Profile& profile) const {
  return m_colima_home / profile.short_name();
}

fs::path Paths::settings_file(const Profile& profile) const {
  return profile_dir(profile) / "colima.yaml";
}

fs::path Paths::instance_dir(const Profile& profile) const {
  return lima_home() / profile.id();
}

fs::path Paths::state_file(const Profile& profile) const {
  return instance_dir(profile) / "colima.yaml";
}

fs::path Paths::lock_file(const Profile& profile) const {
  return m_colima_home / "_locks" / (profile.id() + ".lock");
}

} // namespace colima::config
