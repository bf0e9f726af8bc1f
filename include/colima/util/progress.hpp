#pragma once

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

namespace colima::util {

// What the user reads while a command works: stages and outcomes, on stderr, never stdout,
// so that stdout stays clean for JSON and tables. Separate from the debug log (spdlog).
class Progress {
public:
  explicit Progress(std::FILE* stream = stderr);
  virtual ~Progress() = default;

  // A step starts, e.g. "starting colima [profile=work]".
  virtual void stage(std::string_view text);
  // Something the user should know; the command goes on.
  virtual void warn(std::string_view text);
  // A plain line of information.
  virtual void info(std::string_view text);

protected:
  std::string elapsed() const;

private:
  std::FILE* m_stream;
  std::chrono::steady_clock::time_point m_started;
};

} // namespace colima::util
