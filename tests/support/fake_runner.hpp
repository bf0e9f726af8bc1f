#pragma once

#include "colima/process/runner.hpp"

#include <functional>
#include <string>
#include <vector>

namespace colima::test {

// Argument vectors, as a test expects them.
using Argvs = std::vector<std::vector<std::string>>;

// A Runner for tests: records every command and answers by argv prefix, the longest matching
// prefix winning and a later registration of the same prefix replacing an earlier one.
// Unmatched commands succeed with no output unless set_default says otherwise.
class FakeRunner : public process::Runner {
public:
  using Handler = std::function<process::Result(const process::Command&)>;

  // Answers commands starting with prefix with result.
  void on(std::vector<std::string> prefix, process::Result result);
  // Answers commands starting with prefix by calling handler.
  void on(std::vector<std::string> prefix, Handler handler);
  // The answer to commands no prefix matches.
  void set_default(process::Result result);

  process::Result run(const process::Command& command) override;
  int run_interactive(const process::Command& command) override;

  // Every argv run so far, in order.
  Argvs argvs() const;
  // Every command run so far, in order.
  const std::vector<process::Command>& commands() const { return m_commands; }

private:
  process::Result answer(const process::Command& command);

  std::vector<std::pair<std::vector<std::string>, Handler>> m_handlers;
  process::Result m_default;
  std::vector<process::Command> m_commands;
};

} // namespace colima::test
