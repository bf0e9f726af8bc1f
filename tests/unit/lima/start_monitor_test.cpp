// The start watchdog reads only what Lima's logs gained since its last look.
#include "colima/lima/start_monitor.hpp"
#include "colima/util/fs.hpp"
#include "temp_dir.hpp"

#include <fstream>
#include <gtest/gtest.h>
#include <string>
#include <vector>

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

TEST_F(StartWatchdog, AStalledVcpuTimerOnAnyConsoleStopsTheStartAsAStall) {
  append(log("serial.log"), "[   11.5] input: ImExPS/2 Generic Explorer Mouse\n");
  EXPECT_FALSE(m_monitor.check());
  EXPECT_FALSE(m_monitor.guest_stalled());
  append(log("serialv.log"), "[   22.8] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:\n");
  EXPECT_FALSE(m_monitor.check()) << "a stall report alone may be a slow host";
  append(log("serialv.log"), "[   22.8] rcu: rcu_preempt kthread timer wakeup didn't happen for "
                             "5251 jiffies! g-1147 f0x0\n");
  EXPECT_EQ(m_monitor.check(), "the guest's kernel stalled: [   22.8] rcu: rcu_preempt kthread "
                               "timer wakeup didn't happen for 5251 jiffies! g-1147 f0x0");
  EXPECT_TRUE(m_monitor.guest_stalled());
}

TEST_F(StartWatchdog, WhatTheLogsHeldBeforeTheMonitorWasMadeBelongsToAnEarlierBoot) {
  append(log("serial.log"), "[    2.0] Kernel panic - not syncing: VFS\n");
  StartMonitor monitor(m_dir.path(), [](const std::string&) {});
  EXPECT_FALSE(monitor.check());
  append(log("serial.log"), "No bootable device.\n");
  EXPECT_EQ(monitor.check(), "the VM cannot run: No bootable device.");
}

TEST_F(StartWatchdog, ARestartForgetsTheStallAndReadsOnlyWhatTheNextBootWrites) {
  std::vector<std::string> stages;
  StartMonitor monitor(m_dir.path(), [&](const std::string& stage) { stages.push_back(stage); });
  monitor.line("{\"level\":\"info\",\"msg\":\"Starting QEMU\"}");
  append(log("serial.log"),
         "rcu: rcu_sched kthread timer wakeup didn't happen for 6002 jiffies!\n");
  EXPECT_TRUE(monitor.check());
  EXPECT_TRUE(monitor.guest_stalled());
  append(log("serial.log"), "rcu: rcu_sched kthread timer wakeup didn't happen for 12004 j\n");

  monitor.restart();
  EXPECT_FALSE(monitor.guest_stalled());
  EXPECT_EQ(monitor.current_stage(), "");
  EXPECT_FALSE(monitor.check()) << "the stalled boot's last report is not the next boot's";
  // QEMU opens its console log anew for the next boot: read from its start.
  util::atomic_write(log("serial.log"), "[    0.0] Linux version 6.12\n");
  EXPECT_FALSE(monitor.check());
  monitor.line("{\"level\":\"info\",\"msg\":\"Starting QEMU\"}");
  EXPECT_EQ(stages, (std::vector<std::string>{"booting the VM", "booting the VM"}));
}

} // namespace colima::lima
