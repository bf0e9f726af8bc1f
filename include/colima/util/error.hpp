#pragma once

#include <stdexcept>
#include <string>

namespace colima {

// The one family of errors colima throws. Caught once, in cli::run, and printed as
// `colima: error: <what>`; the message is lowercase, quotes the offending value and ends with
// a hint where one helps.
class Error : public std::runtime_error {
public:
  explicit Error(const std::string& message, int exit_code = 1)
      : std::runtime_error(message), m_exit_code(exit_code) {}

  // The process exit status this error maps to (see docs/exit-codes.md).
  int exit_code() const { return m_exit_code; }

private:
  int m_exit_code;
};

// Bad command-line input or settings: exit status 2.
class UsageError : public Error {
public:
  explicit UsageError(const std::string& message) : Error(message, 2) {}
};

// Ends colima with a given exit status and no message (e.g. `colima ssh` passing on the
// remote command's status, `colima status` saying the VM is stopped).
class ExitStatus : public Error {
public:
  explicit ExitStatus(int status) : Error("", status) {}
};

} // namespace colima
