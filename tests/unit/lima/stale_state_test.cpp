#include "colima/lima/stale_state.hpp"
#include "colima/util/fs.hpp"
#include "live_process.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

namespace colima::lima {

namespace fs = std::filesystem;

TEST(StaleClaims, GenuineHostAgentAndQemuPidFilesStand) {
  test::TempDir dir;
  test::LiveProcess agent("limactl hostagent --pidfile ha.pid colima-x");
  test::LiveProcess qemu("/usr/bin/qemu-system-x86_64 -m 2048");
  test::write_pid_file(dir.path() / "ha.pid", agent.pid());
  test::write_pid_file(dir.path() / "qemu.pid", qemu.pid());
  Claims claims = check_claims(dir.path(), "colima-x");
  EXPECT_TRUE(claims.stale.empty());
  EXPECT_EQ(claims.genuine, 2);
  EXPECT_EQ(status_without("Running", claims), "Running");
}

TEST(StaleClaims, APidReusedByAnotherProgramOrGoneIsStaleAndTheVmIsStopped) {
  test::TempDir dir;
  test::LiveProcess other;
  test::write_pid_file(dir.path() / "ha.pid", other.pid());
  test::write_pid_file(dir.path() / "qemu.pid", test::dead_pid());
  Claims claims = check_claims(dir.path(), "colima");
  ASSERT_EQ(claims.stale.size(), 2u);
  EXPECT_EQ(claims.genuine, 0);
  EXPECT_EQ(claims.stale[0].file, "ha.pid");
  EXPECT_EQ(claims.stale[0].reason, "pid " + std::to_string(other.pid()) + " is now 'sleep 600'");
  EXPECT_EQ(claims.stale[1].file, "qemu.pid");
  EXPECT_EQ(claims.stale[1].reason, "no such process");
  EXPECT_EQ(status_without("Running", claims), "Stopped");
  EXPECT_EQ(status_without("Broken", claims), "Stopped");
}

TEST(StaleClaims, AHostAgentOfAnotherInstanceDoesNotCount) {
  test::TempDir dir;
  test::LiveProcess agent("limactl hostagent colima-other");
  test::write_pid_file(dir.path() / "ha.pid", agent.pid());
  Claims claims = check_claims(dir.path(), "colima");
  ASSERT_EQ(claims.stale.size(), 1u);
  EXPECT_EQ(status_without("Running", claims), "Stopped");
  test::LiveProcess qemu("qemu-system-aarch64");
  test::write_pid_file(dir.path() / "qemu.pid", qemu.pid());
  EXPECT_EQ(status_without("Running", check_claims(dir.path(), "colima")), "Broken");
}

TEST(StaleClaims, RemovingThemTakesTheDeadAgentsSocketsAndLeavesTheRest) {
  test::TempDir dir;
  test::LiveProcess other;
  test::write_pid_file(dir.path() / "ha.pid", other.pid());
  test::write_pid_file(dir.path() / "qemu.pid", other.pid());
  for (const char* file : {"ha.sock", "ssh.sock", "qmp.sock", "lima.yaml", "diffdisk"}) {
    util::atomic_write(dir.path() / file, "");
  }
  std::vector<std::string> removed =
      remove_stale(dir.path(), check_claims(dir.path(), "colima").stale);
  EXPECT_EQ(removed.size(), 5u);
  EXPECT_FALSE(fs::exists(dir.path() / "ha.pid"));
  EXPECT_FALSE(fs::exists(dir.path() / "qemu.pid"));
  EXPECT_FALSE(fs::exists(dir.path() / "ha.sock"));
  EXPECT_FALSE(fs::exists(dir.path() / "ssh.sock"));
  EXPECT_TRUE(fs::exists(dir.path() / "lima.yaml"));
  EXPECT_TRUE(fs::exists(dir.path() / "diffdisk"));
  EXPECT_TRUE(check_claims(dir.path(), "colima").stale.empty());
}

TEST(StaleClaims, NoPidFilesClaimNothing) {
  test::TempDir dir;
  Claims claims = check_claims(dir.path(), "colima");
  EXPECT_TRUE(claims.stale.empty());
  EXPECT_EQ(status_without("Stopped", claims), "Stopped");
  util::atomic_write(dir.path() / "ha.pid", "garbage\n");
  EXPECT_EQ(check_claims(dir.path(), "colima").stale.at(0).reason, "not a pid");
}

} // namespace colima::lima
