#pragma once

#include <filesystem>
#include <string>

namespace colima::test {

// A live sleeping process, killed and reaped when the object goes. With a name, its command
// line reads `<name> 600` (bash's `exec -a`), e.g. "limactl hostagent colima-x" or
// "qemu-system-x86_64"; without, `sleep 600`. The constructor returns once /proc shows that
// command line (or after 5 s).
class LiveProcess {
public:
  explicit LiveProcess(const std::string& name = {});
  LiveProcess(const LiveProcess&) = delete;
  LiveProcess& operator=(const LiveProcess&) = delete;
  ~LiveProcess();

  // -1 when the process could not be started.
  int pid() const { return m_pid; }

private:
  int m_pid = -1;
};

// The pid of a process that has exited and been reaped.
int dead_pid();

// Writes `pid` and a newline to file, as Lima writes its pid files.
void write_pid_file(const std::filesystem::path& file, int pid);

} // namespace colima::test
