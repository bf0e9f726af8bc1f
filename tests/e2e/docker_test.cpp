// The docker runtime on the running VM, driven by the host's own docker CLI: socket
// permissions, daemon.json, build FROM a local image, published ports, bind mounts, a foreign
// architecture, compose, and host.docker.internal. Runs after start_test.cpp.
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"
#include "vm_test.hpp"

#include <arpa/inet.h>
#include <chrono>
#include <cstdio>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <optional>
#include <sys/socket.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace colima::e2e {

namespace fs = std::filesystem;

namespace {

class DockerEngine : public VmTest {};

const char* const k_index = "served from a container built on colima\n";

bool accepts(const std::string& address, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in peer{};
  peer.sin_family = AF_INET;
  peer.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, address.c_str(), &peer.sin_addr);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&peer), sizeof peer) == 0;
  ::close(fd);
  return ok;
}

// The host's first IPv4 address that is not loopback, if any.
std::optional<std::string> external_address() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) {
    return std::nullopt;
  }
  std::optional<std::string> found;
  for (ifaddrs* i = list; i != nullptr && !found; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_INET) {
      continue;
    }
    char text[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, text, sizeof text);
    if (std::string(text).rfind("127.", 0) != 0) {
      found = text;
    }
  }
  ::freeifaddrs(list);
  return found;
}

// A TCP socket listening on a free port of every address, or -1.
int listening_socket() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(fd, 4) != 0) {
    if (fd >= 0) {
      ::close(fd);
    }
    return -1;
  }
  return fd;
}

// The port a bound socket has.
int port_of(int fd) {
  sockaddr_in address{};
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  return ntohs(address.sin_port);
}

unsigned mode_of(const fs::path& path) {
  struct stat st {};
  ::lstat(path.c_str(), &st);
  return st.st_mode & 0777U;
}

} // namespace

TEST_F(DockerEngine, TheForwardedSocketAndItsDirectoryAreTheUsersAlone) {
  fs::path dir = vm().home() / ".config/colima/default";
  EXPECT_EQ(mode_of(dir) & 0077U, 0U) << std::oct << mode_of(dir);
  EXPECT_EQ(mode_of(dir / "docker.sock") & 0077U, 0U) << std::oct << mode_of(dir / "docker.sock");
}

TEST_F(DockerEngine, DaemonJsonTurnsBuildkitOnAndNamesTheHostGateway) {
  process::Result r = vm().colima({"ssh", "--", "cat", "/etc/docker/daemon.json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json config = nlohmann::json::parse(r.out);
  EXPECT_EQ(config["features"]["buildkit"], true);
  EXPECT_EQ(config["host-gateway-ip"], "192.168.5.2");
  r = vm().colima({"ssh", "--", "systemctl", "is-active", "docker.service"});
  EXPECT_EQ(r.out, "active\n");
}

TEST_F(DockerEngine, DockerBuildOfALocalContextFromTheImportedImageWorks) {
  fs::path context = vm().home() / "web";
  util::atomic_write(context / "index.html", k_index, fs::perms(0644));
  util::atomic_write(
      context / "Dockerfile",
      "FROM colima-e2e/busybox\n"
      "COPY index.html /www/index.html\n"
      "CMD [\"/bin/busybox\", \"httpd\", \"-f\", \"-p\", \"80\", \"-h\", \"/www\"]\n",
      fs::perms(0644));
  process::Result r = vm().run({"docker", "build", "-t", "colima-e2e/web", context.string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  r = vm().run(
      {"docker", "run", "--rm", "colima-e2e/web", "/bin/busybox", "cat", "/www/index.html"});
  EXPECT_EQ(r.out, k_index) << r.err;
}

TEST_F(DockerEngine, APublishedPortAnswersOnTheHostsLoopbackAndNowhereElse) {
  process::Result r =
      vm().run({"docker", "run", "-d", "--name", "web", "-p", "8080:80", "colima-e2e/web"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto started = std::chrono::steady_clock::now();
  while (!accepts("127.0.0.1", 8080) &&
         std::chrono::steady_clock::now() - started < std::chrono::seconds(30)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  std::fprintf(stderr, "    published port answered after %lld ms\n",
               static_cast<long long>(waited.count()));
  EXPECT_LE(waited, std::chrono::seconds(10)) << "the port must answer within a few seconds";
  r = vm().run({"busybox", "wget", "-qO-", "http://127.0.0.1:8080/"});
  EXPECT_EQ(r.out, k_index) << r.err;
  // Elsewhere: the probe reaches a listener of this test's own on the host's other address, so
  // a refused connection to port 8080 there means nothing listens on it.
  std::optional<std::string> address = external_address();
  int listener = listening_socket();
  if (!address || listener < 0) {
    ADD_FAILURE() << "cannot check another address: "
                  << (address ? "cannot listen on a port of all addresses"
                              : "no IPv4 address but loopback");
  } else {
    EXPECT_TRUE(accepts(*address, port_of(listener)))
        << "the probe reaches nothing on " << *address;
    EXPECT_FALSE(accepts(*address, 8080)) << "port 8080 answers on " << *address;
  }
  if (listener >= 0) {
    ::close(listener);
  }
  vm().run({"docker", "rm", "-f", "web"});
}

TEST_F(DockerEngine, ABindMountUnderTheHomeIsReadAndWrittenFromAContainer) {
  fs::path shared = vm().home() / "shared";
  util::atomic_write(shared / "in.txt", "from the host\n", fs::perms(0644));
  fs::permissions(shared, fs::perms(0777));
  process::Result r = vm().run({"docker", "run", "--rm", "-v", shared.string() + ":/data",
                                "colima-e2e/busybox", "/bin/busybox", "sh", "-c",
                                "cat /data/in.txt && echo from the container >/data/out.txt"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "from the host\n");
  EXPECT_EQ(util::read_file(shared / "out.txt"), "from the container\n");
}

TEST_F(DockerEngine, AnArm64ContainerRunsUnderEmulationOnTheX86Vm) {
  const char* busybox = "/usr/local/share/colima-dev/busybox.aarch64";
  ASSERT_TRUE(fs::exists(busybox)) << busybox << " is missing: run scripts/setup.sh";
  process::Result r = import_busybox(busybox, "colima-e2e/busybox-arm64", "linux/arm64");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = vm().run({"docker", "run", "--rm", "--platform", "linux/arm64", "colima-e2e/busybox-arm64",
                "/bin/busybox", "uname", "-m"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "aarch64\n");
}

TEST_F(DockerEngine, ComposeServicesReachEachOtherByName) {
  fs::path project = vm().home() / "project";
  util::atomic_write(project / "compose.yaml",
                     "services:\n"
                     "  web:\n"
                     "    image: colima-e2e/web\n"
                     "  client:\n"
                     "    image: colima-e2e/busybox\n"
                     "    depends_on: [web]\n"
                     "    command: [\"/bin/busybox\", \"sh\", \"-c\", \"for i in 1 2 3 4 5 6 7 8 "
                     "9 10; do /bin/busybox wget -qO- http://web/ && exit 0; sleep 1; done; exit "
                     "1\"]\n",
                     fs::perms(0644));
  process::Result r = vm().run({"docker", "compose", "--project-directory", project.string(), "up",
                                "--abort-on-container-exit", "--exit-code-from", "client"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("served from a container"), std::string::npos) << r.out;
  vm().run({"docker", "compose", "--project-directory", project.string(), "down"});
}

TEST_F(DockerEngine, HostDockerInternalReachesAServerOnTheHost) {
  fs::path www = vm().home() / "host-www";
  util::atomic_write(www / "hello.txt", "hello from the host\n", fs::perms(0644));
  process::Result server = vm().run(
      {"sh", "-c", "busybox httpd -f -p 127.0.0.1:18181 -h \"$1\" >/dev/null 2>&1 & echo $!", "sh",
       www.string()});
  ASSERT_EQ(server.exit_code, 0) << server.err;
  process::Result r = vm().run({"docker", "run", "--rm", "colima-e2e/busybox", "/bin/busybox",
                                "wget", "-qO-", "http://host.docker.internal:18181/hello.txt"});
  vm().run({"kill", util::trim(server.out)});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "hello from the host\n");
}

} // namespace colima::e2e
