#include "colima/process/posix_runner.hpp"

#include "colima/process/interrupt.hpp"

#include "line_splitter.hpp"
#include "spawn.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <ctime>
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <system_error>
#include <unistd.h>

namespace colima::process {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// How often the watchdog is asked, and the longest poll() between checks of the child.
constexpr milliseconds k_watch_interval(200);
// How long a program has between SIGTERM and SIGKILL.
constexpr std::chrono::seconds k_kill_grace(2);
// After the program exits, its pipes are drained until they are silent this long (a daemon
// it started may hold them open for ever)...
constexpr milliseconds k_drain_silence(50);
// ...or at most this long.
constexpr milliseconds k_drain_limit(500);
// The sleep between checks of a program that closed its pipes but has not exited yet.
constexpr milliseconds k_reap_interval(10);

// A close-on-exec pipe whose ends are closed when it goes out of scope.
class Pipe {
public:
  Pipe() {
    std::array<int, 2> fds{};
    if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
      throw Error(fmt::format("cannot create a pipe: {}", std::system_category().message(errno)));
    }
    m_read = fds[0];
    m_write = fds[1];
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  ~Pipe() {
    close_read();
    close_write();
  }

  int read_end() const { return m_read; }
  int write_end() const { return m_write; }
  void close_read() { close(m_read); }
  void close_write() { close(m_write); }

private:
  static void close(int& fd) {
    if (fd >= 0) {
      ::close(fd);
      fd = -1;
    }
  }

  int m_read = -1;
  int m_write = -1;
};

// Blocks SIGPIPE in this thread while stdin is fed, so that a program which stops reading
// makes write() fail with EPIPE instead of killing colima; a SIGPIPE raised meanwhile is
// consumed before the mask is restored. Colima's own SIGPIPE disposition is left alone.
class SigpipeBlock {
public:
  SigpipeBlock() {
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    m_was_pending = sigismember(&pending, SIGPIPE) == 1;
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &block, &m_saved);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;
  ~SigpipeBlock() {
    if (!m_was_pending) {
      sigset_t sigpipe;
      sigemptyset(&sigpipe);
      sigaddset(&sigpipe, SIGPIPE);
      timespec now{0, 0};
      while (sigtimedwait(&sigpipe, nullptr, &now) == SIGPIPE) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &m_saved, nullptr);
  }

private:
  sigset_t m_saved{};
  bool m_was_pending = false;
};

// One captured run of a started program: feeds its stdin, drains stdout and stderr, enforces
// the timeout and the watchdog, and reaps it. Kills and reaps the program if a callback throws.
class Capture {
public:
  Capture(const Command& command, pid_t pid, Pipe& input, Pipe& output, Pipe& errors)
      : m_command(command), m_pid(pid), m_input(input), m_output(output), m_errors(errors),
        m_out_lines(command.on_line, Stream::out), m_err_lines(command.on_line, Stream::err),
        m_started(Clock::now()), m_next_watch(m_started + k_watch_interval) {
    if (command.stdin_data.empty()) {
      m_input.close_write();
    } else {
      ::fcntl(m_input.write_end(), F_SETFL, ::fcntl(m_input.write_end(), F_GETFL) | O_NONBLOCK);
    }
  }
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;
  ~Capture() {
    if (!m_exited) {
      ::kill(m_pid, SIGKILL);
      wait_for_exit(m_pid);
    }
  }

  // Runs the program to its end and returns what it did.
  Result finish() {
    while (!m_exited) {
      reap();
      if (m_exited) {
        break;
      }
      supervise(Clock::now());
      if (m_output.read_end() < 0 && m_errors.read_end() < 0 && m_input.write_end() < 0) {
        wait_without_pipes();
      } else {
        pump(wake_in(Clock::now()));
      }
    }
    m_input.close_write();
    drain();
    m_out_lines.finish();
    m_err_lines.finish();
    m_result.exit_code = exit_status_of(m_wait_status);
    return std::move(m_result);
  }

private:
  // Notes the program's exit, if it has exited.
  void reap() {
    if (::waitpid(m_pid, &m_wait_status, WNOHANG) == m_pid) {
      m_exited = true;
    }
  }

  // Waits for a program that closed all its pipes: blocks when nothing else can happen,
  // else sleeps briefly so that the timeout and watchdog keep being enforced.
  void wait_without_pipes() {
    if (!m_command.timeout && !m_command.watchdog && !m_kill_at && interrupted() == 0) {
      while (::waitpid(m_pid, &m_wait_status, 0) < 0 && errno == EINTR) {
        if (interrupted() != 0) {
          return;
        }
      }
      m_exited = true;
      return;
    }
    ::poll(nullptr, 0, static_cast<int>(std::min(wake_in(Clock::now()), k_reap_interval).count()));
  }

  // After the exit, reads what is left in the pipes until they end or go quiet.
  void drain() {
    auto limit = Clock::now() + k_drain_limit;
    while ((m_output.read_end() >= 0 || m_errors.read_end() >= 0) && Clock::now() < limit) {
      if (!pump(k_drain_silence)) {
        break;
      }
    }
  }

  // The time until the next deadline (timeout, watchdog, SIGKILL), at most k_watch_interval.
  milliseconds wake_in(Clock::time_point now) const {
    Clock::time_point wake = now + k_watch_interval;
    if (m_command.timeout && !m_stopping) {
      wake = std::min(wake, m_started + *m_command.timeout);
    }
    if (m_command.watchdog && !m_stopping) {
      wake = std::min(wake, m_next_watch);
    }
    if (m_kill_at) {
      wake = std::min(wake, *m_kill_at);
    }
    auto left = std::chrono::ceil<milliseconds>(wake - now);
    return std::max(left, milliseconds(0));
  }

  // Polls the open pipes for up to wait and serves those that are ready; returns false when
  // the wait ran out with nothing to do.
  bool pump(milliseconds wait) {
    std::array<pollfd, 3> fds{};
    nfds_t count = 0;
    for (int fd : {m_output.read_end(), m_errors.read_end()}) {
      if (fd >= 0) {
        fds[count++] = pollfd{fd, POLLIN, 0};
      }
    }
    if (m_input.write_end() >= 0) {
      fds[count++] = pollfd{m_input.write_end(), POLLOUT, 0};
    }
    int ready = ::poll(fds.data(), count, static_cast<int>(wait.count()));
    if (ready <= 0) {
      return ready < 0 && errno == EINTR;
    }
    for (nfds_t i = 0; i < count; ++i) {
      if (fds[i].revents == 0) {
        continue;
      }
      if (fds[i].fd == m_input.write_end()) {
        write_stdin();
      } else if (fds[i].fd == m_output.read_end()) {
        read_from(m_output, m_result.out, m_out_lines);
      } else {
        read_from(m_errors, m_result.err, m_err_lines);
      }
    }
    return true;
  }

  // Reads one chunk of a stream; closes it at its end.
  void read_from(Pipe& pipe, std::string& text, LineSplitter& lines) {
    std::array<char, 65536> buffer{};
    ssize_t n = ::read(pipe.read_end(), buffer.data(), buffer.size());
    if (n > 0) {
      std::string_view chunk(buffer.data(), static_cast<std::size_t>(n));
      text.append(chunk);
      lines.feed(chunk);
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
      pipe.close_read();
    }
  }

  // Writes the next piece of stdin_data; closes stdin when all is written or nobody reads.
  void write_stdin() {
    const std::string& data = m_command.stdin_data;
    ssize_t n = ::write(m_input.write_end(), data.data() + m_written, data.size() - m_written);
    if (n > 0) {
      m_written += static_cast<std::size_t>(n);
    }
    if ((n < 0 && errno != EAGAIN && errno != EINTR) || m_written == data.size()) {
      m_input.close_write();
    }
  }

  // Enforces the timeout and the watchdog, and escalates a stop to SIGKILL when it is due.
  void supervise(Clock::time_point now) {
    if (m_kill_at && now >= *m_kill_at) {
      ::kill(m_pid, SIGKILL);
      m_kill_at.reset();
    }
    if (m_stopping) {
      return;
    }
    if (interrupted() != 0) {
      m_result.aborted = "interrupted";
      stop(now);
    } else if (m_command.timeout && now - m_started >= *m_command.timeout) {
      m_result.timed_out = true;
      stop(now);
    } else if (m_command.watchdog && now >= m_next_watch) {
      m_next_watch = now + k_watch_interval;
      if (auto reason = m_command.watchdog()) {
        m_result.aborted = std::move(reason);
        stop(now);
      }
    }
  }

  // Asks the program to end, and schedules SIGKILL in case it does not.
  void stop(Clock::time_point now) {
    ::kill(m_pid, SIGTERM);
    m_stopping = true;
    m_kill_at = now + k_kill_grace;
  }

  const Command& m_command;
  pid_t m_pid;
  Pipe& m_input;
  Pipe& m_output;
  Pipe& m_errors;
  LineSplitter m_out_lines;
  LineSplitter m_err_lines;
  Result m_result;
  std::size_t m_written = 0;
  Clock::time_point m_started;
  Clock::time_point m_next_watch;
  std::optional<Clock::time_point> m_kill_at;
  bool m_stopping = false;
  bool m_exited = false;
  int m_wait_status = 0;
};

void log_result(const Command& command, const Result& result) {
  std::string how = result.timed_out ? " (timed out)"
                    : result.aborted ? fmt::format(" (stopped: {})", *result.aborted)
                                     : "";
  spdlog::debug("run: {} exited with status {}{}", format_argv(command.argv), result.exit_code,
                how);
  if (!result.out.empty()) {
    // A failed program's stdout may explain the failure; a good one's is often bulky JSON.
    spdlog::log(result.ok() ? spdlog::level::trace : spdlog::level::debug, "run: stdout of {}:\n{}",
                format_argv(command.argv), result.out);
  }
  if (!result.err.empty()) {
    spdlog::debug("run: stderr of {}:\n{}", format_argv(command.argv), result.err);
  }
}

} // namespace

namespace {
// "running 'limactl start'", for an interruption.
std::string what_runs(const Command& command) {
  std::vector<std::string> shown(
      command.argv.begin(),
      command.argv.begin() +
          static_cast<std::ptrdiff_t>(std::min<std::size_t>(command.argv.size(), 2)));
  return "running '" + format_argv(shown) + "'";
}
} // namespace

Result PosixRunner::run(const Command& command) {
  throw_if_interrupted(what_runs(command));
  spdlog::debug("run: {}", format_argv(command.argv));
  SigpipeBlock sigpipe;
  Pipe input;
  Pipe output;
  Pipe errors;
  FileActions actions;
  actions.dup2(input.read_end(), STDIN_FILENO);
  actions.dup2(output.write_end(), STDOUT_FILENO);
  actions.dup2(errors.write_end(), STDERR_FILENO);
  Spawned spawned = spawn_program(command, actions);
  input.close_read();
  output.close_write();
  errors.close_write();
  Result result;
  if (spawned.pid < 0) {
    result.exit_code = 127;
    result.err = spawned.failure;
  } else {
    Capture capture(command, spawned.pid, input, output, errors);
    result = capture.finish();
  }
  log_result(command, result);
  throw_if_interrupted(what_runs(command));
  return result;
}

} // namespace colima::process
