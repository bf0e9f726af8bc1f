#include "fake_runner.hpp"

#include <algorithm>
#include <gtest/gtest.h>
#include <string_view>

namespace colima::test {

namespace {

// Reports text's lines to on_line as PosixRunner does: without their newlines, empty lines
// included, an unterminated last line too.
void report_lines(const process::Command& command, process::Stream stream, std::string_view text) {
  while (!text.empty()) {
    std::size_t newline = text.find('\n');
    command.on_line(stream, text.substr(0, newline));
    if (newline == std::string_view::npos) {
      break;
    }
    text.remove_prefix(newline + 1);
  }
}

} // namespace

void FakeRunner::on(std::vector<std::string> prefix, process::Result result) {
  on(std::move(prefix), [result](const process::Command&) { return result; });
}

void FakeRunner::on(std::vector<std::string> prefix, Handler handler) {
  std::lock_guard lock(m_mutex);
  m_handlers.emplace_back(std::move(prefix), std::move(handler));
}

void FakeRunner::set_default(process::Result result) {
  std::lock_guard lock(m_mutex);
  m_default = std::move(result);
}

process::Result FakeRunner::run(const process::Command& command) {
  return answer(command);
}

int FakeRunner::run_interactive(const process::Command& command) {
  return answer(command).exit_code;
}

Argvs FakeRunner::argvs() const {
  std::lock_guard lock(m_mutex);
  Argvs result;
  for (const auto& command : m_commands) {
    result.push_back(command.argv);
  }
  return result;
}

process::Result FakeRunner::answer(const process::Command& command) {
  std::unique_lock lock(m_mutex);
  m_commands.push_back(command);
  const Handler* best = nullptr;
  std::size_t best_length = 0;
  for (const auto& [prefix, handler] : m_handlers) {
    bool matches = prefix.size() <= command.argv.size() &&
                   std::equal(prefix.begin(), prefix.end(), command.argv.begin());
    // >= lets a later registration of the same prefix replace an earlier one.
    if (matches && (best == nullptr || prefix.size() >= best_length)) {
      best = &handler;
      best_length = prefix.size();
    }
  }
  // A copy, so that a handler may register others while it runs.
  Handler chosen = best != nullptr ? *best : Handler();
  std::optional<process::Result> fallback = m_default;
  lock.unlock();
  if (!chosen && !fallback) {
    std::string line;
    for (const auto& word : command.argv) {
      line += (line.empty() ? "" : " ") + word;
    }
    ADD_FAILURE() << "the fake runner was not told about this command: " << line;
    fallback = process::Result{.exit_code = 127, .out = {}, .err = "unexpected command: " + line};
  }
  process::Result result = chosen ? chosen(command) : *fallback;
  if (command.on_line) {
    report_lines(command, process::Stream::out, result.out);
    report_lines(command, process::Stream::err, result.err);
  }
  return result;
}

} // namespace colima::test
