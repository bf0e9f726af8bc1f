// format_argv, run_checked and ProcessError: the messages a failed program turns into.
#include "colima/process/posix_runner.hpp"
#include "colima/process/runner.hpp"

#include "fake_runner.hpp"
#include "temp_dir.hpp"

#include <fstream>
#include <gtest/gtest.h>

namespace colima::process {

using std::chrono::milliseconds;

namespace {

// The message run_checked throws for command, or "" when it does not throw.
std::string failure_of(Runner& runner, const Command& command, std::string_view context = "ctx") {
  try {
    run_checked(runner, command, context);
  } catch (const ProcessError& error) {
    return error.what();
  }
  return "";
}

} // namespace

TEST(FormatArgv, LeavesPlainWordsAlone) {
  EXPECT_EQ(format_argv({"limactl", "start", "--name=colima", "a_b@c%d+e:f,g./h-i"}),
            "limactl start --name=colima a_b@c%d+e:f,g./h-i");
}

TEST(FormatArgv, QuotesWordsWithSpacesOrShellCharacters) {
  EXPECT_EQ(format_argv({"sh", "-c", "echo $HOME; ls *", "a b", "x~"}),
            "sh -c 'echo $HOME; ls *' 'a b' 'x~'");
}

TEST(FormatArgv, QuotesTheEmptyWord) {
  EXPECT_EQ(format_argv({"printf", ""}), "printf ''");
}

TEST(FormatArgv, EscapesSingleQuotesTheWayAShellReadsThem) {
  EXPECT_EQ(format_argv({"echo", "it's"}), "echo 'it'\\''s'");
}

TEST(FormatArgv, GivesNothingForNoWords) {
  EXPECT_EQ(format_argv({}), "");
}

TEST(RunChecked, ReturnsTheResultOfASuccessfulRun) {
  test::FakeRunner runner;
  runner.on({"limactl", "list"}, Result{0, "[]\n", "warning\n"});
  Result r = run_checked(runner, Command{.argv = {"limactl", "list"}}, "ctx");
  EXPECT_EQ(r.out, "[]\n");
  EXPECT_EQ(r.err, "warning\n");
}

TEST(RunChecked, AFailureNamesTheContextArgvStatusAndFirstNonEmptyStderrLine) {
  test::FakeRunner runner;
  runner.on({"limactl"}, Result{1, "out\n", "\n   \n  fatal: disk full  \nsecond line\n"});
  EXPECT_EQ(failure_of(runner, Command{.argv = {"limactl", "start", "colima"}}, "error starting"),
            "error starting: 'limactl start colima' exited with status 1: fatal: disk full");
}

TEST(RunChecked, AFailureWithoutStderrEndsWithTheStatus) {
  test::FakeRunner runner;
  runner.set_default(Result{3, "only stdout\n", ""});
  EXPECT_EQ(failure_of(runner, Command{.argv = {"tool", "a b"}}),
            "ctx: 'tool 'a b'' exited with status 3");
}

TEST(RunChecked, AFailureOfARealProgramQuotesItsArgv) {
  PosixRunner runner;
  EXPECT_EQ(failure_of(runner, Command{.argv = {"/bin/sh", "-c", "echo oops >&2; exit 4"}}),
            "ctx: '/bin/sh -c 'echo oops >&2; exit 4'' exited with status 4: oops");
}

TEST(RunChecked, AMissingProgramIsNamedAsNotFound) {
  PosixRunner runner;
  EXPECT_EQ(failure_of(runner, Command{.argv = {"colima-no-such-program", "--version"}}),
            "ctx: 'colima-no-such-program' not found");
  test::FakeRunner fake;
  fake.set_default(Result{127, "", ""});
  EXPECT_EQ(failure_of(fake, Command{.argv = {"limactl", "list"}}), "ctx: 'limactl' not found");
}

TEST(RunChecked, AProgramThatCannotBeExecutedSaysWhy) {
  test::TempDir dir;
  auto script = (dir.path() / "tool").string();
  std::ofstream(script) << "#!/bin/sh\n";
  PosixRunner runner;
  EXPECT_EQ(failure_of(runner, Command{.argv = {script}}),
            "ctx: cannot run '" + script + "': permission denied");
}

TEST(RunChecked, A127ThatTheProgramReportsItselfIsAnOrdinaryFailure) {
  PosixRunner runner;
  std::string message =
      failure_of(runner, Command{.argv = {"/bin/sh", "-c", "colima-no-such-program"}});
  EXPECT_EQ(message.rfind("ctx: '/bin/sh -c colima-no-such-program' exited with status 127: ", 0),
            0u)
      << message;
}

TEST(RunChecked, ATimeoutSaysAfterHowLong) {
  PosixRunner runner;
  EXPECT_EQ(failure_of(runner, Command{.argv = {"sleep", "5"}, .timeout = milliseconds(1000)}),
            "ctx: 'sleep 5' timed out after 1s");
  test::FakeRunner fake;
  Result timed_out{143, "", ""};
  timed_out.timed_out = true;
  fake.set_default(timed_out);
  EXPECT_EQ(failure_of(fake, Command{.argv = {"limactl", "start"}, .timeout = milliseconds(1500)}),
            "ctx: 'limactl start' timed out after 1.5s");
}

TEST(RunChecked, AWatchdogStopSaysWhy) {
  PosixRunner runner;
  Command command{.argv = {"sleep", "5"},
                  .watchdog = [] { return std::optional<std::string>("the VM failed to boot"); }};
  EXPECT_EQ(failure_of(runner, command), "ctx: 'sleep 5' stopped: the VM failed to boot");
}

TEST(ProcessError, CarriesTheStatusTheWholeStderrAndExitCodeOne) {
  Command command{.argv = {"limactl", "stop"}};
  ProcessError error("ctx", command, Result{2, "", "first\nsecond\n"});
  EXPECT_EQ(error.status(), 2);
  EXPECT_EQ(error.stderr_text(), "first\nsecond\n");
  EXPECT_EQ(error.exit_code(), 1);
  const Error& base = error;
  EXPECT_EQ(std::string(base.what()), "ctx: 'limactl stop' exited with status 2: first");
}

} // namespace colima::process
