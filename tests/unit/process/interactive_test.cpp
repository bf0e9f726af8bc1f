// PosixRunner::run_interactive against the real OS: statuses, and signals sent to colima while
// the program runs. The test program itself plays colima, so a signal that is not handled ends
// the whole test run.
#include "colima/process/posix_runner.hpp"

#include "temp_dir.hpp"

#include <chrono>
#include <csignal>
#include <filesystem>
#include <gtest/gtest.h>
#include <thread>
#include <unistd.h>

namespace colima::process {

namespace fs = std::filesystem;

namespace {

// A program that writes <dir>/ready once it runs, exits 42 on SIGTERM and 43 on SIGINT, and
// otherwise runs for at most 10 s.
Command trapping_program(const fs::path& dir) {
  return Command{.argv = {"/bin/sh", "-c",
                          "trap 'exit 42' TERM; trap 'exit 43' INT; : > \"$1/ready\"; i=0; "
                          "while [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; exit 9",
                          "sh", dir.string()}};
}

// Sends the signals to this process, one by one, once the program is ready.
std::thread signal_when_ready(const fs::path& dir, std::vector<int> signals) {
  return std::thread([ready = dir / "ready", signals] {
    for (int i = 0; i < 500 && !fs::exists(ready); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    for (int signal : signals) {
      ::kill(::getpid(), signal);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
}

// The handler currently installed for signal (SIG_DFL, SIG_IGN or a function).
using Handler = void (*)(int);
Handler handler_of(int signal) {
  struct sigaction current {};
  ::sigaction(signal, nullptr, &current);
  return current.sa_handler;
}

} // namespace

TEST(PosixRunner, AnInteractiveRunReturnsTheExitStatus) {
  PosixRunner runner;
  EXPECT_EQ(runner.run_interactive(Command{.argv = {"true"}}), 0);
  EXPECT_EQ(runner.run_interactive(Command{.argv = {"false"}}), 1);
  EXPECT_EQ(runner.run_interactive(Command{.argv = {"/bin/sh", "-c", "exit 7"}}), 7);
}

TEST(PosixRunner, AnInteractiveRunGives127ForAMissingProgram) {
  PosixRunner runner;
  EXPECT_EQ(runner.run_interactive(Command{.argv = {"colima-no-such-program"}}), 127);
}

TEST(PosixRunner, AnInteractiveRunGives128PlusNForDeathBySignalN) {
  PosixRunner runner;
  EXPECT_EQ(runner.run_interactive(Command{.argv = {"/bin/sh", "-c", "kill -KILL $$"}}),
            128 + SIGKILL);
}

TEST(PosixRunner, AnInteractiveRunHonoursEnvironmentAndDirectory) {
  test::TempDir dir;
  PosixRunner runner;
  Command command{.argv = {"/bin/sh", "-c", "[ \"$(pwd)\" = \"$1\" ] && [ \"$COLIMA_X\" = y ]",
                           "sh", dir.path().string()},
                  .env = {{"COLIMA_X", "y"}},
                  .cwd = dir.path()};
  EXPECT_EQ(runner.run_interactive(command), 0);
}

TEST(PosixRunner, SigtermSentToColimaDuringAnInteractiveRunGoesToTheProgram) {
  test::TempDir dir;
  PosixRunner runner;
  std::thread sender = signal_when_ready(dir.path(), {SIGTERM});
  int status = runner.run_interactive(trapping_program(dir.path()));
  sender.join();
  EXPECT_EQ(status, 42);
}

TEST(PosixRunner, SigintSentToColimaDuringAnInteractiveRunGoesToTheProgram) {
  test::TempDir dir;
  PosixRunner runner;
  std::thread sender = signal_when_ready(dir.path(), {SIGINT});
  int status = runner.run_interactive(trapping_program(dir.path()));
  sender.join();
  EXPECT_EQ(status, 43);
}

TEST(PosixRunner, SigquitIsIgnoredDuringAnInteractiveRunAndNotPassedOn) {
  test::TempDir dir;
  PosixRunner runner;
  // Had SIGQUIT reached the program, it would have died of it (131) before the SIGTERM.
  std::thread sender = signal_when_ready(dir.path(), {SIGQUIT, SIGTERM});
  int status = runner.run_interactive(trapping_program(dir.path()));
  sender.join();
  EXPECT_EQ(status, 42);
}

TEST(PosixRunner, AnInteractiveRunRestoresTheSignalDispositions) {
  Handler before_int = handler_of(SIGINT);
  Handler before_term = handler_of(SIGTERM);
  Handler before_hup = handler_of(SIGHUP);
  Handler before_quit = handler_of(SIGQUIT);
  PosixRunner runner;
  runner.run_interactive(Command{.argv = {"true"}});
  runner.run_interactive(Command{.argv = {"colima-no-such-program"}});
  EXPECT_EQ(handler_of(SIGINT), before_int);
  EXPECT_EQ(handler_of(SIGTERM), before_term);
  EXPECT_EQ(handler_of(SIGHUP), before_hup);
  EXPECT_EQ(handler_of(SIGQUIT), before_quit);
}

} // namespace colima::process
