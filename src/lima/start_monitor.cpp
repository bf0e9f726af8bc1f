#include "colima/lima/start_monitor.hpp"

#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"

#include <cerrno>
#include <csignal>
#include <sys/types.h>

namespace colima::lima {

namespace fs = std::filesystem;

namespace {

// Lines of QEMU or the kernel that mean the guest will never come up.
bool is_fatal(std::string_view line) {
  return line.find("KVM internal error") != std::string_view::npos ||
         line.find("Could not access KVM kernel module") != std::string_view::npos ||
         line.find("failed to set MSR") != std::string_view::npos ||
         line.find("Kernel panic") != std::string_view::npos ||
         line.find("you need to load the kernel first") != std::string_view::npos ||
         line.find("No bootable device") != std::string_view::npos;
}

bool is_error(std::string_view line) {
  return line.find("level=error") != std::string_view::npos ||
         line.find("level=fatal") != std::string_view::npos || is_fatal(line);
}

std::string last_matching(const std::string& text, bool (*match)(std::string_view)) {
  std::string found;
  for (const auto& line : util::split(text, '\n')) {
    if (match(line)) {
      found = log_message(line);
    }
  }
  return found;
}

} // namespace

std::string log_message(std::string_view line) {
  auto start = line.find("msg=\"");
  if (start == std::string_view::npos) {
    return util::trim(line);
  }
  start += 5;
  std::string message;
  for (std::size_t i = start; i < line.size(); ++i) {
    if (line[i] == '\\' && i + 1 < line.size()) {
      message += line[++i];
    } else if (line[i] == '"') {
      break;
    } else {
      message += line[i];
    }
  }
  return message;
}

StartMonitor::StartMonitor(fs::path instance_dir, std::function<void(const std::string&)> on_stage)
    : m_instance_dir(std::move(instance_dir)), m_on_stage(std::move(on_stage)) {}

void StartMonitor::stage(const std::string& name) {
  if (name != m_stage) {
    m_stage = name;
    m_on_stage(name);
  }
}

void StartMonitor::line(std::string_view text) {
  std::string message = log_message(text);
  if (is_error(text)) {
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
    if (auto text = util::read_file(m_instance_dir / "ha.pid")) {
      try {
        m_agent_pid = std::stoi(util::trim(*text));
      } catch (const std::exception&) {
        m_agent_pid = 0;
      }
    }
  } else if (::kill(m_agent_pid, 0) != 0 && errno == ESRCH) {
    return "Lima's host agent exited";
  }
  for (const char* log : {"ha.stderr.log", "serial.log", "serialp.log"}) {
    if (auto text = util::read_file(m_instance_dir / log)) {
      std::string fatal = last_matching(*text, is_fatal);
      if (!fatal.empty()) {
        return "the VM cannot run: " + fatal;
      }
    }
  }
  return std::nullopt;
}

std::string StartMonitor::root_cause() const {
  for (const char* log : {"ha.stderr.log", "serial.log"}) {
    if (auto text = util::read_file(m_instance_dir / log)) {
      std::string fatal = last_matching(*text, is_fatal);
      if (!fatal.empty()) {
        return fatal;
      }
    }
  }
  if (auto text = util::read_file(m_instance_dir / "ha.stderr.log")) {
    std::string error = last_matching(*text, is_error);
    if (!error.empty()) {
      return error;
    }
  }
  return m_last_error;
}

void StartMonitor::attach(process::Command& command) {
  command.on_line = [this](process::Stream, std::string_view text) { line(text); };
  command.watchdog = [this] { return check(); };
}

} // namespace colima::lima
