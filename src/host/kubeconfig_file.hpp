#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <yaml-cpp/yaml.h>

// The kubeconfig file itself for host::Kubeconfig: following its links, reading and checking
// it, locking it the way kubectl does, and replacing it after a backup.
namespace colima::host::kubeconfig_file {

// The path in single quotes, control characters escaped, for messages.
std::string quoted(const std::filesystem::path& path);

// The kubeconfig read from disk: the file it really is, its bytes and its document.
struct Loaded {
  // The regular file behind the path, symlinks followed.
  std::filesystem::path target;
  // The file's bytes, or nullopt when it does not exist.
  std::optional<std::string> bytes;
  // The document, always a mapping (empty for a missing or empty file).
  YAML::Node document;
};

// Reads the kubeconfig behind file (symlinks followed): a missing file is an empty mapping.
// Throws UsageError for a directory, a non-regular file or a loop of links, colima::Error for
// a file that cannot be read, is not YAML, not a mapping, or has clusters, users or contexts
// that are not lists; each names the path and ends with a hint.
Loaded load(const std::filesystem::path& file);

// Replaces the file with the document unless that changes nothing; an existing file is first
// copied to <dir>/.<name>/<file>.bak (0600). The new file is written atomically with mode 0600.
void save(const Loaded& loaded, const std::string& name);

// kubectl's own lock while it writes a kubeconfig: `<file>.lock`, created exclusively; waits
// up to a second for another holder, then throws colima::Error. Held across read, merge and
// write, so that colima and kubectl (or two colima profiles) never write over each other.
class WriteLock {
public:
  explicit WriteLock(const std::filesystem::path& file);
  WriteLock(const WriteLock&) = delete;
  WriteLock& operator=(const WriteLock&) = delete;
  ~WriteLock();

private:
  std::filesystem::path m_path;
};

} // namespace colima::host::kubeconfig_file
