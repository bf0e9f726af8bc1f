#include "colima/process/runner.hpp"

#include "spawn.hpp"

#include <fmt/format.h>

namespace colima::process {

namespace {

// The first line of text with something on it, without surrounding white space.
std::string first_line(std::string_view text) {
  constexpr std::string_view k_blank = " \t\r\v\f";
  while (!text.empty()) {
    std::size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    std::size_t begin = line.find_first_not_of(k_blank);
    if (begin != std::string_view::npos) {
      std::size_t end = line.find_last_not_of(k_blank);
      return std::string(line.substr(begin, end - begin + 1));
    }
    if (newline == std::string_view::npos) {
      break;
    }
    text.remove_prefix(newline + 1);
  }
  return {};
}

// A duration as a whole number of seconds when it is one, else with its fraction: 30s, 0.5s.
std::string format_seconds(std::chrono::milliseconds duration) {
  return fmt::format("{}s", static_cast<double>(duration.count()) / 1000.0);
}

std::string describe(const std::string& context, const Command& command, const Result& result) {
  std::string argv = format_argv(command.argv);
  if (result.aborted) {
    return fmt::format("{}: '{}' stopped: {}", context, argv, *result.aborted);
  }
  if (result.timed_out) {
    return fmt::format("{}: '{}' timed out after {}", context, argv,
                       format_seconds(command.timeout.value_or(std::chrono::milliseconds(0))));
  }
  std::string line = first_line(result.err);
  if (result.exit_code == 127) {
    // The program never ran (PosixRunner says why), or a fake runner says so with no output;
    // a 127 that comes with other stderr is the program's own (a shell's missing command).
    if (line.empty()) {
      return fmt::format("{}: '{}' not found", context,
                         command.argv.empty() ? "" : command.argv.front());
    }
    if (is_spawn_failure(command, line)) {
      return fmt::format("{}: {}", context, line);
    }
  }
  return fmt::format("{}: '{}' exited with status {}{}", context, argv, result.exit_code,
                     line.empty() ? "" : ": " + line);
}

} // namespace

ProcessError::ProcessError(const std::string& context, const Command& command, const Result& result)
    : Error(describe(context, command, result)), m_status(result.exit_code), m_stderr(result.err) {}

Result run_checked(Runner& runner, const Command& command, std::string_view context) {
  Result result = runner.run(command);
  if (!result.ok()) {
    throw ProcessError(std::string(context), command, result);
  }
  return result;
}

} // namespace colima::process
