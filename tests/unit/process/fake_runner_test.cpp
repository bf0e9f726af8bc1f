#include "fake_runner.hpp"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

namespace colima::test {

using process::Command;
using process::Result;
using process::Stream;

TEST(FakeRunner, RecordsEveryArgvInOrderRunOrInteractive) {
  FakeRunner runner;
  runner.set_default(Result{});
  runner.run(Command{.argv = {"a", "1"}});
  runner.run_interactive(Command{.argv = {"b"}});
  runner.run(Command{.argv = {"a", "1"}});
  EXPECT_EQ(runner.argvs(), (Argvs{{"a", "1"}, {"b"}, {"a", "1"}}));
}

TEST(FakeRunner, RecordsTheWholeCommand) {
  FakeRunner runner;
  runner.on({"limactl"}, Result{});
  runner.run(Command{.argv = {"limactl", "list"},
                     .env = {{"LIMA_HOME", "/h/_lima"}},
                     .cwd = std::filesystem::path("/tmp"),
                     .stdin_data = "input"});
  ASSERT_EQ(runner.commands().size(), 1u);
  const Command& command = runner.commands().front();
  EXPECT_EQ(command.env, (std::map<std::string, std::string>{{"LIMA_HOME", "/h/_lima"}}));
  EXPECT_EQ(command.cwd, std::filesystem::path("/tmp"));
  EXPECT_EQ(command.stdin_data, "input");
}

TEST(FakeRunner, AnswersByArgvPrefix) {
  FakeRunner runner;
  runner.on({"limactl", "list"}, Result{0, "[]\n", ""});
  EXPECT_EQ(runner.run(Command{.argv = {"limactl", "list", "--json"}}).out, "[]\n");
  EXPECT_EQ(runner.run(Command{.argv = {"limactl", "list"}}).out, "[]\n");
  runner.set_default(Result{0, "default", ""});
  EXPECT_EQ(runner.run(Command{.argv = {"limactl", "stop"}}).out, "default");
  EXPECT_EQ(runner.run(Command{.argv = {"limactl"}}).out, "default");
}

TEST(FakeRunner, TheLongestMatchingPrefixWinsWhateverTheOrderOfRegistration) {
  FakeRunner runner;
  runner.on({"limactl", "list"}, Result{0, "long", ""});
  runner.on({"limactl"}, Result{1, "", "short"});
  EXPECT_EQ(runner.run(Command{.argv = {"limactl", "list", "--json"}}).out, "long");
  EXPECT_EQ(runner.run(Command{.argv = {"limactl", "stop"}}).err, "short");
}

TEST(FakeRunner, ALaterRegistrationOfTheSamePrefixReplacesAnEarlierOne) {
  FakeRunner runner;
  runner.on({"x"}, Result{1, "", ""});
  runner.on({"x"}, Result{5, "", ""});
  EXPECT_EQ(runner.run(Command{.argv = {"x", "y"}}).exit_code, 5);
}

TEST(FakeRunner, UnmatchedCommandsGetTheDefaultAnswer) {
  FakeRunner runner;
  runner.set_default(Result{3, "", ""});
  EXPECT_EQ(runner.run(Command{.argv = {"anything"}}).exit_code, 3);
}

TEST(FakeRunner, ACommandItWasNotToldAboutFailsTheTestThatRanIt) {
  FakeRunner runner;
  runner.on({"limactl", "list"}, Result{});
  Result result;
  EXPECT_NONFATAL_FAILURE(result = runner.run(Command{.argv = {"limactl", "delete", "x"}}),
                          "the fake runner was not told about this command: limactl delete x");
  EXPECT_EQ(result.exit_code, 127);
  EXPECT_FALSE(result.ok());
}

TEST(FakeRunner, AHandlerAnswersFromTheCommand) {
  FakeRunner runner;
  runner.on({"cat"}, [](const Command& command) { return Result{0, command.stdin_data, ""}; });
  EXPECT_EQ(runner.run(Command{.argv = {"cat"}, .stdin_data = "echoed"}).out, "echoed");
}

TEST(FakeRunner, AnInteractiveRunReturnsTheAnswersExitCode) {
  FakeRunner runner;
  runner.on({"limactl", "shell"}, Result{7, "", ""});
  runner.on({"limactl", "stop"}, Result{});
  EXPECT_EQ(runner.run_interactive(Command{.argv = {"limactl", "shell", "colima"}}), 7);
  EXPECT_EQ(runner.run_interactive(Command{.argv = {"limactl", "stop"}}), 0);
}

TEST(FakeRunner, OnLineSeesTheAnswersLinesAsPosixRunnerWouldReportThem) {
  FakeRunner runner;
  runner.on({"limactl"}, Result{0, "a\n\nb", "e1\ne2\n"});
  std::vector<std::pair<Stream, std::string>> lines;
  runner.run(
      Command{.argv = {"limactl", "start"}, .on_line = [&](Stream stream, std::string_view line) {
                lines.emplace_back(stream, line);
              }});
  EXPECT_EQ(lines, (std::vector<std::pair<Stream, std::string>>{{Stream::out, "a"},
                                                                {Stream::out, ""},
                                                                {Stream::out, "b"},
                                                                {Stream::err, "e1"},
                                                                {Stream::err, "e2"}}));
}

} // namespace colima::test
