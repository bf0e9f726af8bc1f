// PosixRunner::run against the real OS and real programs. Shell one-liners appear here, in
// tests only.
#include "colima/process/posix_runner.hpp"

#include "temp_dir.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace colima::process {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

namespace {

Result run(Command command) {
  PosixRunner runner;
  return runner.run(command);
}

Result sh(const std::string& script, Command command = {}) {
  command.argv = {"/bin/sh", "-c", script};
  return run(std::move(command));
}

void write_file(const fs::path& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

// The lines of text, without their newlines.
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::string line;
  for (char c : text) {
    if (c == '\n') {
      lines.push_back(line);
      line.clear();
    } else {
      line += c;
    }
  }
  return lines;
}

bool contains(const std::vector<std::string>& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

} // namespace

TEST(PosixRunner, CapturesStdoutAndStderrSeparately) {
  Result r = sh("echo out; echo err >&2; echo more out");
  EXPECT_EQ(r.out, "out\nmore out\n");
  EXPECT_EQ(r.err, "err\n");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(r.ok());
}

TEST(PosixRunner, ReturnsTheProgramsExitStatus) {
  EXPECT_EQ(run(Command{.argv = {"true"}}).exit_code, 0);
  EXPECT_EQ(run(Command{.argv = {"false"}}).exit_code, 1);
  Result r = sh("exit 3");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(r.timed_out);
  EXPECT_FALSE(r.aborted);
}

TEST(PosixRunner, LooksTheProgramUpOnPathAndPassesArgumentsVerbatim) {
  Result r = run(Command{.argv = {"printf", "%s|", "a b", "", "$HOME", "'q'"}});
  EXPECT_EQ(r.out, "a b||$HOME|'q'|");
}

TEST(PosixRunner, AMissingProgramGives127AndSaysItWasNotFound) {
  Result r = run(Command{.argv = {"colima-no-such-program", "x"}});
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_EQ(r.err, "'colima-no-such-program' not found");
  EXPECT_EQ(run(Command{.argv = {"/nonexistent/colima-tool"}}).err,
            "'/nonexistent/colima-tool' not found");
}

TEST(PosixRunner, AProgramThatCannotBeExecutedGives127AndSaysWhy) {
  test::TempDir dir;
  fs::path script = dir.path() / "script";
  write_file(script, "#!/bin/sh\necho hi\n");
  Result r = run(Command{.argv = {script.string()}});
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_EQ(r.err, "cannot run '" + script.string() + "': permission denied");
}

TEST(PosixRunner, FeedsStdinAndThenClosesIt) {
  Result r = run(Command{.argv = {"cat"}, .stdin_data = "line one\nline two"});
  EXPECT_EQ(r.out, "line one\nline two");
  EXPECT_EQ(r.exit_code, 0);
}

TEST(PosixRunner, WithoutStdinDataTheProgramReadsEndOfFile) {
  EXPECT_EQ(run(Command{.argv = {"cat"}}).out, "");
}

TEST(PosixRunner, FeedsLargeStdinWhileDrainingTheOutput) {
  std::string data(5'000'000, 'x');
  data += "end";
  Result r = run(Command{.argv = {"cat"}, .stdin_data = data});
  EXPECT_EQ(r.out.size(), data.size());
  EXPECT_EQ(r.out, data);
}

TEST(PosixRunner, DrainsSeveralMegabytesOnBothStreamsWithoutDeadlock) {
  test::TempDir dir;
  fs::path file = dir.path() / "data";
  std::string data(3'000'000, 'y');
  write_file(file, data);
  // stderr fills while stdout is still open, then stdout again: a runner that drains one
  // stream at a time blocks the program for good.
  Result r = run(Command{
      .argv = {"/bin/sh", "-c", "cat \"$1\"; cat \"$1\" >&2; cat \"$1\"", "sh", file.string()}});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.size(), 2 * data.size());
  EXPECT_EQ(r.err.size(), data.size());
}

TEST(PosixRunner, AProgramThatStopsReadingStdinDoesNotHurtColima) {
  Result r = run(Command{.argv = {"true"}, .stdin_data = std::string(5'000'000, 'z')});
  EXPECT_EQ(r.exit_code, 0);
  sigset_t pending;
  sigemptyset(&pending);
  sigpending(&pending);
  EXPECT_EQ(sigismember(&pending, SIGPIPE), 0);
}

TEST(PosixRunner, AddsReplacesAndUnsetsEnvironmentVariables) {
  ::setenv("COLIMA_TEST_REMOVED", "present", 1);
  ::setenv("COLIMA_TEST_REPLACED", "old", 1);
  Result r = run(Command{.argv = {"env"},
                         .env = {{"COLIMA_TEST_ADDED", "a b"}, {"COLIMA_TEST_REPLACED", "new"}},
                         .unset_env = {"COLIMA_TEST_REMOVED"}});
  ::unsetenv("COLIMA_TEST_REMOVED");
  ::unsetenv("COLIMA_TEST_REPLACED");
  auto lines = lines_of(r.out);
  EXPECT_TRUE(contains(lines, "COLIMA_TEST_ADDED=a b"));
  EXPECT_TRUE(contains(lines, "COLIMA_TEST_REPLACED=new"));
  EXPECT_FALSE(contains(lines, "COLIMA_TEST_REPLACED=old"));
  EXPECT_FALSE(contains(lines, "COLIMA_TEST_REMOVED=present"));
  EXPECT_TRUE(contains(lines, std::string("PATH=") + std::getenv("PATH")));
}

TEST(PosixRunner, RunsInTheGivenDirectory) {
  test::TempDir dir;
  Result r = run(Command{.argv = {"pwd"}, .cwd = dir.path()});
  EXPECT_EQ(r.out, dir.path().string() + "\n");
}

TEST(PosixRunner, AMissingDirectoryGives127AndNamesIt) {
  Result r = run(Command{.argv = {"pwd"}, .cwd = fs::path("/nonexistent/colima")});
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_EQ(r.err, "cannot run 'pwd' in '/nonexistent/colima': no such file or directory");
}

TEST(PosixRunner, OnLineSeesTheLinesOfEachStreamInOrderIncludingAnUnterminatedLastOne) {
  std::vector<std::string> out;
  std::vector<std::string> err;
  Command command{.on_line = [&](Stream stream, std::string_view line) {
    (stream == Stream::out ? out : err).emplace_back(line);
  }};
  Result r = sh("echo a; echo b >&2; echo; printf 'c\\nd'; sleep 0.1; printf 'e\\n'; "
                "printf f >&2",
                command);
  EXPECT_EQ(out, (std::vector<std::string>{"a", "", "c", "de"}));
  EXPECT_EQ(err, (std::vector<std::string>{"b", "f"}));
  EXPECT_EQ(r.out, "a\n\nc\nde\n");
  EXPECT_EQ(r.err, "b\nf");
}

TEST(PosixRunner, OnLineSeesEachLineAsItArrives) {
  using SteadyClock = std::chrono::steady_clock;
  auto started = SteadyClock::now();
  std::vector<SteadyClock::duration> arrivals;
  Command command{.on_line = [&](Stream, std::string_view) {
    arrivals.push_back(SteadyClock::now() - started);
  }};
  sh("echo ready; sleep 0.5; echo done", command);
  ASSERT_EQ(arrivals.size(), 2u);
  EXPECT_LT(arrivals[0], milliseconds(400));
  EXPECT_GE(arrivals[1], milliseconds(500));
}

TEST(PosixRunner, DeathBySignalGives128PlusTheSignal) {
  EXPECT_EQ(sh("kill -TERM $$").exit_code, 128 + SIGTERM);
  EXPECT_EQ(sh("kill -KILL $$").exit_code, 128 + SIGKILL);
}

TEST(PosixRunner, ABackgroundChildHoldingThePipesDoesNotDelayTheResult) {
  auto started = std::chrono::steady_clock::now();
  Result r = sh("sleep 3 & echo started");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  EXPECT_EQ(r.out, "started\n");
  EXPECT_EQ(r.exit_code, 0);
}

TEST(PosixRunner, ACallbackThatThrowsLeavesNoProgramRunning) {
  auto started = std::chrono::steady_clock::now();
  Command command{.argv = {"/bin/sh", "-c", "echo boom; exec sleep 30"},
                  .on_line = [](Stream, std::string_view) { throw std::runtime_error("boom"); }};
  EXPECT_THROW(run(command), std::runtime_error);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
}

} // namespace colima::process
