#pragma once

#include "colima/process/command.hpp"

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace colima::lima {

// Watches a `limactl start`: turns Lima's log lines into concise stages (VM boot, sshd, guest
// setup, ready) and notices at once when Lima's host agent has died, QEMU reports a fatal error
// or the guest's kernel reports a stalled vCPU timer, instead of waiting out Lima's timeout.
// Also finds the root-cause line in Lima's logs when a start fails. Reads only what the logs
// gain after it was made (or restarted): what an earlier boot left in them is not this one's.
class StartMonitor {
public:
  // Stage names are reported through on_stage.
  StartMonitor(std::filesystem::path instance_dir,
               std::function<void(const std::string&)> on_stage);

  // Before another `limactl start` of the same instance: forgets the pids, the stage and what
  // was found, and reads the logs on from their present ends.
  void restart();
  // Whether check() stopped the start because the guest's kernel stalled (is_stall_message):
  // a boot worth trying once more.
  bool guest_stalled() const { return m_guest_stalled; }

  // Feeds one line of limactl's output.
  void line(std::string_view text);
  // Called periodically: a reason to stop waiting, or nullopt.
  std::optional<std::string> check();
  // The most telling error line of Lima's host agent and QEMU logs (see agent_root_cause), or
  // of limactl's output; QEMU's exit when it died without a word.
  std::string root_cause() const;
  // The stage the start had reached, e.g. "waiting for sshd"; empty before the first.
  const std::string& current_stage() const { return m_stage; }

  // Installs line() and check() on a command.
  void attach(process::Command& command);

private:
  void stage(const std::string& name);
  // The complete lines a log gained since the last call (a partial last line waits for its
  // end); a log that shrank (truncated, as QEMU opens its console logs) or was replaced by
  // another file is read again from its start.
  std::vector<std::string> new_lines(const std::string& log);
  // Sets every watched log's read position at its present end.
  void skip_present_content();

  // How far each log has been read, and its unfinished last line.
  struct Tail {
    std::uintmax_t offset = 0;
    std::string partial;
    std::uintmax_t inode = 0;
  };
  std::map<std::string, Tail> m_tails;

  std::filesystem::path m_instance_dir;
  std::function<void(const std::string&)> m_on_stage;
  std::string m_stage;
  std::string m_last_error;
  int m_agent_pid = 0;
  int m_qemu_pid = 0;
  bool m_qemu_exited = false;
  bool m_guest_stalled = false;
};

} // namespace colima::lima
