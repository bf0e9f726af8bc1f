#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace colima::process {

// Which of a program's output streams a line came from.
enum class Stream { out, err };

// A program to run: an argv vector (never a shell string) and how to run it.
struct Command {
  // argv[0] is looked up on PATH unless it contains a '/'.
  std::vector<std::string> argv;
  // Added to (or replacing entries of) the inherited environment.
  std::map<std::string, std::string> env;
  // Names removed from the inherited environment.
  std::vector<std::string> unset_env;
  // Working directory; the caller's when empty.
  std::optional<std::filesystem::path> cwd;
  // Written to the program's stdin, which is then closed (for run(); ignored interactively).
  std::string stdin_data;
  // The program is stopped (SIGTERM, then SIGKILL after 2 s) when it runs longer.
  std::optional<std::chrono::milliseconds> timeout;
  // Called with each complete line the program writes (without the newline) as it arrives.
  std::function<void(Stream, std::string_view)> on_line;
  // Called about every 200 ms while the program runs; a returned reason stops the program
  // (SIGTERM, then SIGKILL) and is reported in Result::aborted.
  std::function<std::optional<std::string>()> watchdog;
};

// What became of a run. Every outcome is one of:
// - the program exited: exit_code is its status (0 is success);
// - it was killed by signal N: exit_code is 128 + N;
// - it could not be found or executed: exit_code is 127 and err says why;
// - it ran past Command::timeout: timed_out is true and exit_code reflects the kill;
// - the watchdog stopped it: aborted holds the reason and exit_code reflects the kill.
struct Result {
  int exit_code = 0;
  std::string out;
  std::string err;
  bool timed_out = false;
  std::optional<std::string> aborted;

  bool ok() const { return exit_code == 0 && !timed_out && !aborted; }
};

// The argv joined for logs and messages, each word quoted when it needs to be.
std::string format_argv(const std::vector<std::string>& argv);

} // namespace colima::process
