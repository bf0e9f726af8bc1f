#pragma once

#include <string>
#include <string_view>

namespace colima::lima {

// One line of Lima's logs: limactl writes logrus text (`time=... level=info msg="..."`), the
// host agent's ha.stderr.log holds JSON (`{"level":"info","msg":"..."}`). Other lines (QEMU's,
// a Go panic) have no level and are their own message.
struct LogLine {
  std::string level;
  std::string message;
};

LogLine parse_log_line(std::string_view line);

// The message of a log line (see parse_log_line).
std::string log_message(std::string_view line);

// Lines of QEMU, the guest's kernel or Lima that mean the VM will never come up.
bool is_fatal_message(std::string_view message);
// The guest kernel's report that a vCPU's timer never fired (RCU's "kthread timer wakeup didn't
// happen"): under software emulation a boot that prints it has been seen to hang for good.
bool is_stall_message(std::string_view message);

// Why limactl failed, from its stderr: the last error or fatal message other than Lima's
// generic "exiting, status=..." summary; else the first line with text on it.
std::string failure_line(std::string_view stderr_text);

// The root cause of a failed start in the host agent's log (ha.stderr.log), most telling
// first: a fatal QEMU/kernel line, what QEMU wrote on stderr, why Lima's driver stopped, a
// crash of the host agent, its last error. Empty when the log says nothing of use.
std::string agent_root_cause(std::string_view agent_log);

} // namespace colima::lima
