// PosixRunner::run stopping programs: timeout, watchdog, SIGTERM then SIGKILL.
#include "colima/process/posix_runner.hpp"

#include <chrono>
#include <csignal>
#include <gtest/gtest.h>
#include <string>

namespace colima::process {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(PosixRunner, ATimeoutStopsTheProgramWithinThreeSecondsAndSaysSo) {
  auto started = Clock::now();
  PosixRunner runner;
  Result r = runner.run(Command{.argv = {"sleep", "30"}, .timeout = milliseconds(300)});
  auto elapsed = Clock::now() - started;
  EXPECT_GE(elapsed, milliseconds(300));
  EXPECT_LT(elapsed, seconds(3));
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.aborted);
  EXPECT_EQ(r.exit_code, 128 + SIGTERM);
  EXPECT_FALSE(r.ok());
}

TEST(PosixRunner, AProgramThatFinishesInTimeIsNotTimedOut) {
  PosixRunner runner;
  Result r = runner.run(Command{.argv = {"true"}, .timeout = milliseconds(5000)});
  EXPECT_FALSE(r.timed_out);
  EXPECT_TRUE(r.ok());
}

TEST(PosixRunner, AProgramIgnoringSigtermIsKilledTwoSecondsLater) {
  auto started = Clock::now();
  PosixRunner runner;
  Result r =
      runner.run(Command{.argv = {"/bin/sh", "-c", "trap '' TERM; echo armed; exec sleep 30"},
                         .timeout = milliseconds(200)});
  auto elapsed = Clock::now() - started;
  EXPECT_GE(elapsed, milliseconds(2200));
  EXPECT_LT(elapsed, seconds(4));
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.exit_code, 128 + SIGKILL);
  EXPECT_EQ(r.out, "armed\n");
}

TEST(PosixRunner, TheWatchdogIsAskedAboutEvery200MillisecondsAndStopsTheProgramWithItsReason) {
  int calls = 0;
  auto started = Clock::now();
  PosixRunner runner;
  Result r =
      runner.run(Command{.argv = {"sleep", "30"}, .watchdog = [&] {
                           ++calls;
                           return calls >= 3 ? std::optional<std::string>("enough") : std::nullopt;
                         }});
  auto elapsed = Clock::now() - started;
  EXPECT_EQ(calls, 3);
  EXPECT_GE(elapsed, milliseconds(550));
  EXPECT_LT(elapsed, milliseconds(1500));
  EXPECT_EQ(r.aborted, "enough");
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 128 + SIGTERM);
  EXPECT_FALSE(r.ok());
}

TEST(PosixRunner, TheWatchdogSeesTheOutputSoFar) {
  bool ready = false;
  PosixRunner runner;
  Result r = runner.run(
      Command{.argv = {"/bin/sh", "-c", "echo ready; exec sleep 30"},
              .on_line = [&](Stream, std::string_view line) { ready = ready || line == "ready"; },
              .watchdog = [&]() -> std::optional<std::string> {
                if (ready) {
                  return "the program said it was ready";
                }
                return std::nullopt;
              }});
  EXPECT_EQ(r.aborted, "the program said it was ready");
  EXPECT_EQ(r.out, "ready\n");
}

} // namespace colima::process
