#include "colima/util/file_lock.hpp"

#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <utility>

namespace colima::util {

std::optional<FileLock> FileLock::try_lock(const std::filesystem::path& path,
                                           const std::string& owner) {
  util::create_directories(path.parent_path());
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw Error("cannot open the lock file '" + path.string() + "': " + std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int error = errno;
    ::close(fd);
    if (error == EWOULDBLOCK) {
      return std::nullopt;
    }
    throw Error("cannot lock '" + path.string() + "': " + std::strerror(error));
  }
  FileLock lock(fd);
  if (::ftruncate(fd, 0) == 0) {
    std::string text = owner + "\n";
    [[maybe_unused]] ssize_t written = ::pwrite(fd, text.data(), text.size(), 0);
  }
  return lock;
}

std::string FileLock::owner_of(const std::filesystem::path& path) {
  try {
    return trim(read_file(path).value_or(""));
  } catch (const Error&) {
    return {};
  }
}

FileLock::FileLock(FileLock&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
    m_fd = std::exchange(other.m_fd, -1);
  }
  return *this;
}

FileLock::~FileLock() {
  if (m_fd >= 0) {
    ::close(m_fd);
  }
}

} // namespace colima::util
