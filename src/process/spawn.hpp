#pragma once

// Starting and reaping programs with posix_spawn, shared by PosixRunner's captured and
// interactive runs. Internal to the process module.

#include "colima/process/command.hpp"

#include <spawn.h>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace colima::process {

// posix_spawn file actions (dup2s for the child's standard streams), destroyed with the object.
class FileActions {
public:
  FileActions();
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
  ~FileActions();

  // Makes the child's descriptor target a copy of source.
  void dup2(int source, int target);
  // The underlying actions, for posix_spawn.
  posix_spawn_file_actions_t* get() { return &m_actions; }

private:
  posix_spawn_file_actions_t m_actions;
};

// A started program, or why it could not be started.
struct Spawned {
  // The child's pid; -1 when it could not be started.
  pid_t pid = -1;
  // Why the program could not be started, as Result::err says it; empty when it runs.
  std::string failure;
};

// Starts command.argv (argv[0] looked up on PATH unless it has a '/') in command.cwd with
// colima's environment plus command.env minus command.unset_env. The child starts with the
// default disposition for every signal colima may catch or ignore and an empty signal mask.
Spawned spawn_program(const Command& command, FileActions& actions);

// The exit status a waitpid() status stands for: the program's own, or 128 + N for signal N.
int exit_status_of(int wait_status);

// Waits for pid to end, retrying when a signal interrupts the wait; returns exit_status_of it.
int wait_for_exit(pid_t pid);

// True when line (the first line of a 127 result's err) is what spawn_program says about a
// command that never started, as opposed to the program's own complaint.
bool is_spawn_failure(const Command& command, std::string_view line);

} // namespace colima::process
