#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace colima::test {

// A fresh, empty directory under the system temp directory, removed with everything in it
// when the object goes.
class TempDir {
public:
  TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  // The directory's absolute path.
  const std::filesystem::path& path() const { return m_path; }

private:
  std::filesystem::path m_path;
};

// A temporary home for one test: HOME is <temp>/home (created), COLIMA_HOME <temp>/home/.colima
// and LIMA_HOME <temp>/home/.colima/_lima (not created), XDG_CONFIG_HOME is unset; the previous
// values come back, and the directory goes, when the object goes.
class TempHome {
public:
  TempHome();
  TempHome(const TempHome&) = delete;
  TempHome& operator=(const TempHome&) = delete;
  ~TempHome();

  // The value of HOME.
  std::filesystem::path home() const { return m_dir.path() / "home"; }
  // The value of COLIMA_HOME.
  std::filesystem::path colima_home() const { return home() / ".colima"; }
  // The value of LIMA_HOME.
  std::filesystem::path lima_home() const { return colima_home() / "_lima"; }

private:
  // Sets or (with nullopt) unsets a variable, remembering its value to restore.
  void set(const std::string& name, const std::optional<std::string>& value);

  TempDir m_dir;
  std::vector<std::pair<std::string, std::optional<std::string>>> m_saved;
};

} // namespace colima::test
