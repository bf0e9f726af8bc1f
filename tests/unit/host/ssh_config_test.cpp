#include "colima/host/ssh_config.hpp"
#include "colima/util/fs.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

namespace colima::host {

namespace fs = std::filesystem;

TEST(SshConfig, TheIncludeGoesOnTopOnceAndANewFileIsTheUsersAlone) {
  test::TempDir dir;
  fs::path config = dir.path() / ".ssh" / "config";
  include_in_ssh_config(config, "Include /c/ssh_config");
  include_in_ssh_config(config, "Include /c/ssh_config");
  EXPECT_EQ(util::read_file(config).value_or(""), "Include /c/ssh_config\n\n");
  EXPECT_EQ(fs::status(config).permissions() & fs::perms::mask, fs::perms(0600));
  EXPECT_EQ(fs::status(config.parent_path()).permissions() & fs::perms::mask, fs::perms(0700));
}

TEST(SshConfig, ALinkToAMissingFileStaysALinkAndItsTargetIsCreated) {
  test::TempDir dir;
  util::create_directories(dir.path() / ".ssh");
  util::create_directories(dir.path() / "dotfiles");
  fs::create_symlink(dir.path() / "dotfiles" / "ssh_config", dir.path() / ".ssh" / "config");
  include_in_ssh_config(dir.path() / ".ssh" / "config", "Include /c/ssh_config");
  EXPECT_TRUE(fs::is_symlink(dir.path() / ".ssh" / "config"));
  EXPECT_EQ(util::read_file(dir.path() / "dotfiles" / "ssh_config").value_or(""),
            "Include /c/ssh_config\n\n");
}

} // namespace colima::host
