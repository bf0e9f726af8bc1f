#include "colima/process/runner.hpp"

#include "colima/util/strings.hpp"

#include <fmt/format.h>

namespace colima::process {

namespace {
std::string first_line(const std::string& text) {
  for (const auto& line : util::split(text, '\n')) {
    std::string trimmed = util::trim(line);
    if (!trimmed.empty()) {
      return trimmed;
    }
  }
  return {};
}

std::string describe(const std::string& context, const Command& command, const Result& result) {
  std::string argv = format_argv(command.argv);
  if (result.aborted) {
    return fmt::format("{}: {} stopped: {}", context, argv, *result.aborted);
  }
  if (result.timed_out) {
    auto seconds = command.timeout ? command.timeout->count() / 1000 : 0;
    return fmt::format("{}: {} timed out after {}s", context, argv, seconds);
  }
  if (result.exit_code == 127 && !command.argv.empty()) {
    return fmt::format("{}: '{}' not found", context, command.argv.front());
  }
  std::string line = first_line(result.err);
  if (line.empty()) {
    line = first_line(result.out);
  }
  return fmt::format("{}: {} exited with status {}{}", context, argv, result.exit_code,
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
