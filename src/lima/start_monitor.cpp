#include "colima/lima/start_monitor.hpp"

#include "colima/lima/log_lines.hpp"
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fstream>
#include <sys/stat.h>

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

// The logs check() reads: Lima's host agent's, and the guest's consoles (serial, the virtio
// console, and the PL011 port of arm guests).
constexpr const char* k_watched_logs[] = {"ha.stderr.log", "serial.log", "serialp.log",
                                          "serialv.log"};

StartMonitor::StartMonitor(fs::path instance_dir, std::function<void(const std::string&)> on_stage)
    : m_instance_dir(std::move(instance_dir)), m_on_stage(std::move(on_stage)) {
  skip_present_content();
}

void StartMonitor::restart() {
  m_stage.clear();
  m_last_error.clear();
  m_agent_pid = 0;
  m_qemu_pid = 0;
  m_qemu_exited = false;
  m_guest_stalled = false;
  skip_present_content();
}

void StartMonitor::skip_present_content() {
  m_tails.clear();
  for (const char* log : k_watched_logs) {
    struct stat info {};
    bool present = ::stat((m_instance_dir / log).c_str(), &info) == 0;
    m_tails[log] =
        present ? Tail{static_cast<std::uintmax_t>(info.st_size), "", info.st_ino} : Tail{};
  }
}

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
    stage("guest setup (boot scripts, mounts, guest agent)");
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
  // Every 200 ms: only what the logs gained since the last look is read and parsed.
  for (const char* log : k_watched_logs) {
    std::vector<std::string> lines = new_lines(log);
    // A last line without its newline yet (QEMU may die right after writing it) counts too.
    lines.push_back(m_tails[log].partial);
    for (const auto& raw : lines) {
      std::string message = log_message(raw);
      if (is_fatal_message(message)) {
        return "the VM cannot run: " + message;
      }
      if (is_stall_message(message)) {
        m_guest_stalled = true;
        return "the guest's kernel stalled: " + util::trim(message);
      }
    }
  }
  return std::nullopt;
}

std::vector<std::string> StartMonitor::new_lines(const std::string& log) {
  std::vector<std::string> lines;
  Tail& tail = m_tails[log];
  std::ifstream in(m_instance_dir / log, std::ios::binary);
  struct stat info {};
  if (!in || ::stat((m_instance_dir / log).c_str(), &info) != 0) {
    return lines;
  }
  in.seekg(0, std::ios::end);
  auto size = static_cast<std::uintmax_t>(std::max<std::streamoff>(in.tellg(), 0));
  if (size < tail.offset || (tail.inode != 0 && tail.inode != info.st_ino)) {
    tail = Tail{};
  }
  tail.inode = info.st_ino;
  if (size == tail.offset) {
    return lines;
  }
  in.seekg(static_cast<std::streamoff>(tail.offset));
  std::string chunk(size - tail.offset, '\0');
  in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
  chunk.resize(static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0)));
  tail.offset += chunk.size();
  std::string text = tail.partial + chunk;
  std::size_t start = 0;
  for (std::size_t end = text.find('\n'); end != std::string::npos; end = text.find('\n', start)) {
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  tail.partial = text.substr(start);
  return lines;
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
