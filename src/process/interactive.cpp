// PosixRunner::run_interactive: the program shares colima's terminal, and colima stays alive
// while it runs, passing on the signals meant for the pair of them.
#include "colima/process/posix_runner.hpp"

#include "spawn.hpp"

#include <array>
#include <atomic>
#include <csignal>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace colima::process {

namespace {

// The signals colima handles while an interactive program runs. SIGQUIT is ignored; the others
// are passed on to the program.
constexpr std::array<int, 4> k_signals = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

// The running interactive program, for the signal handler (which can reach nothing but globals);
// 0 when there is none. Interactive runs do not nest and run on one thread at a time.
std::atomic<pid_t> g_child{0};
// A signal that arrived before the program was started, passed on once it is.
std::atomic<int> g_pending_signal{0};
static_assert(std::atomic<pid_t>::is_always_lock_free && std::atomic<int>::is_always_lock_free,
              "the signal handler needs lock-free atomics");

// Passes a signal on to the program. A signal the kernel sent because of the terminal (Ctrl-C,
// a hangup) already reached the program, which is in colima's foreground process group, so it
// is not sent twice.
void forward_signal(int signal, siginfo_t* info, void* /*context*/) {
  pid_t child = g_child.load();
  if (child <= 0) {
    g_pending_signal.store(signal);
    return;
  }
  bool from_terminal = info != nullptr && info->si_code == SI_KERNEL;
  if (!from_terminal) {
    ::kill(child, signal);
  }
}

// Installs the forwarding handlers for the lifetime of the object, restoring the previous
// dispositions afterwards. A signal that reached no program (it came before the program
// started, and the start failed, or after it ended) is then raised again, for colima.
class SignalForwarding {
public:
  SignalForwarding() {
    g_pending_signal.store(0);
    struct sigaction forward {};
    forward.sa_sigaction = forward_signal;
    forward.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&forward.sa_mask);
    for (int signal : k_signals) {
      sigaddset(&forward.sa_mask, signal);
    }
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    for (std::size_t i = 0; i < k_signals.size(); ++i) {
      ::sigaction(k_signals[i], k_signals[i] == SIGQUIT ? &ignore : &forward, &m_saved[i]);
    }
  }
  SignalForwarding(const SignalForwarding&) = delete;
  SignalForwarding& operator=(const SignalForwarding&) = delete;
  ~SignalForwarding() {
    g_child.store(0);
    for (std::size_t i = 0; i < k_signals.size(); ++i) {
      ::sigaction(k_signals[i], &m_saved[i], nullptr);
    }
    if (int signal = g_pending_signal.exchange(0); signal != 0) {
      ::raise(signal);
    }
  }

  // From now on signals go to pid, starting with one that arrived before it was started.
  void forward_to(pid_t pid) {
    g_child.store(pid);
    if (int signal = g_pending_signal.exchange(0); signal != 0) {
      ::kill(pid, signal);
    }
  }

private:
  std::array<struct sigaction, k_signals.size()> m_saved{};
};

} // namespace

int PosixRunner::run_interactive(const Command& command) {
  spdlog::debug("run: {}", format_argv(command.argv));
  // Installed before the program starts, so that no signal kills colima and leaves the program
  // running on its own; the program itself starts with default dispositions.
  SignalForwarding forwarding;
  FileActions actions;
  Spawned spawned = spawn_program(command, actions);
  if (spawned.pid < 0) {
    spdlog::warn("{}", spawned.failure);
    return 127;
  }
  forwarding.forward_to(spawned.pid);
  int status = wait_for_exit(spawned.pid);
  spdlog::debug("run: {} exited with status {}", format_argv(command.argv), status);
  return status;
}

} // namespace colima::process
