#include "colima/lima/disk_check.hpp"

#include "colima/lima/log_lines.hpp"

#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>

namespace colima::lima {

namespace fs = std::filesystem;

namespace {

bool has_qcow2_header(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  char magic[4] = {};
  in.read(magic, sizeof magic);
  return in.gcount() == 4 && magic[0] == 'Q' && magic[1] == 'F' && magic[2] == 'I' &&
         static_cast<unsigned char>(magic[3]) == 0xfb;
}

} // namespace

std::optional<std::string> disk_damage(process::Runner& runner, const fs::path& file,
                                       bool must_be_qcow2) {
  std::error_code error;
  if (!fs::is_regular_file(file, error)) {
    return std::nullopt;
  }
  if (!has_qcow2_header(file)) {
    if (must_be_qcow2) {
      return fmt::format("it is no longer a qcow2 image ({} bytes, no qcow2 header): truncated "
                         "or overwritten",
                         fs::file_size(file, error));
    }
    return std::nullopt;
  }
  process::Result result = runner.run(
      process::Command{.argv = {"qemu-img", "check", "-f", "qcow2", "--output=json", file.string()},
                       .timeout = std::chrono::minutes(5)});
  // qemu-img check: 0 clean, 3 only leaked clusters (harmless), 2 corruptions, 1 not checked.
  if (result.exit_code == 0 || result.exit_code == 3) {
    return std::nullopt;
  }
  if (result.exit_code == 2) {
    nlohmann::json json = nlohmann::json::parse(result.out, nullptr, false);
    long corruptions = json.is_object() ? json.value("corruptions", 0L) : 0L;
    return fmt::format("'qemu-img check' found {} corruption{} (is the file truncated?)",
                       corruptions, corruptions == 1 ? "" : "s");
  }
  if (result.exit_code == 127) {
    return std::nullopt; // no qemu-img to check with: QEMU will report what it finds
  }
  std::string line = failure_line(result.err);
  if (line.find("lock") != std::string::npos) {
    return std::nullopt; // another process (a QEMU Lima lost track of) has it open: not damage
  }
  return line.empty() ? fmt::format("'qemu-img check' exited with status {}", result.exit_code)
                      : line;
}

} // namespace colima::lima
