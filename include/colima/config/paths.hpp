#pragma once

#include "colima/config/profile.hpp"
#include "colima/util/environment.hpp"

#include <filesystem>

namespace colima::config {

// Where colima keeps its files, resolved once from the environment.
class Paths {
public:
  // Resolves COLIMA_HOME as upstream Colima does: $COLIMA_HOME when set, else ~/.colima when
  // it exists, else $XDG_CONFIG_HOME/colima when that variable is set, else ~/.config/colima.
  // LIMA_HOME is always <COLIMA_HOME>/_lima; $COLIMA_CACHE_HOME moves the cache. Throws
  // colima::Error when HOME is unknown.
  static Paths resolve(const util::Environment& environment);

  // Paths rooted at the given COLIMA_HOME (tests).
  Paths(std::filesystem::path home, std::filesystem::path colima_home,
        std::filesystem::path cache_dir = {});

  const std::filesystem::path& home() const { return m_home; }
  const std::filesystem::path& colima_home() const { return m_colima_home; }
  // <COLIMA_HOME>/_lima, the LIMA_HOME of every limactl call.
  std::filesystem::path lima_home() const { return m_colima_home / "_lima"; }
  // <COLIMA_HOME>/_templates/default.yaml, the settings new profiles start from.
  std::filesystem::path template_file() const;
  // Downloads and built guest images: $COLIMA_CACHE_HOME when set, else <COLIMA_HOME>/_cache.
  std::filesystem::path cache_dir() const {
    return m_cache_dir.empty() ? m_colima_home / "_cache" : m_cache_dir;
  }
  // <COLIMA_HOME>/<short name>/, the profile's settings and forwarded sockets.
  std::filesystem::path profile_dir(const Profile& profile) const;
  // <COLIMA_HOME>/<short name>/colima.yaml.
  std::filesystem::path settings_file(const Profile& profile) const;
  // <LIMA_HOME>/<id>/, the Lima instance directory.
  std::filesystem::path instance_dir(const Profile& profile) const;
  // <LIMA_HOME>/<id>/colima.yaml, the settings of the last successful start.
  std::filesystem::path state_file(const Profile& profile) const;
  // <COLIMA_HOME>/_locks/<id>.lock, held by the commands that change the profile's VM.
  std::filesystem::path lock_file(const Profile& profile) const;

private:
  std::filesystem::path m_home;
  std::filesystem::path m_colima_home;
  std::filesystem::path m_cache_dir;
};

} // namespace colima::config
