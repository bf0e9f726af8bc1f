#include "colima/host/accelerator.hpp"
#include "colima/process/posix_runner.hpp"
#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"
#include "fake_runner.hpp"

#include <filesystem>
#include <gtest/gtest.h>
#include <unistd.h>

namespace colima::host {

namespace fs = std::filesystem;

namespace {

class AcceleratorProbe : public ::testing::Test {
protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "colima-kvm-test-XXXXXX").string();
    m_dir = ::mkdtemp(pattern.data());
    m_probe.device = m_dir / "kvm";
    m_probe.kernel = m_dir / "vmlinuz";
    m_probe.timeout = std::chrono::milliseconds(3000);
    util::atomic_write(*m_probe.kernel, "not really a kernel");
  }
  void TearDown() override { fs::remove_all(m_dir); }

  // A stand-in for qemu-system-x86_64 that runs the given shell body.
  void fake_qemu(const std::string& body) {
    fs::path qemu = m_dir / "qemu-system-x86_64";
    util::atomic_write(qemu, "#!/bin/sh\n" + body + "\n", fs::perms(0755));
    m_probe.qemu = qemu.string();
  }
  void usable_device() { util::atomic_write(m_probe.device, "", fs::perms(0666)); }

  AcceleratorChoice choose(const std::string& wanted = "auto") {
    return choose_accelerator(m_runner, wanted, "x86_64", "x86_64", "", m_probe);
  }

  fs::path m_dir;
  KvmProbe m_probe;
  process::PosixRunner m_runner;
};

} // namespace

TEST_F(AcceleratorProbe, AMissingDeviceMeansEmulationWithAWarning) {
  AcceleratorChoice choice = choose();
  EXPECT_EQ(choice.accelerator, Accelerator::tcg);
  EXPECT_NE(choice.warning.find("does not exist"), std::string::npos) << choice.warning;
  EXPECT_TRUE(choice.lima_environment.empty());
}

TEST_F(AcceleratorProbe, AnUnopenableDeviceMeansEmulationForcedThroughLimaEnvironment) {
  if (::geteuid() == 0) {
    GTEST_SKIP() << "root opens any file";
  }
  util::atomic_write(m_probe.device, "", fs::perms(0));
  AcceleratorChoice choice = choose();
  EXPECT_EQ(choice.accelerator, Accelerator::tcg);
  EXPECT_NE(choice.warning.find("Permission denied"), std::string::npos) << choice.warning;
  EXPECT_EQ(choice.lima_environment.at("QEMU_SYSTEM_X86_64"),
            m_probe.qemu + " -machine q35,accel=tcg -cpu max");
}

TEST_F(AcceleratorProbe, AKvmInternalErrorMeansEmulationWithoutWaitingOutTheTimeout) {
  usable_device();
  fake_qemu("echo 'KVM internal error. Suberror: 1' >&2\nexec sleep 30");
  auto started = std::chrono::steady_clock::now();
  AcceleratorChoice choice = choose();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(2500));
  EXPECT_EQ(choice.accelerator, Accelerator::tcg);
  EXPECT_NE(choice.warning.find("KVM internal error"), std::string::npos) << choice.warning;
}

TEST_F(AcceleratorProbe, QemuExitingAtOnceMeansEmulation) {
  usable_device();
  fake_qemu("echo 'Could not access KVM kernel module: Permission denied' >&2\nexit 1");
  AcceleratorChoice choice = choose();
  EXPECT_EQ(choice.accelerator, Accelerator::tcg);
  EXPECT_NE(choice.warning.find("Could not access KVM kernel module"), std::string::npos)
      << choice.warning;
}

TEST_F(AcceleratorProbe, ASilentGuestMeansEmulationAfterTheTimeout) {
  usable_device();
  m_probe.timeout = std::chrono::milliseconds(1000);
  fake_qemu("exec sleep 30");
  AcceleratorChoice choice = choose();
  EXPECT_EQ(choice.accelerator, Accelerator::tcg);
  EXPECT_NE(choice.warning.find("printed nothing"), std::string::npos) << choice.warning;
}

TEST_F(AcceleratorProbe, AKernelThatAnswersMeansKvm) {
  usable_device();
  fake_qemu("echo '[    0.000000] Linux version 6.12.0-cloud-amd64'\nexec sleep 30");
  auto started = std::chrono::steady_clock::now();
  AcceleratorChoice choice = choose();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(2500));
  EXPECT_EQ(choice.accelerator, Accelerator::kvm);
  EXPECT_EQ(choice.warning, "");
}

TEST_F(AcceleratorProbe, ForcingTcgSkipsTheProbeAndKeepsTheCpuType) {
  usable_device();
  AcceleratorChoice choice =
      choose_accelerator(m_runner, "tcg", "x86_64", "x86_64", "qemu64", m_probe);
  EXPECT_EQ(choice.accelerator, Accelerator::tcg);
  EXPECT_EQ(choice.lima_environment.at("QEMU_SYSTEM_X86_64"),
            m_probe.qemu + " -machine q35,accel=tcg -cpu qemu64");
}

TEST_F(AcceleratorProbe, AForeignGuestIsEmulatedAndCannotBeForcedToKvm) {
  test::FakeRunner runner;
  AcceleratorChoice choice = choose_accelerator(runner, "auto", "aarch64", "x86_64", "", m_probe);
  EXPECT_EQ(choice.accelerator, Accelerator::tcg);
  EXPECT_TRUE(runner.argvs().empty());
  EXPECT_THROW(choose_accelerator(runner, "kvm", "aarch64", "x86_64", "", m_probe), UsageError);
  EXPECT_THROW(choose_accelerator(runner, "fast", "x86_64", "x86_64", "", m_probe), UsageError);
}

TEST(UsersQemu, TheUsersBinaryAndArgumentsAreKeptWithOnlyWhatTcgNeedsAdded) {
  AcceleratorChoice choice;
  choice.lima_environment["QEMU_SYSTEM_X86_64"] =
      "qemu-system-x86_64 -machine q35,accel=tcg -cpu max";
  keep_users_qemu(choice,
                  util::Environment(std::map<std::string, std::string>{
                      {"QEMU_SYSTEM_X86_64", "/opt/qemu/bin/qemu-system-x86_64 -d guest_errors"}}));
  EXPECT_EQ(choice.lima_environment.at("QEMU_SYSTEM_X86_64"),
            "/opt/qemu/bin/qemu-system-x86_64 -d guest_errors -machine q35,accel=tcg -cpu max");
}

TEST(UsersQemu, WithoutAnOverrideColimasValueStands) {
  AcceleratorChoice choice;
  choice.lima_environment["QEMU_SYSTEM_AARCH64"] =
      "qemu-system-aarch64 -machine virt,accel=tcg -cpu max";
  keep_users_qemu(choice, util::Environment(std::map<std::string, std::string>{
                              {"QEMU_SYSTEM_X86_64", "/opt/qemu-system-x86_64"}}));
  EXPECT_EQ(choice.lima_environment.at("QEMU_SYSTEM_AARCH64"),
            "qemu-system-aarch64 -machine virt,accel=tcg -cpu max");
}

TEST(UsersQemu, AnOverrideThatChoosesTheAcceleratorOrCpuIsRefusedNamingBoth) {
  for (const std::string users : {"/opt/qemu -accel kvm", "/opt/qemu -cpu host",
                                  "/opt/qemu -machine q35", "/opt/qemu -enable-kvm"}) {
    AcceleratorChoice choice;
    choice.lima_environment["QEMU_SYSTEM_X86_64"] =
        "qemu-system-x86_64 -machine q35,accel=tcg -cpu max";
    try {
      keep_users_qemu(choice, util::Environment(std::map<std::string, std::string>{
                                  {"QEMU_SYSTEM_X86_64", users}}));
      ADD_FAILURE() << users << " was accepted";
    } catch (const UsageError& error) {
      std::string option = util::split(users, ' ')[1];
      EXPECT_TRUE(std::string(error.what()).starts_with("QEMU_SYSTEM_X86_64='" + users + "'"))
          << error.what();
      EXPECT_NE(std::string(error.what()).find("remove '" + option + "'"), std::string::npos)
          << error.what();
    }
  }
}

} // namespace colima::host
