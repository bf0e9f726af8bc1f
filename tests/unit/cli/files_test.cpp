// Black-box: the files colima writes are its user's alone, ~/.ssh/config keeps a symbolic link,
// and a disk image mirror over plain http is refused unless the user accepts it.
#include "fake_lima.hpp"

namespace colima::cli {

namespace fs = std::filesystem;

namespace {

class Files : public FakeLima {
protected:
  process::Result start(std::vector<std::string> flags = {},
                        std::map<std::string, std::string> env = {}) {
    std::vector<std::string> args = {"start",        "--profile",     "p", "--runtime", "none",
                                     "--disk-image", image().string()};
    args.insert(args.end(), flags.begin(), flags.end());
    return colima(args, std::move(env));
  }

  static fs::perms mode(const fs::path& path) {
    return fs::symlink_status(path).permissions() & fs::perms::mask;
  }
};

} // namespace

TEST_F(Files, SettingsAndStateAreTheUsersAloneInDirectoriesOnlyTheUserCanEnter) {
  util::create_directories(profile_dir("p"), fs::perms(0755));
  fs::permissions(colima_home(), fs::perms(0755));
  fs::permissions(profile_dir("p"), fs::perms(0755));
  util::atomic_write(profile_dir("p") / "colima.yaml", "cpu: 2\n", fs::perms(0644));
  process::Result r = start({"--env", "TOKEN=secret"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(mode(colima_home()), fs::perms(0700));
  EXPECT_EQ(mode(profile_dir("p")), fs::perms(0700));
  EXPECT_EQ(mode(profile_dir("p") / "colima.yaml"), fs::perms(0600));
  EXPECT_EQ(mode(lima_home() / "colima-p" / "colima.yaml"), fs::perms(0600)) << "the state file";
}

TEST_F(Files, ASymlinkedSshConfigStaysALinkAndItsTargetGetsTheInclude) {
  util::atomic_write(home() / "dotfiles" / "ssh_config", "Host example\n  User me\n",
                     fs::perms(0644));
  util::create_directories(home() / ".ssh");
  fs::create_symlink("../dotfiles/ssh_config", home() / ".ssh" / "config");
  process::Result r = start();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(fs::is_symlink(home() / ".ssh" / "config"));
  EXPECT_EQ(fs::read_symlink(home() / ".ssh" / "config"), "../dotfiles/ssh_config");
  EXPECT_EQ(util::read_file(home() / "dotfiles" / "ssh_config").value_or(""),
            "Include " + (colima_home() / "ssh_config").string() + "\n\nHost example\n  User me\n");
  EXPECT_EQ(mode(home() / "dotfiles" / "ssh_config"), fs::perms(0644)) << "its mode is kept";
}

TEST_F(Files, APlainHttpImageMirrorIsRefusedUnlessTheUserAcceptsIt) {
  process::Result r =
      colima({"start", "--runtime", "none", "--disk-image-mirror", "http://mirror.example/images"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err, "colima: error: the disk image mirror 'http://mirror.example/images' is plain "
                   "http: the images and the checksums that vouch for them could be changed on "
                   "the way; use https://, or set COLIMA_INSECURE_MIRROR=1 to accept it\n");
  EXPECT_FALSE(fs::exists(colima_home()));
  EXPECT_TRUE(calls().empty());

  r = start({"--disk-image-mirror", "http://mirror.example/images"},
            {{"COLIMA_INSECURE_MIRROR", "1"}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = start({"--disk-image-mirror", "https://mirror.example/images"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

} // namespace colima::cli
