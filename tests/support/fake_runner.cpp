#include "fake_runner.hpp"

#include "colima/util/strings.hpp"

namespace colima::test {

void FakeRunner::on(std::vector<std::string> prefix, process::Result result) {
  on(std::move(prefix), [result](const process::Command&) { return result; });
}

void FakeRunner::on(std::vector<std::string> prefix, Handler handler) {
  m_handlers.emplace_back(std::move(prefix), std::move(handler));
}

void FakeRunner::set_default(process::Result result) {
  m_default = std::move(result);
}

process::Result FakeRunner::answer(const process::Command& command) {
  m_commands.push_back(command);
  const Handler* best = nullptr;
  std::size_t best_length = 0;
  for (const auto& [prefix, handler] : m_handlers) {
    bool matches = prefix.size() <= command.argv.size() &&
                   std::equal(prefix.begin(), prefix.end(), command.argv.begin());
    if (matches && (best == nullptr || prefix.size() >= best_length)) {
      best = &handler;
      best_length = prefix.size();
    }
  }
  process::Result result = best != nullptr ? (*best)(command) : m_default;
  if (command.on_line) {
    for (const auto& line : util::split(result.out, '\n')) {
      if (!line.empty()) {
        command.on_line(process::Stream::out, line);
      }
    }
    for (const auto& line : util::split(result.err, '\n')) {
      if (!line.empty()) {
        command.on_line(process::Stream::err, line);
      }
    }
  }
  return result;
}

process::Result FakeRunner::run(const process::Command& command) {
  return answer(command);
}

int FakeRunner::run_interactive(const process::Command& command) {
  return answer(command).exit_code;
}

Argvs FakeRunner::argvs() const {
  Argvs result;
  for (const auto& command : m_commands) {
    result.push_back(command.argv);
  }
  return result;
}

} // namespace colima::test
