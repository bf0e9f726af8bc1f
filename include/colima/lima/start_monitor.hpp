#pragma once

#include "colima/process/command.hpp"

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace colima::lima {

// Watches a `limactl start`: turns Lima's log lines into concise stages (VM boot, sshd, guest
// setup, ready) and notices at once when Lima's host agent has died or QEMU reports a fatal
// error, instead of waiting out Lima's timeout. Also finds the root-cause line in Lima's logs
// when a start fails.
class StartMonitor {
public:
  // Stage names are reported through on_stage.
  StartMonitor(std::filesystem::path instance_dir,
               std::function<void(const std::string&)> on_stage);

  // Feeds one line of limactl's output.
  void line(std::string_view text);
  // Called periodically: a reason to stop waiting, or nullopt.
  std::optional<std::string> check();
  // The most telling error line of Lima's host agent and QEMU logs, or of limactl's output.
  std::string root_cause() const;

  // Installs line() and check() on a command.
  void attach(process::Command& command);

private:
  void stage(const std::string& name);

  std::filesystem::path m_instance_dir;
  std::function<void(const std::string&)> m_on_stage;
  std::string m_stage;
  std::string m_last_error;
  int m_agent_pid = 0;
};

// The message of a logrus text line (`time=... level=info msg="..."`), or the line itself.
std::string log_message(std::string_view line);

} // namespace colima::lima
