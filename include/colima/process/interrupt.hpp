#pragma once

#include "colima/util/error.hpp"

#include <string>

namespace colima::process {

// Makes SIGINT, SIGTERM and SIGHUP set a flag instead of killing colima at once: PosixRunner
// then stops the program it runs (SIGTERM, then SIGKILL) and throws Interrupted, which unwinds
// to the top like any error, so no file is left half-written. Call once, early in main.
void catch_interrupts();

// The signal that interrupted colima since the last take_interrupt(), or 0.
int interrupted();

// Blocks until SIGINT, SIGTERM or SIGHUP arrives (catch_interrupts() first), then clears the
// flag and returns the signal: for `colima start --foreground`.
int wait_for_interrupt();

// Clears the flag and returns the signal it held (0 when none).
int take_interrupt();

// colima was interrupted by a signal while it ran a program: exit status 128 + the signal.
class Interrupted : public Error {
public:
  Interrupted(int signal, const std::string& while_doing);
};

// Throws Interrupted when a signal has arrived.
void throw_if_interrupted(const std::string& while_doing);

} // namespace colima::process
