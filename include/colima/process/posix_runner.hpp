#pragma once

#include "colima/process/runner.hpp"

namespace colima::process {

// Runs programs for real with posix_spawn: stdout and stderr drained separately with poll(),
// stdin fed from Command::stdin_data, the environment, working directory, timeout and
// watchdog honoured. Each argv is logged at debug level before it runs.
class PosixRunner : public Runner {
public:
  Result run(const Command& command) override;
  int run_interactive(const Command& command) override;
};

} // namespace colima::process
