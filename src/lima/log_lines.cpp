#include "colima/lima/log_lines.hpp"

#include "colima/util/strings.hpp"

#include <nlohmann/json.hpp>

namespace colima::lima {

namespace {

// The value of key="..." (or key=word) in a logrus text line, unescaped.
std::string text_field(std::string_view line, std::string_view key) {
  std::string marker = std::string(key) + "=";
  std::size_t at = 0;
  while ((at = line.find(marker, at)) != std::string_view::npos) {
    if (at == 0 || line[at - 1] == ' ') {
      break;
    }
    at += marker.size();
  }
  if (at == std::string_view::npos) {
    return {};
  }
  std::size_t i = at + marker.size();
  std::string value;
  if (i < line.size() && line[i] == '"') {
    for (++i; i < line.size() && line[i] != '"'; ++i) {
      if (line[i] == '\\' && i + 1 < line.size()) {
        ++i;
      }
      value += line[i];
    }
    return value;
  }
  for (; i < line.size() && line[i] != ' '; ++i) {
    value += line[i];
  }
  return value;
}

bool is_error_level(const std::string& level) {
  return level == "error" || level == "fatal" || level == "panic";
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

} // namespace

LogLine parse_log_line(std::string_view line) {
  std::string trimmed = util::trim(line);
  if (trimmed.starts_with('{')) {
    nlohmann::json json = nlohmann::json::parse(trimmed, nullptr, false);
    if (json.is_object() && json.contains("msg") && json["msg"].is_string()) {
      std::string level = json.contains("level") && json["level"].is_string()
                              ? json["level"].get<std::string>()
                              : std::string();
      return {level, json["msg"].get<std::string>()};
    }
  }
  if (trimmed.starts_with("time=") || contains(trimmed, " level=")) {
    std::string message = text_field(trimmed, "msg");
    if (!message.empty()) {
      return {text_field(trimmed, "level"), message};
    }
  }
  return {"", trimmed};
}

std::string log_message(std::string_view line) {
  return parse_log_line(line).message;
}

bool is_fatal_message(std::string_view message) {
  return contains(message, "KVM internal error") ||
         contains(message, "Could not access KVM kernel module") ||
         contains(message, "failed to set MSR") || contains(message, "Kernel panic") ||
         contains(message, "you need to load the kernel first") ||
         contains(message, "No bootable device");
}

bool is_stall_message(std::string_view message) {
  return contains(message, "rcu") && contains(message, "kthread timer wakeup didn't happen");
}

std::string failure_line(std::string_view stderr_text) {
  std::string found;
  std::string first;
  for (const auto& raw : util::split(std::string(stderr_text), '\n')) {
    LogLine line = parse_log_line(raw);
    if (line.message.empty()) {
      continue;
    }
    if (first.empty()) {
      first = line.message;
    }
    if (is_error_level(line.level) && !line.message.starts_with("exiting, status=")) {
      found = line.message;
    }
  }
  return found.empty() ? first : found;
}

std::string agent_root_cause(std::string_view agent_log) {
  std::string fatal, qemu, driver, panic, error;
  for (const auto& raw : util::split(std::string(agent_log), '\n')) {
    LogLine line = parse_log_line(raw);
    std::string message = line.message;
    if (message.empty()) {
      continue;
    }
    bool from_qemu = false;
    if (std::size_t at = message.find("qemu[stderr]:"); at != std::string::npos) {
      message = util::trim(message.substr(at + 13));
      from_qemu = true;
    }
    if (is_fatal_message(message)) {
      fatal = message;
    } else if (from_qemu) {
      if (!message.empty()) {
        qemu = "QEMU: " + message;
      }
    } else if (contains(message, "Driver stopped due to error")) {
      driver = message;
    } else if (line.level.empty() && message.starts_with("panic: ") && panic.empty()) {
      panic = "Lima's host agent crashed (" + message + ")";
    } else if (is_error_level(line.level) && !message.starts_with("exiting, status=")) {
      error = message;
    }
  }
  for (const std::string* cause : {&fatal, &qemu, &driver, &panic, &error}) {
    if (!cause->empty()) {
      return *cause;
    }
  }
  return {};
}

} // namespace colima::lima
