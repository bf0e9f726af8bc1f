#include "kubeconfig_file.hpp"

#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"
#include "kubeconfig_yaml.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <system_error>
#include <thread>
#include <unistd.h>
#include <vector>

namespace colima::host::kubeconfig_file {

namespace fs = std::filesystem;

namespace {

constexpr const char* k_hint = ", fix it or set KUBECONFIG to another file";
constexpr const char* k_lists[] = {"clusters", "users", "contexts"};

// The file a path leads to once every symlink is followed (relative link targets resolve
// against the link's directory); a dangling link leads to the missing file it names.
fs::path follow_links(const fs::path& file) {
  fs::path current = file;
  for (int hops = 0; hops < 40; ++hops) {
    std::error_code error;
    fs::file_status status = fs::symlink_status(current, error);
    if (status.type() == fs::file_type::not_found) {
      return current;
    }
    if (error) {
      throw Error("cannot inspect the kubeconfig " + quoted(current) + ": " + error.message() +
                  ", check the permissions of its directories or set KUBECONFIG to another file");
    }
    if (!fs::is_symlink(status)) {
      return current;
    }
    fs::path target = fs::read_symlink(current, error);
    if (error) {
      throw Error("cannot read the link " + quoted(current) + ": " + error.message());
    }
    current = target.is_absolute() ? target : current.parent_path() / target;
  }
  throw UsageError("the kubeconfig " + quoted(file) +
                   " is a loop of symbolic links, set KUBECONFIG to a file");
}

// The kubeconfig as the user named it, with the file behind it when that is another one.
std::string describe(const fs::path& file, const fs::path& target) {
  std::string text = "kubeconfig " + quoted(file);
  if (target != file) {
    text += " (a link to " + quoted(target) + ")";
  }
  return text;
}

// The whole file; what names it in the error.
std::string read_bytes(const fs::path& target, const std::string& what) {
  auto failed = [&] {
    return Error("cannot read the " + what + ": " + std::strerror(errno) +
                 ", make it readable or set KUBECONFIG to another file");
  };
  int fd = ::open(target.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw failed();
  }
  std::string bytes;
  char buffer[16384];
  while (true) {
    ssize_t count = ::read(fd, buffer, sizeof buffer);
    if (count < 0 && errno == EINTR) {
      continue;
    }
    if (count < 0) {
      Error error = failed();
      ::close(fd);
      throw error;
    }
    if (count == 0) {
      break;
    }
    bytes.append(buffer, static_cast<std::size_t>(count));
  }
  ::close(fd);
  return bytes;
}

} // namespace

std::string quoted(const fs::path& path) {
  return "'" + util::printable(path.string()) + "'";
}

Loaded load(const fs::path& file) {
  Loaded loaded{.target = follow_links(file), .bytes = std::nullopt, .document = {}};
  std::string what = describe(file, loaded.target);
  std::error_code error;
  fs::file_status status = fs::status(loaded.target, error);
  if (status.type() == fs::file_type::not_found) {
    loaded.document = YAML::Node(YAML::NodeType::Map);
    return loaded;
  }
  if (error) {
    throw Error("cannot inspect the " + what + ": " + error.message() + k_hint);
  }
  if (fs::is_directory(status)) {
    throw UsageError("the " + what + " is a directory, set KUBECONFIG to a file");
  }
  if (!fs::is_regular_file(status)) {
    throw UsageError("the " + what + " is not a regular file, set KUBECONFIG to a file");
  }
  loaded.bytes = read_bytes(loaded.target, what);
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(*loaded.bytes);
  } catch (const YAML::Exception& failure) {
    throw Error("the " + what + " is not valid YAML (line " +
                std::to_string(failure.mark.line + 1) + ", column " +
                std::to_string(failure.mark.column + 1) + ": " + failure.msg + ")" + k_hint);
  }
  if (documents.size() > 1) {
    throw Error("the " + what + " holds more than one YAML document" + k_hint);
  }
  loaded.document =
      documents.empty() || documents[0].IsNull() ? YAML::Node(YAML::NodeType::Map) : documents[0];
  if (!loaded.document.IsMap()) {
    throw Error("the " + what + " is not a mapping of kubeconfig fields" + k_hint);
  }
  const YAML::Node& map = loaded.document;
  for (const char* key : k_lists) {
    YAML::Node list = map[key];
    if (list && !list.IsNull() && !list.IsSequence()) {
      throw Error("the " + what + " has '" + key + "' that is not a list" + k_hint);
    }
  }
  YAML::Node current = map["current-context"];
  if (current && !current.IsNull() && !current.IsScalar()) {
    throw Error("the " + what + " has 'current-context' that is not a text" + k_hint);
  }
  return loaded;
}

void save(const Loaded& loaded, const std::string& name) {
  std::string text = kubeconfig_yaml::emit(loaded.document);
  if (loaded.bytes == text) {
    return;
  }
  if (loaded.bytes) {
    fs::path backup =
        loaded.target.parent_path() / ("." + name) / (loaded.target.filename().string() + ".bak");
    util::atomic_write(backup, *loaded.bytes);
  }
  util::atomic_write(loaded.target, text);
}

WriteLock::WriteLock(const fs::path& file) : m_path(file.string() + ".lock") {
  util::create_directories(file.parent_path().empty() ? fs::path(".") : file.parent_path());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (true) {
    int fd = ::open(m_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      ::close(fd);
      return;
    }
    if (errno != EEXIST) {
      throw Error("cannot lock the kubeconfig " + quoted(file) + ": " + std::strerror(errno));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      throw Error("the kubeconfig " + quoted(file) + " is locked by " + quoted(m_path) +
                  ", wait for kubectl to finish or remove a stale lock");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

WriteLock::~WriteLock() {
  ::unlink(m_path.c_str());
}

} // namespace colima::host::kubeconfig_file
