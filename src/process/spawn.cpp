#include "spawn.hpp"

#include "environment_block.hpp"

#include <cerrno>
#include <csignal>
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <system_error>
#include <unistd.h>
#include <vector>

namespace colima::process {

namespace {

// What errno says, lowercased to fit colima's messages.
std::string describe_errno(int error) {
  std::string text = std::generic_category().message(error);
  if (!text.empty() && text.front() >= 'A' && text.front() <= 'Z') {
    text.front() = static_cast<char>(text.front() - 'A' + 'a');
  }
  return text;
}

// Spawn attributes that give the child default handling of every signal colima may catch or
// ignore (run_interactive catches some, and SIGPIPE may be ignored) and an empty signal mask.
class SpawnAttributes {
public:
  SpawnAttributes() {
    posix_spawnattr_init(&m_attributes);
    sigset_t defaults;
    sigemptyset(&defaults);
    for (int signal : {SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCHLD, SIGTSTP, SIGTTIN,
                       SIGTTOU, SIGUSR1, SIGUSR2, SIGALRM}) {
      sigaddset(&defaults, signal);
    }
    sigset_t empty;
    sigemptyset(&empty);
    posix_spawnattr_setsigdefault(&m_attributes, &defaults);
    posix_spawnattr_setsigmask(&m_attributes, &empty);
    posix_spawnattr_setflags(&m_attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;
  ~SpawnAttributes() { posix_spawnattr_destroy(&m_attributes); }

  const posix_spawnattr_t* get() const { return &m_attributes; }

private:
  posix_spawnattr_t m_attributes;
};

// Why the working directory cannot be entered, or 0 when it can be tried.
int check_directory(const std::filesystem::path& directory) {
  struct stat info {};
  if (::stat(directory.c_str(), &info) != 0) {
    return errno;
  }
  if (!S_ISDIR(info.st_mode)) {
    return ENOTDIR;
  }
  return 0;
}

std::string cwd_failure(const Command& command, int error) {
  return fmt::format("cannot run '{}' in '{}': {}", command.argv.front(), command.cwd->string(),
                     describe_errno(error));
}

std::string program_failure(const Command& command, int error) {
  const std::string& program = command.argv.front();
  bool is_path = program.find('/') != std::string::npos;
  if (error == ENOENT && (!is_path || ::access(program.c_str(), F_OK) != 0)) {
    return fmt::format("'{}' not found", program);
  }
  return fmt::format("cannot run '{}': {}", program, describe_errno(error));
}

} // namespace

FileActions::FileActions() {
  posix_spawn_file_actions_init(&m_actions);
}

FileActions::~FileActions() {
  posix_spawn_file_actions_destroy(&m_actions);
}

void FileActions::dup2(int source, int target) {
  posix_spawn_file_actions_adddup2(&m_actions, source, target);
}

Spawned spawn_program(const Command& command, FileActions& actions) {
  if (command.argv.empty()) {
    return Spawned{-1, "cannot run an empty command"};
  }
  if (command.cwd) {
    if (int error = check_directory(*command.cwd); error != 0) {
      return Spawned{-1, cwd_failure(command, error)};
    }
    posix_spawn_file_actions_addchdir_np(actions.get(), command.cwd->c_str());
  }
  EnvironmentBlock environment(command);
  std::vector<char*> argv;
  for (const auto& word : command.argv) {
    // posix_spawn's signature predates const; it does not modify the strings.
    argv.push_back(const_cast<char*>(word.c_str()));
  }
  argv.push_back(nullptr);
  SpawnAttributes attributes;
  pid_t pid = -1;
  int error = ::posix_spawnp(&pid, argv.front(), actions.get(), attributes.get(), argv.data(),
                             environment.envp());
  if (error == 0) {
    return Spawned{pid, ""};
  }
  if (command.cwd && ::access(command.cwd->c_str(), X_OK) != 0) {
    return Spawned{-1, cwd_failure(command, errno)};
  }
  return Spawned{-1, program_failure(command, error)};
}

int exit_status_of(int wait_status) {
  if (WIFEXITED(wait_status)) {
    return WEXITSTATUS(wait_status);
  }
  if (WIFSIGNALED(wait_status)) {
    return 128 + WTERMSIG(wait_status);
  }
  return 1;
}

int wait_for_exit(pid_t pid) {
  int wait_status = 0;
  while (::waitpid(pid, &wait_status, 0) < 0) {
    if (errno != EINTR) {
      return 1;
    }
  }
  return exit_status_of(wait_status);
}

bool is_spawn_failure(const Command& command, std::string_view line) {
  if (command.argv.empty()) {
    return line == "cannot run an empty command";
  }
  const std::string& program = command.argv.front();
  return line == fmt::format("'{}' not found", program) ||
         line.starts_with(fmt::format("cannot run '{}'", program));
}

} // namespace colima::process
