#pragma once

#include "colima/process/runner.hpp"

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace colima::test {

// Argument vectors, as a test expects them.
using Argvs = std::vector<std::vector<std::string>>;

// A Runner for tests: records every command, run or interactive, and answers by argv prefix,
// the longest matching prefix winning and a later registration of the same prefix replacing an
// earlier one. Unmatched commands succeed with no output unless set_default says otherwise.
// The answer's stdout lines, then its stderr lines, go to the command's on_line as PosixRunner
// would report them; its watchdog is never called. Safe to use from several threads.
class FakeRunner : public process::Runner {
public:
  // Computes the answer to a command.
  using Handler = std::function<process::Result(const process::Command&)>;

  // Answers commands whose argv starts with prefix with result.
  void on(std::vector<std::string> prefix, process::Result result);
  // Answers commands whose argv starts with prefix by calling handler.
  void on(std::vector<std::string> prefix, Handler handler);
  // The answer to commands that no prefix matches. Without one, such a command fails the
  // test that ran it (and gets exit status 127): a test says what it expects to be run.
  void set_default(process::Result result);

  // Records the command and returns its answer.
  process::Result run(const process::Command& command) override;
  // Records the command and returns its answer's exit code.
  int run_interactive(const process::Command& command) override;

  // Every argv run so far, in order.
  Argvs argvs() const;
  // Every command run so far, in order. Their callbacks may refer to objects that are gone.
  const std::vector<process::Command>& commands() const { return m_commands; }

private:
  process::Result answer(const process::Command& command);

  std::vector<std::pair<std::vector<std::string>, Handler>> m_handlers;
  std::optional<process::Result> m_default;
  std::vector<process::Command> m_commands;
  mutable std::mutex m_mutex;
};

} // namespace colima::test
