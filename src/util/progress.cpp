#include "colima/util/progress.hpp"

#include <fmt/format.h>

namespace colima::util {

Progress::Progress(std::FILE* stream)
    : m_stream(stream), m_started(std::chrono::steady_clock::now()) {}

std::string Progress::elapsed() const {
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_started);
  return fmt::format("{:.1f}s", seconds.count());
}

void Progress::stage(std::string_view text) {
  fmt::print(m_stream, "colima: {} [{}]\n", text, elapsed());
  std::fflush(m_stream);
}

void Progress::warn(std::string_view text) {
  fmt::print(m_stream, "colima: warning: {}\n", text);
  std::fflush(m_stream);
}

void Progress::info(std::string_view text) {
  fmt::print(m_stream, "colima: {}\n", text);
  std::fflush(m_stream);
}

} // namespace colima::util
