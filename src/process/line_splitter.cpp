#include "line_splitter.hpp"

namespace colima::process {

LineSplitter::LineSplitter(const std::function<void(Stream, std::string_view)>& on_line,
                           Stream stream)
    : m_on_line(on_line), m_stream(stream) {}

void LineSplitter::feed(std::string_view chunk) {
  if (!m_on_line) {
    return;
  }
  m_partial.append(chunk);
  std::string_view pending(m_partial);
  std::size_t start = 0;
  for (auto newline = pending.find('\n'); newline != std::string_view::npos;
       newline = pending.find('\n', start)) {
    m_on_line(m_stream, pending.substr(start, newline - start));
    start = newline + 1;
  }
  m_partial.erase(0, start);
}

void LineSplitter::finish() {
  if (m_on_line && !m_partial.empty()) {
    std::string last = std::move(m_partial);
    m_partial.clear();
    m_on_line(m_stream, last);
  }
}

} // namespace colima::process
