// The start watchdog reads only what Lima's logs gained since its last look.
#include "colima/lima/start_monitor.hpp"
#include "colima/util/fs.hpp"
#include "temp_dir.hpp"

#include <fstream>
#include <gtest/gtest.h>

namespace colima::lima {

namespace {

void append(const std::filesystem::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::app | std::ios::binary);
  out << text;
}

class StartWatchdog : public ::testing::Test {
protected:
  std::filesystem::path log(const std::string& name) const { return m_dir.path() / name; }

  test::TempDir m_dir;
  StartMonitor m_monitor{m_dir.path(), [](const std::string&) {}};
};

} // namespace

TEST_F(StartWatchdog, AFatalLineAppendedAfterManyQuietOnesIsFound) {
  EXPECT_FALSE(m_monitor.check()) << "no logs yet";
  for (int i = 0; i < 1000; ++i) {
    append(log("serial.log"), "[    1.000000] a quiet boot line\n");
  }
  EXPECT_FALSE(m_monitor.check());
  append(log("serial.log"), "[    2.000000] Kernel panic - not syncing: VFS\n");
  EXPECT_EQ(m_monitor.check(), "the VM cannot run: [    2.000000] Kernel panic - not syncing: VFS");
}

TEST_F(StartWatchdog, ALineWrittenInTwoPiecesIsFoundWholeAndAnUnfinishedOneCountsToo) {
  append(log("ha.stderr.log"), "{\"level\":\"info\",\"msg\":\"Starting QEMU\"}\n");
  EXPECT_FALSE(m_monitor.check());
  append(log("ha.stderr.log"), "{\"level\":\"error\",\"msg\":\"qemu: KVM inter");
  EXPECT_FALSE(m_monitor.check()) << "half a message is no message";
  append(log("ha.stderr.log"), "nal error: code 0x1\"}");
  EXPECT_EQ(m_monitor.check(), "the VM cannot run: qemu: KVM internal error: code 0x1");
}

TEST_F(StartWatchdog, ALogThatWasRecreatedSmallerIsReadFromItsStart) {
  append(log("serialp.log"), std::string(4096, 'x') + "\n");
  EXPECT_FALSE(m_monitor.check());
  util::atomic_write(log("serialp.log"), "No bootable device.\n");
  EXPECT_EQ(m_monitor.check(), "the VM cannot run: No bootable device.");
}

} // namespace colima::lima
