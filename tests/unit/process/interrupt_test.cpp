#include "colima/process/interrupt.hpp"
#include "colima/process/posix_runner.hpp"

#include <chrono>
#include <csignal>
#include <gtest/gtest.h>
#include <thread>

namespace colima::process {

namespace {

class Interrupts : public ::testing::Test {
protected:
  void SetUp() override {
    catch_interrupts();
    take_interrupt();
  }
  void TearDown() override { take_interrupt(); }
};

// Sends the signal to this process after a delay, from another thread.
std::thread signal_later(int signal, std::chrono::milliseconds delay) {
  return std::thread([signal, delay] {
    std::this_thread::sleep_for(delay);
    ::kill(::getpid(), signal);
  });
}

} // namespace

TEST_F(Interrupts, SigintStopsTheRunningProgramAndUnwindsWithStatus130) {
  PosixRunner runner;
  auto started = std::chrono::steady_clock::now();
  std::thread sender = signal_later(SIGINT, std::chrono::milliseconds(300));
  try {
    runner.run(Command{.argv = {"sleep", "30"}});
    sender.join();
    FAIL() << "not interrupted";
  } catch (const Interrupted& error) {
    sender.join();
    EXPECT_EQ(error.exit_code(), 130);
    EXPECT_EQ(std::string(error.what()), "interrupted by SIGINT while running 'sleep 30'; run the "
                                         "command again to continue");
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

TEST_F(Interrupts, NothingRunsOnceColimaIsInterrupted) {
  ::kill(::getpid(), SIGTERM);
  PosixRunner runner;
  try {
    runner.run(Command{.argv = {"touch", "/nonexistent-dir/never"}});
    FAIL() << "ran after SIGTERM";
  } catch (const Interrupted& error) {
    EXPECT_EQ(error.exit_code(), 143);
  }
}

TEST_F(Interrupts, ForegroundWaitEndsWithTheSignalThatArrived) {
  std::thread sender = signal_later(SIGTERM, std::chrono::milliseconds(200));
  EXPECT_EQ(wait_for_interrupt(), SIGTERM);
  sender.join();
  EXPECT_EQ(interrupted(), 0) << "the wait takes the signal";
}

} // namespace colima::process
