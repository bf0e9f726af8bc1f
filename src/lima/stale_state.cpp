#include "colima/lima/stale_state.hpp"

#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace colima::lima {

namespace fs = std::filesystem;

namespace {

// The command line of a live process, its arguments joined by spaces; nullopt when there is
// no such process.
std::optional<std::string> command_line(int pid) {
  auto text = util::read_file(fs::path("/proc") / std::to_string(pid) / "cmdline");
  if (!text) {
    return std::nullopt;
  }
  std::replace(text->begin(), text->end(), '\0', ' ');
  return util::trim(*text);
}

bool is_host_agent(const std::string& command, const std::string& instance) {
  auto words = util::split(command, ' ');
  return std::find(words.begin(), words.end(), "hostagent") != words.end() &&
         std::find(words.begin(), words.end(), instance) != words.end();
}

bool is_qemu(const std::string& command) {
  std::string program = util::split(command, ' ').front();
  return fs::path(program).filename().string().starts_with("qemu-system");
}

} // namespace

Claims check_claims(const fs::path& instance_dir, const std::string& instance) {
  Claims claims;
  std::vector<StaleClaim>& stale = claims.stale;
  for (const char* file : {"ha.pid", "qemu.pid"}) {
    auto text = util::read_file(instance_dir / file);
    if (!text) {
      continue;
    }
    int pid = 0;
    try {
      pid = std::stoi(util::trim(*text));
    } catch (const std::exception&) {
      stale.push_back({file, 0, "not a pid"});
      continue;
    }
    if (pid <= 0) {
      stale.push_back({file, pid, "not a pid"});
      continue;
    }
    auto command = command_line(pid);
    if (!command) {
      stale.push_back({file, pid, "no such process"});
      continue;
    }
    bool genuine =
        std::string(file) == "ha.pid" ? is_host_agent(*command, instance) : is_qemu(*command);
    if (genuine) {
      ++claims.genuine;
    } else {
      std::string shown = command->size() > 60 ? command->substr(0, 57) + "..." : *command;
      stale.push_back({file, pid, fmt::format("pid {} is now '{}'", pid, shown)});
    }
  }
  return claims;
}

std::string status_of(const Claims& claims) {
  switch (claims.genuine) {
  case 2:
    return "Running";
  case 0:
    return "Stopped";
  default:
    return "Broken";
  }
}

std::string status_without(const std::string& lima_status, const Claims& claims) {
  if (claims.stale.empty() || (lima_status != "Running" && lima_status != "Broken")) {
    return lima_status;
  }
  return status_of(claims);
}

std::vector<std::string> remove_stale(const fs::path& instance_dir,
                                      const std::vector<StaleClaim>& stale) {
  std::vector<std::string> removed;
  std::error_code error;
  bool agent_gone = false;
  for (const auto& claim : stale) {
    if (fs::remove(instance_dir / claim.file, error)) {
      removed.push_back(fmt::format("{} ({})", claim.file, claim.reason));
    }
    agent_gone = agent_gone || claim.file == "ha.pid";
  }
  if (agent_gone) {
    for (const char* socket :
         {"ha.sock", "ssh.sock", "qmp.sock", "serial.sock", "serialp.sock", "serialv.sock"}) {
      if (fs::remove(instance_dir / socket, error)) {
        removed.push_back(socket);
      }
    }
  }
  return removed;
}

} // namespace colima::lima
