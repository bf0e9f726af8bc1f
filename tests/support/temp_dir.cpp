#include "temp_dir.hpp"

#include <cerrno>
#include <cstdlib>
#include <system_error>
#include <unistd.h>

namespace colima::test {

namespace fs = std::filesystem;

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "colima-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
  }
  m_path = fs::canonical(pattern);
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(m_path, ignored);
}

TempHome::TempHome() {
  fs::create_directories(home());
  set("HOME", home().string());
  set("COLIMA_HOME", colima_home().string());
  set("LIMA_HOME", lima_home().string());
  set("XDG_CONFIG_HOME", std::nullopt);
}

TempHome::~TempHome() {
  for (auto it = m_saved.rbegin(); it != m_saved.rend(); ++it) {
    if (it->second) {
      ::setenv(it->first.c_str(), it->second->c_str(), 1);
    } else {
      ::unsetenv(it->first.c_str());
    }
  }
}

void TempHome::set(const std::string& name, const std::optional<std::string>& value) {
  const char* previous = std::getenv(name.c_str());
  m_saved.emplace_back(name,
                       previous != nullptr ? std::optional<std::string>(previous) : std::nullopt);
  if (value) {
    ::setenv(name.c_str(), value->c_str(), 1);
  } else {
    ::unsetenv(name.c_str());
  }
}

} // namespace colima::test
