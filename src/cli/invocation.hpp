#pragma once

#include "colima/app/app.hpp"
#include "colima/config/profile.hpp"
#include "colima/process/runner.hpp"
#include "colima/util/environment.hpp"
#include "colima/util/progress.hpp"

#include <CLI/CLI.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace colima::cli {

// The state of one run of colima: global flags, the action of each command, and the App,
// made only when a command needs it.
class Invocation {
public:
  Invocation(util::Environment environment, process::Runner& runner, util::Progress& progress);

  // --profile / -p as given, empty when not.
  std::string profile_flag;
  bool verbose = false;
  bool very_verbose = false;
  // The words after the first `--` on the command line.
  std::vector<std::string> passthrough;

  // Registers what a command does once the command line parsed.
  void on_run(const CLI::App* command, std::function<void()> action);
  // The action of the command that was parsed, if it has one.
  std::function<void()>* action_for(const CLI::App* command);

  // The profile: --profile, else the positional [profile] when the command takes one, else
  // $COLIMA_PROFILE, else $COLIMA_DEFAULT_PROFILE, else the default profile.
  config::Profile profile(const std::string& positional = "") const;
  // The command a `colima ssh` or `colima nerdctl` runs in the VM: its positional words, then
  // the words after `--`.
  std::vector<std::string> command_words(const std::vector<std::string>& positional) const;

  // The application, created on first use.
  app::App& app();
  const util::Environment& environment() const { return m_environment; }
  process::Runner& runner() { return m_runner; }
  util::Progress& progress() { return m_progress; }

private:
  util::Environment m_environment;
  process::Runner& m_runner;
  util::Progress& m_progress;
  std::map<const CLI::App*, std::function<void()>> m_actions;
  std::unique_ptr<app::App> m_app;
};

// Adds `start` and its flags.
void add_start_command(CLI::App& root, Invocation& invocation);
// Adds stop, restart, delete, status, list, ssh, ssh-config, update and version.
void add_lifecycle_commands(CLI::App& root, Invocation& invocation);
// Adds prune, template, nerdctl, kubernetes, clone and completion.
void add_other_commands(CLI::App& root, Invocation& invocation);

// The completion script of the command tree for bash, zsh, fish or powershell.
std::string completion_script(const CLI::App& root, const std::string& shell);

// Asks a yes/no question on the terminal (stderr, answer on stdin); without a terminal it throws
// UsageError telling the user to pass --force.
bool confirm(const std::string& question);

// Makes colima exit with a program's own exit status (ExitStatus) when it is not 0.
void exit_like(int status);

} // namespace colima::cli
