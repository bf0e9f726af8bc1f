#include "colima/process/interrupt.hpp"

#include <atomic>
#include <csignal>
#include <cstring>
#include <fmt/format.h>
#include <poll.h>

namespace colima::process {

namespace {

std::atomic<int> g_signal{0};

void note_signal(int signal) {
  g_signal.store(signal);
}

std::string signal_name(int signal) {
  switch (signal) {
  case SIGINT:
    return "SIGINT";
  case SIGTERM:
    return "SIGTERM";
  case SIGHUP:
    return "SIGHUP";
  default:
    return fmt::format("signal {}", signal);
  }
}

} // namespace

void catch_interrupts() {
  struct sigaction action {};
  action.sa_handler = note_signal;
  sigemptyset(&action.sa_mask);
  for (int signal : {SIGINT, SIGTERM, SIGHUP}) {
    ::sigaction(signal, &action, nullptr);
  }
}

int interrupted() {
  return g_signal.load();
}

int take_interrupt() {
  return g_signal.exchange(0);
}

int wait_for_interrupt() {
  while (interrupted() == 0) {
    ::poll(nullptr, 0, 200);
  }
  return take_interrupt();
}

Interrupted::Interrupted(int signal, const std::string& while_doing)
    : Error(fmt::format("interrupted by {} while {}; run the command again to continue",
                        signal_name(signal), while_doing),
            128 + signal) {}

void throw_if_interrupted(const std::string& while_doing) {
  if (int signal = interrupted()) {
    throw Interrupted(signal, while_doing);
  }
}

} // namespace colima::process
