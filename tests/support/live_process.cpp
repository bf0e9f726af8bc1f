#include "live_process.hpp"

#include "colima/util/fs.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace colima::test {

LiveProcess::LiveProcess(const std::string& name) {
  std::string script = "exec -a \"$0\" sleep 600";
  std::vector<std::string> argv = name.empty()
                                      ? std::vector<std::string>{"sleep", "600"}
                                      : std::vector<std::string>{"bash", "-c", script, name};
  std::vector<char*> args;
  for (auto& arg : argv) {
    args.push_back(arg.data());
  }
  args.push_back(nullptr);
  pid_t pid = -1;
  if (::posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ) != 0) {
    return;
  }
  m_pid = pid;
  // Until exec has replaced bash, /proc shows bash's command line.
  std::string expected = name.empty() ? "sleep" : name;
  for (int i = 0; i < 500; ++i) {
    if (util::read_file("/proc/" + std::to_string(m_pid) + "/cmdline")
            .value_or("")
            .starts_with(expected)) {
      break;
    }
    ::usleep(10000);
  }
}

LiveProcess::~LiveProcess() {
  if (m_pid > 0) {
    ::kill(m_pid, SIGKILL);
    int status = 0;
    ::waitpid(m_pid, &status, 0);
  }
}

int dead_pid() {
  LiveProcess gone;
  return gone.pid();
}

void write_pid_file(const std::filesystem::path& file, int pid) {
  util::atomic_write(file, std::to_string(pid) + "\n");
}

} // namespace colima::test
