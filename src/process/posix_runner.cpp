#include "colima/process/posix_runner.hpp"

#include "environment_block.hpp"

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

namespace colima::process {

namespace {

using Clock = std::chrono::steady_clock;

// A pipe whose ends are closed when it goes out of scope.
struct Pipe {
  int read = -1;
  int write = -1;
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      throw Error(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
    }
    read = fds[0];
    write = fds[1];
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  ~Pipe() {
    close_read();
    close_write();
  }
  void close_read() {
    if (read >= 0) {
      ::close(read);
      read = -1;
    }
  }
  void close_write() {
    if (write >= 0) {
      ::close(write);
      write = -1;
    }
  }
};

// Splits a stream into lines for Command::on_line.
class LineSplitter {
public:
  LineSplitter(const Command& command, Stream stream) : m_command(command), m_stream(stream) {}
  void feed(std::string_view data) {
    if (!m_command.on_line) {
      return;
    }
    m_partial.append(data);
    std::size_t start = 0;
    std::size_t newline;
    while ((newline = m_partial.find('\n', start)) != std::string::npos) {
      m_command.on_line(m_stream, std::string_view(m_partial).substr(start, newline - start));
      start = newline + 1;
    }
    m_partial.erase(0, start);
  }
  void finish() {
    if (m_command.on_line && !m_partial.empty()) {
      m_command.on_line(m_stream, m_partial);
      m_partial.clear();
    }
  }

private:
  const Command& m_command;
  Stream m_stream;
  std::string m_partial;
};

int status_of(int wait_status) {
  if (WIFEXITED(wait_status)) {
    return WEXITSTATUS(wait_status);
  }
  if (WIFSIGNALED(wait_status)) {
    return 128 + WTERMSIG(wait_status);
  }
  return 1;
}

// Spawn attributes that give the child default signal handling and an empty signal mask,
// whatever colima itself ignores or blocks.
class SpawnAttributes {
public:
  SpawnAttributes() {
    posix_spawnattr_init(&m_attributes);
    sigset_t defaults;
    sigemptyset(&defaults);
    for (int signal : {SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCHLD}) {
      sigaddset(&defaults, signal);
    }
    sigset_t empty;
    sigemptyset(&empty);
    posix_spawnattr_setsigdefault(&m_attributes, &defaults);
    posix_spawnattr_setsigmask(&m_attributes, &empty);
    posix_spawnattr_setflags(&m_attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;
  ~SpawnAttributes() { posix_spawnattr_destroy(&m_attributes); }
  const posix_spawnattr_t* get() const { return &m_attributes; }

private:
  posix_spawnattr_t m_attributes;
};

class FileActions {
public:
  FileActions() { posix_spawn_file_actions_init(&m_actions); }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
  ~FileActions() { posix_spawn_file_actions_destroy(&m_actions); }
  posix_spawn_file_actions_t* get() { return &m_actions; }

private:
  posix_spawn_file_actions_t m_actions;
};

// Starts the program; returns its pid, or the errno of a failed spawn.
std::pair<pid_t, int> spawn(const Command& command, posix_spawn_file_actions_t* actions) {
  if (command.argv.empty()) {
    return {-1, EINVAL};
  }
  EnvironmentBlock environment(command);
  std::vector<char*> argv;
  for (const auto& word : command.argv) {
    argv.push_back(const_cast<char*>(word.c_str()));
  }
  argv.push_back(nullptr);
  if (command.cwd) {
    posix_spawn_file_actions_addchdir_np(actions, command.cwd->c_str());
  }
  SpawnAttributes attributes;
  pid_t pid = -1;
  int error =
      ::posix_spawnp(&pid, argv[0], actions, attributes.get(), argv.data(), environment.envp());
  return {pid, error};
}

void ignore_sigpipe_once() {
  static std::once_flag once;
  std::call_once(once, [] { std::signal(SIGPIPE, SIG_IGN); });
}

Result spawn_failure(const Command& command, int error) {
  Result result;
  result.exit_code = 127;
  result.err = fmt::format("cannot run '{}': {}", command.argv.empty() ? "" : command.argv[0],
                           std::strerror(error));
  spdlog::debug("run: {}: {}", format_argv(command.argv), result.err);
  return result;
}

void set_nonblocking(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

} // namespace

Result PosixRunner::run(const Command& command) {
  ignore_sigpipe_once();
  spdlog::debug("run: {}", format_argv(command.argv));
  Pipe input, output, errors;
  FileActions actions;
  posix_spawn_file_actions_adddup2(actions.get(), input.read, STDIN_FILENO);
  posix_spawn_file_actions_adddup2(actions.get(), output.write, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(actions.get(), errors.write, STDERR_FILENO);
  auto [pid, error] = spawn(command, actions.get());
  input.close_read();
  output.close_write();
  errors.close_write();
  if (error != 0) {
    return spawn_failure(command, error);
  }

  Result result;
  LineSplitter out_lines(command, Stream::out);
  LineSplitter err_lines(command, Stream::err);
  std::size_t written = 0;
  if (command.stdin_data.empty()) {
    input.close_write();
  } else {
    set_nonblocking(input.write);
  }
  auto started = Clock::now();
  auto last_watch = started;
  std::optional<Clock::time_point> kill_at;
  bool exited = false;
  int wait_status = 0;
  auto stop = [&](Clock::time_point now) {
    ::kill(pid, SIGTERM);
    kill_at = now + std::chrono::seconds(2);
  };

  while (true) {
    std::array<pollfd, 3> fds{};
    nfds_t count = 0;
    if (output.read >= 0) {
      fds[count++] = pollfd{output.read, POLLIN, 0};
    }
    if (errors.read >= 0) {
      fds[count++] = pollfd{errors.read, POLLIN, 0};
    }
    if (input.write >= 0) {
      fds[count++] = pollfd{input.write, POLLOUT, 0};
    }
    if (count == 0 && exited) {
      break;
    }
    int wait_ms = exited ? 50 : (count == 0 ? 10 : 200);
    int ready = ::poll(fds.data(), count, wait_ms);
    if (ready < 0 && errno != EINTR) {
      break;
    }
    bool got_data = false;
    for (nfds_t i = 0; i < count && ready > 0; ++i) {
      if (fds[i].revents == 0) {
        continue;
      }
      int fd = fds[i].fd;
      if (fd == input.write) {
        ssize_t n =
            ::write(fd, command.stdin_data.data() + written, command.stdin_data.size() - written);
        if (n > 0) {
          written += static_cast<std::size_t>(n);
        }
        if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == command.stdin_data.size()) {
          input.close_write();
        }
        continue;
      }
      char buffer[65536];
      ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n > 0) {
        got_data = true;
        std::string_view chunk(buffer, static_cast<std::size_t>(n));
        if (fd == output.read) {
          result.out.append(chunk);
          out_lines.feed(chunk);
        } else {
          result.err.append(chunk);
          err_lines.feed(chunk);
        }
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        if (fd == output.read) {
          output.close_read();
        } else {
          errors.close_read();
        }
      }
    }
    if (!exited) {
      pid_t done = ::waitpid(pid, &wait_status, WNOHANG);
      if (done == pid) {
        exited = true;
        input.close_write();
      }
    } else if (!got_data) {
      // The program is gone; whatever still holds its pipes open (a daemon it started) is not
      // waited for.
      break;
    }
    auto now = Clock::now();
    if (!exited && kill_at && now >= *kill_at) {
      ::kill(pid, SIGKILL);
      kill_at.reset();
    }
    if (!exited && !kill_at && !result.timed_out && !result.aborted) {
      if (command.timeout && now - started >= *command.timeout) {
        result.timed_out = true;
        stop(now);
      } else if (command.watchdog && now - last_watch >= std::chrono::milliseconds(200)) {
        last_watch = now;
        if (auto reason = command.watchdog()) {
          result.aborted = std::move(reason);
          stop(now);
        }
      }
    }
  }
  if (!exited) {
    while (::waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
    }
  }
  out_lines.finish();
  err_lines.finish();
  result.exit_code = status_of(wait_status);
  spdlog::debug("run: {} -> {}", format_argv(command.argv), result.exit_code);
  if (!result.out.empty()) {
    spdlog::trace("stdout: {}", result.out);
  }
  if (!result.err.empty()) {
    spdlog::trace("stderr: {}", result.err);
  }
  return result;
}

namespace {
std::atomic<pid_t> g_interactive_child{0};

void forward_signal(int signal, siginfo_t* info, void*) {
  pid_t child = g_interactive_child.load();
  if (child <= 0) {
    return;
  }
  // A terminal's Ctrl-C already reached the child, which shares our process group; forward
  // only signals sent to colima by another process.
  if (signal == SIGINT && info != nullptr && info->si_code > 0) {
    return;
  }
  ::kill(child, signal);
}
} // namespace

int PosixRunner::run_interactive(const Command& command) {
  spdlog::debug("run interactive: {}", format_argv(command.argv));
  FileActions actions;
  struct sigaction forward {};
  forward.sa_sigaction = forward_signal;
  forward.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&forward.sa_mask);
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  std::array<int, 4> signals = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
  std::array<struct sigaction, 4> saved{};
  auto [pid, error] = spawn(command, actions.get());
  if (error != 0) {
    Result failure = spawn_failure(command, error);
    std::fputs((failure.err + "\n").c_str(), stderr);
    return 127;
  }
  g_interactive_child.store(pid);
  for (std::size_t i = 0; i < signals.size(); ++i) {
    ::sigaction(signals[i], signals[i] == SIGQUIT ? &ignore : &forward, &saved[i]);
  }
  int wait_status = 0;
  while (::waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
  }
  g_interactive_child.store(0);
  for (std::size_t i = 0; i < signals.size(); ++i) {
    ::sigaction(signals[i], &saved[i], nullptr);
  }
  int status = status_of(wait_status);
  spdlog::debug("run interactive: {} -> {}", format_argv(command.argv), status);
  return status;
}

} // namespace colima::process
