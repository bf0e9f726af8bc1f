#include "colima/lima/log_lines.hpp"

#include <gtest/gtest.h>

namespace colima::lima {

TEST(LogLines, TextAndJsonLinesGiveTheirLevelAndMessage) {
  LogLine text = parse_log_line(
      R"(time="2026-11-26T01:34:43Z" level=fatal msg="error at \"creating\": exit status 1")");
  EXPECT_EQ(text.level, "fatal");
  EXPECT_EQ(text.message, "error at \"creating\": exit status 1");
  LogLine json = parse_log_line(
      R"({"level":"info","msg":"Waiting for the essential requirement 1 of 4: `ssh`","time":"x"})");
  EXPECT_EQ(json.level, "info");
  EXPECT_EQ(json.message, "Waiting for the essential requirement 1 of 4: `ssh`");
  LogLine other = parse_log_line("  panic: send on closed channel\n");
  EXPECT_EQ(other.level, "");
  EXPECT_EQ(other.message, "panic: send on closed channel");
}

TEST(LogLines, LimactlsFailureIsItsLastErrorNotItsFirstInfoLineNorTheStatusSummary) {
  std::string stderr_text =
      "time=\"t\" level=info msg=\"Terminal is not available, proceeding without opening an "
      "editor\"\n"
      "time=\"t\" level=error msg=\"host agent process has exited: exit status 2\"\n"
      "time=\"t\" level=fatal msg=\"exiting, status={Running:false Degraded:false} (hint: see "
      "ha.stderr.log)\"\n";
  EXPECT_EQ(failure_line(stderr_text), "host agent process has exited: exit status 2");
  EXPECT_EQ(failure_line("\n  plain words\nmore\n"), "plain words");
  EXPECT_EQ(failure_line(""), "");
}

TEST(LogLines, TheAgentsRootCauseIsWhatQemuSaidBeforeWhyTheDriverStoppedOrACrash) {
  std::string log =
      R"({"level":"info","msg":"Starting QEMU"})"
      "\n"
      R"({"level":"error","msg":"qemu[stderr]: qemu-system-x86_64: -drive file=disk: Could not open 'disk': Permission denied"})"
      "\n"
      R"({"level":"info","msg":"Driver stopped due to error: \"exit status 1\""})"
      "\n"
      R"({"level":"fatal","msg":"exiting, status={Running:false}"})"
      "\npanic: send on closed channel\n";
  EXPECT_EQ(agent_root_cause(log),
            "QEMU: qemu-system-x86_64: -drive file=disk: Could not open 'disk': Permission denied");
  EXPECT_EQ(agent_root_cause(R"({"level":"info","msg":"Driver stopped due to error: \"x\""})"
                             "\npanic: send on closed channel\n"),
            "Driver stopped due to error: \"x\"");
  EXPECT_EQ(agent_root_cause("{\"level\":\"debug\",\"msg\":\"fine\"}\npanic: send on closed "
                             "channel\n\ngoroutine 51 [running]:\n"),
            "Lima's host agent crashed (panic: send on closed channel)");
  EXPECT_EQ(agent_root_cause(R"({"level":"error","msg":"ssh: connection refused"})"
                             "\n"
                             R"({"level":"fatal","msg":"exiting, status={}"})"),
            "ssh: connection refused");
  EXPECT_EQ(agent_root_cause(R"({"level":"info","msg":"all fine"})"), "");
}

TEST(LogLines, AKvmInternalErrorOutranksEverythingElse) {
  std::string log = R"({"level":"error","msg":"qemu[stderr]: something"})"
                    "\nKVM internal error. Suberror: 3\n";
  EXPECT_EQ(agent_root_cause(log), "KVM internal error. Suberror: 3");
  EXPECT_TRUE(is_fatal_message("Kernel panic - not syncing: VFS"));
  EXPECT_FALSE(is_fatal_message("Started the kernel"));
}

} // namespace colima::lima
