#include "invocation.hpp"

#include "colima/config/paths.hpp"
#include "colima/util/error.hpp"

#include <cstdio>
#include <fmt/format.h>
#include <iostream>
#include <unistd.h>

namespace colima::cli {

Invocation::Invocation(util::Environment environment, process::Runner& runner,
                       util::Progress& progress)
    : m_environment(std::move(environment)), m_runner(runner), m_progress(progress) {}

void Invocation::on_run(const CLI::App* command, std::function<void()> action) {
  m_actions[command] = std::move(action);
}

std::function<void()>* Invocation::action_for(const CLI::App* command) {
  auto found = m_actions.find(command);
  return found == m_actions.end() ? nullptr : &found->second;
}

config::Profile Invocation::profile(const std::string& positional) const {
  if (!profile_flag.empty()) {
    return config::Profile::from_name(profile_flag);
  }
  if (!positional.empty()) {
    return config::Profile::from_name(positional);
  }
  if (auto name = m_environment.get_non_empty("COLIMA_PROFILE")) {
    return config::Profile::from_name(*name);
  }
  if (auto name = m_environment.get_non_empty("COLIMA_DEFAULT_PROFILE")) {
    return config::Profile::from_name(*name);
  }
  return config::Profile();
}

app::App& Invocation::app() {
  if (!m_app) {
    m_app = std::make_unique<app::App>(m_runner, m_environment,
                                       config::Paths::resolve(m_environment), m_progress);
  }
  return *m_app;
}

bool confirm(const std::string& question) {
  if (::isatty(STDIN_FILENO) == 0) {
    throw UsageError(question + ": no terminal to ask on, pass --force to proceed");
  }
  fmt::print(stderr, "{}? [y/N] ", question);
  std::fflush(stderr);
  std::string answer;
  std::getline(std::cin, answer);
  return !answer.empty() && (answer.front() == 'y' || answer.front() == 'Y');
}

std::vector<std::string>
Invocation::command_words(const std::vector<std::string>& positional) const {
  std::vector<std::string> words = positional;
  words.insert(words.end(), passthrough.begin(), passthrough.end());
  return words;
}

void exit_like(int status) {
  if (status != 0) {
    throw ExitStatus(status);
  }
}

} // namespace colima::cli
