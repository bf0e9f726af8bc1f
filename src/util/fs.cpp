#include "colima/util/fs.hpp"

#include "colima/util/error.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace colima::util {

namespace fs = std::filesystem;

namespace {
std::string reason(int error_number) {
  return std::strerror(error_number);
}

// Closes the descriptor and removes the temporary file unless released.
class TemporaryFile {
public:
  TemporaryFile(int fd, std::string path) : m_fd(fd), m_path(std::move(path)) {}
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  ~TemporaryFile() {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
    if (!m_released) {
      ::unlink(m_path.c_str());
    }
  }
  int fd() const { return m_fd; }
  const std::string& path() const { return m_path; }
  int close() {
    int result = ::close(m_fd);
    m_fd = -1;
    return result;
  }
  void release() { m_released = true; }

private:
  int m_fd;
  std::string m_path;
  bool m_released = false;
};
} // namespace

void create_directories(const fs::path& path, fs::perms mode) {
  if (path.empty()) {
    return;
  }
  std::error_code error;
  if (fs::is_directory(path, error)) {
    return;
  }
  util::create_directories(path.parent_path(), mode);
  if (::mkdir(path.c_str(), static_cast<mode_t>(mode)) != 0 && errno != EEXIST) {
    throw Error("cannot create directory '" + path.string() + "': " + reason(errno));
  }
  if (!fs::is_directory(path, error)) {
    throw Error("cannot create directory '" + path.string() + "': a file is in the way");
  }
}

std::error_code create_private_directory(const fs::path& path) {
  util::create_directories(path, fs::perms(0700));
  std::error_code error;
  fs::perms mode = fs::status(path, error).permissions();
  if (!error && (mode & (fs::perms::group_all | fs::perms::others_all)) != fs::perms::none) {
    fs::permissions(path, fs::perms(0700), error);
  }
  return error;
}

void atomic_write(const fs::path& path, std::string_view content, fs::perms mode) {
  fs::path directory = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  util::create_directories(directory);
  std::string pattern = (directory / ("." + path.filename().string() + ".tmp-XXXXXX")).string();
  int fd = ::mkstemp(pattern.data());
  if (fd < 0) {
    throw Error("cannot write '" + path.string() + "': " + reason(errno));
  }
  TemporaryFile temporary(fd, pattern);
  const char* data = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    ssize_t written = ::write(temporary.fd(), data, left);
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw Error("cannot write '" + path.string() + "': " + reason(errno));
    }
    data += written;
    left -= static_cast<std::size_t>(written);
  }
  if (::fchmod(temporary.fd(), static_cast<mode_t>(mode)) != 0 || ::fsync(temporary.fd()) != 0 ||
      temporary.close() != 0) {
    throw Error("cannot write '" + path.string() + "': " + reason(errno));
  }
  if (::rename(temporary.path().c_str(), path.c_str()) != 0) {
    throw Error("cannot write '" + path.string() + "': " + reason(errno));
  }
  temporary.release();
  int directory_fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (directory_fd >= 0) {
    ::fsync(directory_fd);
    ::close(directory_fd);
  }
}

std::optional<std::string> read_file(const fs::path& path) {
  std::ifstream stream(path, std::ios::binary);
  if (!stream) {
    if (errno == ENOENT) {
      return std::nullopt;
    }
    throw Error("cannot read '" + path.string() + "': " + reason(errno));
  }
  std::ostringstream buffer;
  buffer << stream.rdbuf();
  if (stream.bad()) {
    throw Error("cannot read '" + path.string() + "'");
  }
  return buffer.str();
}

} // namespace colima::util
