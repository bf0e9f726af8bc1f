// Faults of a first start, on a real VM: QEMU killed while the new VM boots (the OOM killer, a
// user); the error names the stage, the root cause and the remedy; a damaged boot or data disk
// is refused before anything boots, and left as it was; the next start recovers, through a boot
// whose kernel stalls, with a working engine on the data disk the failed boot never formatted;
// delete removes what is left. One profile, `halfway`; runs after persistence_test.cpp, when the
// default profile is gone.
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"
#include "vm_test.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

namespace colima::e2e {

namespace fs = std::filesystem;

namespace {

class Faults : public VmTest {
protected:
  static fs::path lima_home() { return vm().home() / ".config" / "colima" / "_lima"; }
  static fs::path instance_dir() { return lima_home() / "colima-halfway"; }

  static process::Result start() {
    return vm().colima({"start", "--profile", "halfway", "--activate=false"});
  }

  // Overwrites (or, with restore, puts back) the first bytes of a file in place.
  static std::string swap_head(const fs::path& file, const std::string& bytes) {
    std::fstream stream(file, std::ios::in | std::ios::out | std::ios::binary);
    std::string old(bytes.size(), '\0');
    stream.read(old.data(), static_cast<std::streamsize>(old.size()));
    stream.seekp(0);
    stream.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return old;
  }
};

} // namespace

TEST_F(Faults,
       AKilledFirstBootIsExplainedDamagedDisksAreRefusedAndTheNextStartSurvivesAStalledBoot) {
  // The profile goes when the case ends, also when an assertion stops it early (the VMs of
  // later suites need the memory and the CPU).
  struct Cleanup {
    ~Cleanup() {
      if (fs::exists(instance_dir()) || fs::exists(lima_home() / "_disks" / "colima-halfway")) {
        vm().colima({"delete", "--profile", "halfway", "--force", "--data"});
      }
    }
  } cleanup;

  // QEMU dies a second after it started: the guest has not formatted its new data disk yet.
  std::atomic<bool> done = false;
  std::atomic<bool> killed = false;
  std::string missed = "the start ended before QEMU wrote its pid file";
  std::thread killer([&] {
    while (!done) {
      std::string pid = util::trim(util::read_file(instance_dir() / "qemu.pid").value_or(""));
      if (!pid.empty()) {
        std::this_thread::sleep_for(std::chrono::seconds(1));
        process::Result kill = vm().run({"kill", "-KILL", pid});
        killed = kill.exit_code == 0;
        if (!killed) {
          // Why the kill missed: QEMU gone already (the start failed on its own), or another.
          missed = "kill -KILL " + pid + " exited " + std::to_string(kill.exit_code) + ": " +
                   util::trim(kill.err);
        }
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  process::Result r = start();
  done = true;
  killer.join();
  ASSERT_TRUE(killed) << "QEMU was not killed: " << missed << "; the start said: " << r.err;
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("colima: error: the VM failed while "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("; cause: "), std::string::npos) << "the root cause: " << r.err;
  EXPECT_NE(r.err.find("; run 'colima start halfway' again (Lima's log: '" +
                       (instance_dir() / "ha.stderr.log").string() + "')"),
            std::string::npos)
      << "one remedy: " << r.err;

  r = vm().colima({"status", "--profile", "halfway", "--json"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  nlohmann::json status = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_TRUE(status.is_object()) << r.out;
  EXPECT_EQ(status.value("status", ""), "Stopped") << r.out;

  // A data disk cut short (a full host disk, a bad copy): refused, nothing boots or changes.
  fs::path data_disk = lima_home() / "_disks" / "colima-halfway" / "datadisk";
  fs::path saved = vm().home() / "datadisk.saved";
  fs::copy_file(data_disk, saved, fs::copy_options::overwrite_existing);
  fs::resize_file(data_disk, 100 * 1024);
  r = start();
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("colima: error: the container data disk '" + data_disk.string() +
                       "' is damaged: 'qemu-img check' found "),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(instance_dir() / "qemu.pid")) << "nothing booted";
  EXPECT_EQ(fs::file_size(data_disk), 100U * 1024) << "the damaged disk is left as it was";
  fs::copy_file(saved, data_disk, fs::copy_options::overwrite_existing);

  // A boot disk whose header was overwritten: refused the same way.
  fs::path boot_disk = instance_dir() / "disk";
  std::string header = swap_head(boot_disk, std::string(4096, '\0'));
  r = start();
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("colima: error: the VM's disk '" + boot_disk.string() +
                       "' is damaged: it is no longer a qcow2 image"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("'colima delete halfway' removes the VM"), std::string::npos) << r.err;
  swap_head(boot_disk, header);

  // The next start recovers, through a boot whose kernel reports a stalled vCPU timer (as a
  // guest did in CI, and never came up): written to the virtio console's log, which the guest
  // leaves empty, once the guest has written to its serial console (QEMU has opened both logs
  // then; the killed boot's serial log goes first). colima stops that boot and boots again.
  fs::remove(instance_dir() / "serial.log");
  done = false;
  std::atomic<bool> stalled = false;
  std::thread staller([&] {
    while (!done) {
      std::error_code error;
      if (fs::exists(instance_dir() / "qemu.pid", error) &&
          fs::file_size(instance_dir() / "serial.log", error) > 0 && !error) {
        std::ofstream(instance_dir() / "serialv.log", std::ios::app)
            << "[   22.849279] rcu: rcu_preempt kthread timer wakeup didn't happen for 5251 "
               "jiffies! g-1147 f0x0 RCU_GP_WAIT_FQS(5) ->state=0x402\n";
        stalled = true;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  r = start();
  done = true;
  staller.join();
  ASSERT_TRUE(stalled) << "no stall was written: " << r.err;
  EXPECT_NE(r.err.find("colima: warning: the guest's kernel stalled while booting (a vCPU timer "
                       "never fired): stopping the VM and booting it again"),
            std::string::npos)
      << r.err;
  // The engine runs, its data on the data disk the guest formatted now.
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = vm().run({"docker", "--context", "colima-halfway", "info", "--format", "{{.DockerRootDir}}"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = vm().colima({"ssh", "--profile", "halfway", "--", "findmnt", "-n", "-o", "SOURCE,TARGET",
                   "/mnt/lima-colima-halfway"});
  EXPECT_EQ(r.exit_code, 0) << "the data disk is mounted: " << r.out << r.err;
  r = vm().colima({"ssh", "--profile", "halfway", "--", "mountpoint", "-q", "/var/lib/docker"});
  EXPECT_EQ(r.exit_code, 0) << "docker's data lives on the data disk: " << r.err;

  r = vm().colima({"delete", "--profile", "halfway", "--force", "--data"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(instance_dir()));
  EXPECT_FALSE(fs::exists(lima_home() / "_disks" / "colima-halfway"));
  r = vm().colima({"status", "--profile", "halfway", "--json"});
  EXPECT_EQ(r.exit_code, 5) << r.out << r.err;
}

} // namespace colima::e2e
