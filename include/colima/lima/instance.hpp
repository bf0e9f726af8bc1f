#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace colima::lima {

// One instance as `limactl list --json` reports it: the truth about a VM.
struct Instance {
  std::string name;
  // Running, Stopped, Broken, or another state Lima names.
  std::string status;
  std::string arch;
  int cpus = 0;
  std::int64_t memory = 0;
  std::int64_t disk = 0;
  std::string dir;
  int ssh_local_port = 0;
  int host_agent_pid = 0;
  int driver_pid = 0;
  std::vector<std::string> errors;

  bool running() const { return status == "Running"; }
};

// Parses `limactl list --json` output: one JSON object per line, blank lines ignored. Throws
// colima::Error naming the line for output that is not JSON objects; unknown fields are
// ignored and missing ones keep their defaults.
std::vector<Instance> parse_instances(std::string_view output);

} // namespace colima::lima
