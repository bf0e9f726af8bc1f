#pragma once

#include "colima/process/command.hpp"

#include <string>
#include <string_view>

namespace colima::process {

// Cuts one output stream into lines for Command::on_line: each complete line as it arrives,
// without its newline, and a last line without a newline when the stream ends.
class LineSplitter {
public:
  // Lines of stream go to on_line; nothing is kept when on_line is empty.
  LineSplitter(const std::function<void(Stream, std::string_view)>& on_line, Stream stream);

  // Takes the next chunk of the stream and reports the lines it completes.
  void feed(std::string_view chunk);
  // Reports the unterminated last line, if any, at the end of the stream.
  void finish();

private:
  const std::function<void(Stream, std::string_view)>& m_on_line;
  Stream m_stream;
  std::string m_partial;
};

} // namespace colima::process
