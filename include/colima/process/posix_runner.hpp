#pragma once

#include "colima/process/runner.hpp"

namespace colima::process {

// Runs programs for real with posix_spawn. run() connects the program's stdin, stdout and
// stderr to pipes, feeds stdin_data while draining both outputs with poll(), honours env,
// unset_env, cwd, timeout and watchdog, and returns once the program has exited (output a
// daemon it left behind still writes is not waited for). run_interactive() hands the program
// colima's own terminal and passes SIGINT, SIGTERM and SIGHUP on to it, ignoring SIGQUIT,
// until it exits. Every argv is logged at debug level before it runs, its status and output
// afterwards. Not for concurrent interactive runs.
class PosixRunner : public Runner {
public:
  // Runs the program with its output captured; see Runner::run and Result.
  Result run(const Command& command) override;
  // Runs the program on colima's terminal; see Runner::run_interactive.
  int run_interactive(const Command& command) override;
};

} // namespace colima::process
