#include "colima/lima/stale_state.hpp"
#include "colima/util/fs.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace colima::lima {

namespace fs = std::filesystem;

namespace {

// A live sleeping process, killed and reaped when the test ends. With a name, its command line
// reads `<name> 600` (bash's `exec -a`); without, `sleep 600`.
class Process {
public:
  explicit Process(const std::string& name = {}) {
    std::string script = "exec -a \"$0\" sleep 600";
    std::vector<std::string> argv = name.empty()
                                        ? std::vector<std::string>{"sleep", "600"}
                                        : std::vector<std::string>{"bash", "-c", script, name};
    std::vector<char*> args;
    for (auto& arg : argv) {
      args.push_back(arg.data());
    }
    args.push_back(nullptr);
    if (::posix_spawnp(&m_pid, args[0], nullptr, nullptr, args.data(), environ) != 0) {
      m_pid = -1;
      return;
    }
    // Until exec has replaced bash, /proc shows bash's command line.
    std::string expected = name.empty() ? "sleep" : name;
    for (int i = 0; i < 500; ++i) {
      if (util::read_file("/proc/" + std::to_string(m_pid) + "/cmdline")
              .value_or("")
              .starts_with(expected)) {
        break;
      }
      ::usleep(10000);
    }
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process() {
    if (m_pid > 0) {
      ::kill(m_pid, SIGKILL);
      int status = 0;
      ::waitpid(m_pid, &status, 0);
    }
  }
  int pid() const { return m_pid; }

private:
  pid_t m_pid = -1;
};

// The pid of a process that has exited and been reaped.
int dead_pid() {
  Process gone;
  return gone.pid();
}

void write_pid(const fs::path& file, int pid) {
  util::atomic_write(file, std::to_string(pid) + "\n");
}

} // namespace

TEST(StaleClaims, GenuineHostAgentAndQemuPidFilesStand) {
  test::TempDir dir;
  Process agent("limactl hostagent --pidfile ha.pid colima-x");
  Process qemu("/usr/bin/qemu-system-x86_64 -m 2048");
  write_pid(dir.path() / "ha.pid", agent.pid());
  write_pid(dir.path() / "qemu.pid", qemu.pid());
  Claims claims = check_claims(dir.path(), "colima-x");
  EXPECT_TRUE(claims.stale.empty());
  EXPECT_EQ(claims.genuine, 2);
  EXPECT_EQ(status_without("Running", claims), "Running");
}

TEST(StaleClaims, APidReusedByAnotherProgramOrGoneIsStaleAndTheVmIsStopped) {
  test::TempDir dir;
  Process other;
  write_pid(dir.path() / "ha.pid", other.pid());
  write_pid(dir.path() / "qemu.pid", dead_pid());
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
  Process agent("limactl hostagent colima-other");
  write_pid(dir.path() / "ha.pid", agent.pid());
  Claims claims = check_claims(dir.path(), "colima");
  ASSERT_EQ(claims.stale.size(), 1u);
  EXPECT_EQ(status_without("Running", claims), "Stopped");
  Process qemu("qemu-system-aarch64");
  write_pid(dir.path() / "qemu.pid", qemu.pid());
  EXPECT_EQ(status_without("Running", check_claims(dir.path(), "colima")), "Broken");
}

TEST(StaleClaims, RemovingThemTakesTheDeadAgentsSocketsAndLeavesTheRest) {
  test::TempDir dir;
  Process other;
  write_pid(dir.path() / "ha.pid", other.pid());
  write_pid(dir.path() / "qemu.pid", other.pid());
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
