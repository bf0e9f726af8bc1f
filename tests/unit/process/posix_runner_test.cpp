// PosixRunner against the real OS. Shell one-liners appear here, in tests only.
#include "colima/process/posix_runner.hpp"

#include <chrono>
#include <gtest/gtest.h>

namespace colima::process {

namespace {
Result sh(const std::string& script, Command command = {}) {
  command.argv = {"/bin/sh", "-c", script};
  PosixRunner runner;
  return runner.run(command);
}
} // namespace

TEST(PosixRunner, CapturesStdoutAndStderrSeparately) {
  Result r = sh("echo out; echo err >&2; exit 3");
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(r.ok());
}

TEST(PosixRunner, AMissingProgramGives127AndSaysWhy) {
  PosixRunner runner;
  Result r = runner.run(Command{.argv = {"colima-no-such-program"}});
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_NE(r.err.find("colima-no-such-program"), std::string::npos);
}

TEST(PosixRunner, FeedsStdin) {
  PosixRunner runner;
  Result r = runner.run(Command{.argv = {"cat"}, .stdin_data = "line one\nline two"});
  EXPECT_EQ(r.out, "line one\nline two");
}

TEST(PosixRunner, DrainsLargeOutputOnBothStreamsWithoutDeadlock) {
  Result r = sh("head -c 4000000 /dev/zero; head -c 3000000 /dev/zero >&2");
  EXPECT_EQ(r.out.size(), 4000000u);
  EXPECT_EQ(r.err.size(), 3000000u);
  EXPECT_EQ(r.exit_code, 0);
}

TEST(PosixRunner, LargeStdinReachesTheProgramWhileItWrites) {
  PosixRunner runner;
  std::string data(3000000, 'x');
  Result r = runner.run(Command{.argv = {"cat"}, .stdin_data = data});
  EXPECT_EQ(r.out.size(), data.size());
}

TEST(PosixRunner, AddsAndRemovesEnvironmentVariables) {
  setenv("COLIMA_TEST_REMOVED", "present", 1);
  Result r =
      sh("echo \"$COLIMA_TEST_ADDED-${COLIMA_TEST_REMOVED:-gone}\"",
         Command{.env = {{"COLIMA_TEST_ADDED", "a b"}}, .unset_env = {"COLIMA_TEST_REMOVED"}});
  EXPECT_EQ(r.out, "a b-gone\n");
}

TEST(PosixRunner, RunsInTheGivenDirectory) {
  Result r = sh("pwd", Command{.cwd = std::filesystem::path("/usr")});
  EXPECT_EQ(r.out, "/usr\n");
}

TEST(PosixRunner, ATimeoutStopsTheProgramQuickly) {
  auto started = std::chrono::steady_clock::now();
  PosixRunner runner;
  Result r =
      runner.run(Command{.argv = {"sleep", "30"}, .timeout = std::chrono::milliseconds(300)});
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(4));
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.ok());
}

TEST(PosixRunner, TheWatchdogStopsTheProgramWithItsReason) {
  int calls = 0;
  PosixRunner runner;
  Result r = runner.run(
      Command{.argv = {"sleep", "30"}, .watchdog = [&]() -> std::optional<std::string> {
                return ++calls >= 2 ? std::optional<std::string>("enough") : std::nullopt;
              }});
  EXPECT_EQ(r.aborted, "enough");
  EXPECT_FALSE(r.ok());
}

TEST(PosixRunner, OnLineSeesEveryLineOfBothStreamsIncludingAnUnterminatedLast) {
  std::vector<std::string> out, err;
  Command command{.on_line = [&](Stream stream, std::string_view line) {
    (stream == Stream::out ? out : err).emplace_back(line);
  }};
  sh("echo a; echo b >&2; echo c; printf d; printf e >&2", command);
  EXPECT_EQ(out, (std::vector<std::string>{"a", "c", "d"}));
  EXPECT_EQ(err, (std::vector<std::string>{"b", "e"}));
}

TEST(PosixRunner, DeathBySignalIs128PlusTheSignal) {
  EXPECT_EQ(sh("kill -TERM $$").exit_code, 128 + 15);
}

TEST(PosixRunner, ABackgroundChildHoldingThePipesDoesNotBlockTheResult) {
  auto started = std::chrono::steady_clock::now();
  Result r = sh("sleep 20 & echo started");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_EQ(r.out, "started\n");
}

TEST(PosixRunner, InteractiveRunsReturnTheExitStatus) {
  PosixRunner runner;
  EXPECT_EQ(runner.run_interactive(Command{.argv = {"/bin/sh", "-c", "exit 7"}}), 7);
  EXPECT_EQ(runner.run_interactive(Command{.argv = {"colima-no-such-program"}}), 127);
}

TEST(FormatArgv, QuotesOnlyWordsThatNeedIt) {
  EXPECT_EQ(format_argv({"limactl", "start", "--name=x", "a b", "", "it's"}),
            "limactl start --name=x 'a b' '' 'it'\\''s'");
}

TEST(RunChecked, AFailureNamesTheContextArgvStatusAndFirstStderrLine) {
  PosixRunner runner;
  try {
    run_checked(runner,
                Command{.argv = {"/bin/sh", "-c", "echo '  first' >&2; echo second >&2; exit 4"}},
                "error starting");
    FAIL();
  } catch (const ProcessError& error) {
    EXPECT_EQ(std::string(error.what()),
              "error starting: /bin/sh -c 'echo '\\''  first'\\'' >&2; echo second >&2; exit 4' "
              "exited with status 4: first");
    EXPECT_EQ(error.status(), 4);
  }
}

TEST(RunChecked, MissingProgramsAndTimeoutsHaveTheirOwnMessages) {
  PosixRunner runner;
  try {
    run_checked(runner, Command{.argv = {"colima-no-such-program"}}, "ctx");
    FAIL();
  } catch (const ProcessError& error) {
    EXPECT_EQ(std::string(error.what()), "ctx: 'colima-no-such-program' not found");
  }
  try {
    run_checked(runner, Command{.argv = {"sleep", "5"}, .timeout = std::chrono::milliseconds(1000)},
                "ctx");
    FAIL();
  } catch (const ProcessError& error) {
    EXPECT_EQ(std::string(error.what()), "ctx: sleep 5 timed out after 1s");
  }
}

} // namespace colima::process
