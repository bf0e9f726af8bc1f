#pragma once

#include "colima/process/command.hpp"
#include "colima/util/error.hpp"

#include <string>
#include <string_view>

namespace colima::process {

// The one way colima runs programs. PosixRunner runs them for real; tests use a fake that
// records every argv and answers by argv prefix.
class Runner {
public:
  virtual ~Runner() = default;

  // Runs the program to completion with stdout and stderr captured separately.
  virtual Result run(const Command& command) = 0;

  // Runs the program attached to colima's own stdin, stdout and stderr (a terminal when the
  // user has one), forwarding SIGINT, SIGTERM and SIGHUP to it; returns its exit status
  // (128 + N when killed by signal N, 127 when it could not be started).
  virtual int run_interactive(const Command& command) = 0;
};

// A program that failed: carries its argv, exit status and the first line of its stderr.
class ProcessError : public Error {
public:
  ProcessError(const std::string& context, const Command& command, const Result& result);

  int status() const { return m_status; }
  const std::string& stderr_text() const { return m_stderr; }

private:
  int m_status;
  std::string m_stderr;
};

// Runs the command and returns its result when it succeeded; otherwise throws ProcessError
// whose message reads `<context>: '<argv>' exited with status N: <first stderr line>`, or
// `<context>: '<program>' not found`, `<context>: '<argv>' timed out after 30s`,
// `<context>: '<argv>' stopped: <watchdog's reason>`.
Result run_checked(Runner& runner, const Command& command, std::string_view context);

} // namespace colima::process
