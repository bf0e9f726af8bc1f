#include "colima/lima/start_monitor.hpp"

#include "colima/lima/log_lines.hpp"
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"

#include <fmt/format.h>

namespace colima::lima {

namespace fs = std::filesystem;

namespace {

bool is_error(const LogLine& line) {
  return line.level == "error" || line.level == "fatal" || is_fatal_message(line.message);
}

// A pid from a pid file, 0 when there is none.
int read_pid(const fs::path& file) {
  if (auto text = util::read_file(file)) {
    try {
      return std::stoi(util::trim(*text));
    } catch (const std::exception&) {
      return 0;
    }
  }
  return 0;
}

// Whether the process runs: a zombie (exited, not yet reaped) has an empty command line.
bool is_running(int pid) {
  auto cmdline = util::read_file(fs::path("/proc") / std::to_string(pid) / "cmdline");
  return cmdline && !cmdline->empty();
}

} // namespace

StartMonitor::StartMonitor(fs::path instance_dir, std::function<void(const std::string&)> on_stage)
    : m_instance_dir(std::move(instance_dir)), m_on_stage(std::move(on_stage)) {}

void StartMonitor::stage(const std::string& name) {
  if (name != m_stage) {
    m_stage = name;
    m_on_stage(name);
  }
}

void StartMonitor::line(std::string_view text) {
  LogLine parsed = parse_log_line(text);
  const std::string& message = parsed.message;
  if (is_error(parsed) && !message.starts_with("exiting, status=")) {
    m_last_error = message;
  }
  if (message.find("Starting QEMU") != std::string::npos ||
      message.find("Starting the instance") != std::string::npos) {
    stage("booting the VM");
  } else if (message.find("essential requirement 1 of") != std::string::npos &&
             message.find("Waiting") != std::string::npos) {
    stage("waiting for sshd");
  } else if (message.find("is satisfied") != std::string::npos &&
             message.find("requirement 1 of") != std::string::npos) {
    stage("guest setup (cloud-init, mounts, guest agent)");
  } else if (message.find("READY") != std::string::npos) {
    stage("VM ready");
  }
}

std::optional<std::string> StartMonitor::check() {
  if (m_agent_pid == 0) {
    m_agent_pid = read_pid(m_instance_dir / "ha.pid");
  } else if (!is_running(m_agent_pid)) {
    return "Lima's host agent exited";
  }
  if (m_qemu_pid == 0) {
    m_qemu_pid = read_pid(m_instance_dir / "qemu.pid");
  } else if (!is_running(m_qemu_pid)) {
    m_qemu_exited = true;
    return "QEMU exited before the VM was ready";
  }
  for (const char* log : {"ha.stderr.log", "serial.log", "serialp.log"}) {
    if (auto text = util::read_file(m_instance_dir / log)) {
      for (const auto& raw : util::split(*text, '\n')) {
        std::string message = log_message(raw);
        if (is_fatal_message(message)) {
          return "the VM cannot run: " + message;
        }
      }
    }
  }
  return std::nullopt;
}

std::string StartMonitor::root_cause() const {
  if (auto text = util::read_file(m_instance_dir / "serial.log")) {
    for (const auto& raw : util::split(*text, '\n')) {
      if (is_fatal_message(raw)) {
        return util::trim(raw);
      }
    }
  }
  std::string cause;
  if (auto text = util::read_file(m_instance_dir / "ha.stderr.log")) {
    cause = agent_root_cause(*text);
  }
  bool qemu_died = m_qemu_exited || (m_qemu_pid != 0 && !is_running(m_qemu_pid));
  if (qemu_died && (cause.empty() || cause.starts_with("Lima's host agent crashed"))) {
    // Killed from outside (the OOM killer, a user): QEMU said nothing, Lima may have crashed.
    return fmt::format("QEMU (pid {}) exited before the VM was ready", m_qemu_pid);
  }
  return cause.empty() ? m_last_error : cause;
}

void StartMonitor::attach(process::Command& command) {
  command.on_line = [this](process::Stream, std::string_view text) { line(text); };
  command.watchdog = [this] { return check(); };
}

} // namespace colima::lima
