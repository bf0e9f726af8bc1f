#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace colima::lima {

// A pid file of a Lima instance whose process is not the one it claims to be: left behind by a
// host crash (the process is gone) or naming a pid that another program now has.
struct StaleClaim {
  // ha.pid (the host agent) or qemu.pid (the VM).
  std::string file;
  int pid = 0;
  // Why it is stale: "no such process", or "pid N is now 'sleep 600'".
  std::string reason;
};

// The pid files of an instance directory, checked.
struct Claims {
  std::vector<StaleClaim> stale;
  // Pid files naming the process they claim.
  int genuine = 0;
};

// Checks the pid files of the instance directory: ha.pid must name a live `limactl hostagent`
// of this instance, qemu.pid a live qemu-system process. Lima itself only asks whether some
// process has the pid, so a reused pid makes a dead VM look Running. Missing files are fine.
Claims check_claims(const std::filesystem::path& instance_dir, const std::string& instance);

// Lima's rule for a VM's status from its two pid files, counting only the genuine claims:
// both -> Running, neither -> Stopped, one -> Broken.
std::string status_of(const Claims& claims);

// What Lima's status becomes once the stale claims are disregarded (status_of); unchanged
// without stale claims or when Lima says neither Running nor Broken.
std::string status_without(const std::string& lima_status, const Claims& claims);

// Removes the stale pid files and, when the host agent's claim was stale, the sockets that only
// a live host agent and VM keep (ha.sock, ssh.sock, qmp.sock, serial*.sock). Returns what it
// removed, for the user.
std::vector<std::string> remove_stale(const std::filesystem::path& instance_dir,
                                      const std::vector<StaleClaim>& stale);

} // namespace colima::lima
