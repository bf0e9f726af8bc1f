// Black-box: a refused command changes nothing under COLIMA_HOME. Commands on a profile that
// does not exist take no lock (no _locks/*.lock is left) and fail with a message, `delete -f`
// included (docker and limactl report a missing object even with force); a start refused for
// its input runs no limactl, so Lima writes nothing either (its _config/networks.yaml).
#include "fake_lima.hpp"

namespace colima::cli {

namespace fs = std::filesystem;

namespace {

class Refused : public FakeLima {
protected:
  // A refused command: its exit status and message, and nothing under COLIMA_HOME.
  void expect_refused(const std::vector<std::string>& args, int exit_code,
                      const std::string& message) {
    process::Result r = colima(args);
    EXPECT_EQ(r.exit_code, exit_code) << args[0] << ": " << r.err;
    EXPECT_EQ(r.err, "colima: error: " + message + "\n") << args[0];
    EXPECT_FALSE(fs::exists(colima_home() / "_locks")) << args[0] << " left a lock file";
    EXPECT_FALSE(fs::exists(lima_home() / "_config" / "networks.yaml"))
        << args[0] << " ran limactl";
    EXPECT_TRUE(calls().empty()) << args[0] << " ran limactl";
  }
};

} // namespace

TEST_F(Refused, CommandsOnAProfileThatDoesNotExistLeaveNoLockFile) {
  expect_refused({"stop", "ghost"}, 1, "colima [profile=ghost] does not exist");
  expect_refused({"stop", "--force", "ghost"}, 1, "colima [profile=ghost] does not exist");
  expect_refused({"restart", "ghost"}, 1,
                 "colima [profile=ghost] does not exist: start it with 'colima start ghost'");
  expect_refused({"update", "ghost"}, 1,
                 "runtime cannot be updated, colima [profile=ghost] is not running");
  expect_refused({"clone", "ghost", "copy"}, 1, "colima profile 'ghost' does not exist");
  EXPECT_FALSE(fs::exists(colima_home()));
}

TEST_F(Refused, DeleteWithForceOfAProfileThatDoesNotExistFails) {
  expect_refused({"delete", "--force", "ghost"}, 1, "colima [profile=ghost] does not exist");
  expect_refused({"delete", "--force", "--data", "ghost"}, 1,
                 "colima [profile=ghost] does not exist");
  EXPECT_FALSE(fs::exists(colima_home()));
}

TEST_F(Refused, DeleteOfAProfileWithOnlyItsKeptDataDiskSaysHowToDeleteIt) {
  util::create_directories(lima_home() / "_disks" / "colima-kept");
  process::Result r = colima({"delete", "--force", "kept"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.err, "colima: error: colima [profile=kept] does not exist; its container data disk "
                   "is kept: 'colima delete kept --data' deletes it\n");
}

TEST_F(Refused, AStartRefusedForAMissingDiskImageWritesNothingAndRunsNoLimactl) {
  expect_refused({"start", "--disk-image", (home() / "missing.qcow2").string()}, 2,
                 "invalid disk image '" + (home() / "missing.qcow2").string() + "': no such file");
  EXPECT_FALSE(fs::exists(colima_home()));
  EXPECT_TRUE(calls().empty());
}

TEST_F(Refused, AStartRefusedForItsMountsWritesNothingAndRunsNoLimactl) {
  expect_refused({"start", "--mount", "/tmp/a:/x", "--mount", "/tmp/a/b:/y"}, 2,
                 "overlapping mounts are not supported: '/tmp/a/b' overlaps '/tmp/a'");
  EXPECT_FALSE(fs::exists(colima_home()));
  EXPECT_TRUE(calls().empty());
}

} // namespace colima::cli
