#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace colima::util {

// An exclusive advisory lock (flock) on a file, held until the object is destroyed or the
// process ends, whichever comes first: a killed holder never leaves a stale lock behind.
class FileLock {
public:
  // Takes the lock on path (created with mode 0600, its directory with 0700, when missing)
  // without waiting and records owner in the file; nullopt when another holder has it. Throws
  // colima::Error when the file cannot be opened.
  static std::optional<FileLock> try_lock(const std::filesystem::path& path,
                                          const std::string& owner);
  // What the current holder recorded ("" when nothing was).
  static std::string owner_of(const std::filesystem::path& path);

  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

private:
  explicit FileLock(int fd) : m_fd(fd) {}
  int m_fd = -1;
};

} // namespace colima::util
