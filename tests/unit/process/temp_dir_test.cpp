// The test support's temporary directories and homes.
#include "temp_dir.hpp"

#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <optional>

namespace colima::test {

namespace fs = std::filesystem;

namespace {
std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "<unset>";
}
} // namespace

TEST(TempDir, IsAFreshEmptyDirectoryRemovedAfterwards) {
  fs::path path;
  {
    TempDir first;
    TempDir second;
    path = first.path();
    EXPECT_NE(first.path(), second.path());
    EXPECT_TRUE(fs::is_directory(path));
    EXPECT_TRUE(fs::is_empty(path));
    std::ofstream(path / "file") << "x";
  }
  EXPECT_FALSE(fs::exists(path));
}

TEST(TempHome, PointsTheHomesIntoItAndRestoresThemAfterwards) {
  // XDG_CONFIG_HOME set, so that its restoring shows (TempHome unsets it).
  std::optional<std::string> xdg;
  if (const char* value = std::getenv("XDG_CONFIG_HOME")) {
    xdg = value;
  }
  ::setenv("XDG_CONFIG_HOME", "/colima-test/xdg", 1);
  std::string home = env("HOME");
  std::string colima_home = env("COLIMA_HOME");
  std::string lima_home = env("LIMA_HOME");
  {
    TempHome temp;
    EXPECT_EQ(env("HOME"), temp.home().string());
    EXPECT_TRUE(fs::is_directory(temp.home()));
    EXPECT_EQ(env("COLIMA_HOME"), (temp.home() / ".colima").string());
    EXPECT_EQ(env("LIMA_HOME"), (temp.home() / ".colima" / "_lima").string());
    EXPECT_EQ(env("XDG_CONFIG_HOME"), "<unset>");
  }
  EXPECT_EQ(env("HOME"), home);
  EXPECT_EQ(env("COLIMA_HOME"), colima_home);
  EXPECT_EQ(env("LIMA_HOME"), lima_home);
  EXPECT_EQ(env("XDG_CONFIG_HOME"), "/colima-test/xdg");
  if (xdg) {
    ::setenv("XDG_CONFIG_HOME", xdg->c_str(), 1);
  } else {
    ::unsetenv("XDG_CONFIG_HOME");
  }
}

} // namespace colima::test
