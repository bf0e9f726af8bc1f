// The Kubernetes layer: the distribution on the host, its script in the guest, the kubeconfig.
#include "colima/app/kubernetes.hpp"

#include "colima/config/kubernetes.hpp"
#include "colima/host/kubeconfig.hpp"
#include "colima/image/tools.hpp"
#include "colima/kubernetes/builder.hpp"
#include "colima/kubernetes/k3s_source.hpp"
#include "colima/lima/driver.hpp"
#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"
#include "colima/util/templates.hpp"
#include "guest_script.hpp"

#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <fmt/format.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

namespace colima::app {

namespace fs = std::filesystem;

namespace {

// What the profile's cluster was started with, kept in <profile>/kubernetes.json.
struct ClusterRecord {
  std::string distribution;
  std::string version;
  int port = 0;
};

std::optional<ClusterRecord> read_record(const fs::path& file) {
  auto text = util::read_file(file);
  if (!text) {
    return std::nullopt;
  }
  nlohmann::json json = nlohmann::json::parse(*text, nullptr, false);
  if (!json.is_object() || !json.contains("port") || !json["port"].is_number_integer()) {
    spdlog::debug("kubernetes: ignoring the unreadable record '{}'", file.string());
    return std::nullopt;
  }
  return ClusterRecord{json.value("distribution", ""), json.value("version", ""),
                       json["port"].get<int>()};
}

// Whether a TCP port on the host's loopback is free for Lima to forward the API server to.
bool port_free(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    return true;
  }
  int yes = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return free;
}

// A port the kernel picks as free on the host's loopback.
int any_free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    throw Error("cannot choose a port for Kubernetes: no socket");
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  if (port == 0) {
    throw Error("cannot choose a free port for Kubernetes on the host's loopback");
  }
  return port;
}

std::string script_text() {
  return std::string(templates::find("runtime/guest-lib.sh").value()) +
         std::string(templates::find("kubernetes/kubernetes.sh").value());
}

runtime::GuestScript guest_script(std::string stage, std::vector<std::string> args) {
  return runtime::GuestScript{
      .stage = std::move(stage),
      .text = script_text(),
      .args = std::move(args),
      .hint = "see 'colima ssh -- sudo journalctl -u kubelet -u kube-apiserver' (or -u k3s)"};
}

std::string data_mount(const config::Profile& profile) {
  return "/mnt/lima-" + profile.id();
}

} // namespace

KubernetesLayer::KubernetesLayer(process::Runner& runner, util::Environment environment,
                                 config::Paths paths, util::Progress& progress)
    : m_runner(runner), m_environment(std::move(environment)), m_paths(std::move(paths)),
      m_progress(progress) {}

fs::path KubernetesLayer::kubeconfig_state(const config::Profile& profile) const {
  return m_paths.profile_dir(profile) / "kubeconfig-previous-context";
}

namespace {
fs::path record_file(const config::Paths& paths, const config::Profile& profile) {
  return paths.profile_dir(profile) / "kubernetes.json";
}
} // namespace

int KubernetesLayer::port_of(const config::Profile& profile) const {
  auto record = read_record(record_file(m_paths, profile));
  return record ? record->port : 0;
}

std::string KubernetesLayer::distribution_of(const config::Profile& profile) const {
  auto record = read_record(record_file(m_paths, profile));
  return record ? record->distribution : std::string();
}

void KubernetesLayer::check_before_start(const config::Profile& profile,
                                         const config::Settings& settings) {
  host::Kubeconfig kubeconfig(host::Kubeconfig::locate(m_environment, m_paths.home()),
                              kubeconfig_state(profile));
  kubeconfig.check();
  int port = settings.kubernetes.port;
  if (port > 0 && !port_free(port) && !(port_of(profile) == port && answers(profile))) {
    throw UsageError(fmt::format("kubernetes port '{}' is taken on the host by another program: "
                                 "choose another with --k3s-listen-port, or 0 for any free port",
                                 port));
  }
}

int KubernetesLayer::choose_port(const config::Profile& profile, const config::Settings& settings) {
  if (settings.kubernetes.port > 0) {
    return settings.kubernetes.port;
  }
  int recorded = port_of(profile);
  if (recorded > 0 && (port_free(recorded) || answers(profile))) {
    return recorded;
  }
  return any_free_port();
}

std::vector<std::string> KubernetesLayer::install_files(const config::Profile& profile,
                                                        const std::string& version,
                                                        const std::string& arch) {
  lima::Driver driver(m_runner, m_paths);
  std::vector<std::pair<fs::path, std::string>> copies;
  if (config::kubernetes_distribution(version) == config::KubernetesDistribution::k3s) {
    kubernetes::K3sSource source(m_runner, m_paths.cache_dir() / "k3s", m_environment, m_progress);
    kubernetes::K3sFiles files = source.fetch(version, arch);
    copies.emplace_back(files.binary, "/tmp/colima-k3s");
    if (!files.images.empty()) {
      std::string name = files.images.filename().string();
      std::string suffix = name.substr(std::min(name.find(".tar"), name.size()));
      copies.emplace_back(files.images, "/tmp/colima-k3s-airgap-images" + suffix);
    }
  } else {
    kubernetes::Builder builder(m_runner, m_paths.cache_dir() / "kubernetes", m_environment);
    std::atomic<bool> cancel = false;
    kubernetes::Bundle bundle = builder.build(version, arch, cancel, m_progress);
    copies.emplace_back(bundle.archive, "/tmp/colima-kubernetes-" + version + ".tar");
  }
  m_progress.stage(fmt::format("copying Kubernetes {} into the VM", version));
  std::vector<std::string> guest_files;
  for (const auto& [file, guest] : copies) {
    driver.copy(profile, file, guest);
    guest_files.push_back(guest);
  }
  return guest_files;
}

void KubernetesLayer::start(const config::Profile& profile, const config::Settings& settings) {
  const config::KubernetesSettings& k = settings.kubernetes;
  std::string distribution = config::distribution_name(config::kubernetes_distribution(k.version));
  std::string arch = config::normalize_arch(settings.arch).value_or(config::host_arch());
  lima::Driver driver(m_runner, m_paths);
  process::Result installed = driver.shell(
      profile,
      {"sudo", "sh", "-s", "--", "installed", data_mount(profile), distribution, k.version},
      script_text(), std::chrono::minutes(1));
  if (!installed.ok()) {
    std::vector<std::string> args = {"install", data_mount(profile), distribution, k.version};
    for (const auto& file : install_files(profile, k.version, arch)) {
      args.push_back(file);
    }
    run_guest_script(m_runner, m_paths, m_progress, profile,
                     guest_script("installing Kubernetes " + k.version, args));
  }
  int port = choose_port(profile, settings);
  std::vector<std::string> args = {"start",   data_mount(profile), distribution,
                                   k.version, settings.runtime,    std::to_string(port)};
  args.insert(args.end(), k.k3s_args.begin(), k.k3s_args.end());
  run_guest_script(m_runner, m_paths, m_progress, profile,
                   guest_script("starting Kubernetes " + k.version, args));
  nlohmann::ordered_json record = {
      {"distribution", distribution}, {"version", k.version}, {"port", port}};
  util::atomic_write(record_file(m_paths, profile), record.dump() + "\n");

  process::Result config = run_guest_script(m_runner, m_paths, m_progress, profile,
                                            guest_script("", {"kubeconfig", distribution}));
  host::Kubeconfig kubeconfig(host::Kubeconfig::locate(m_environment, m_paths.home()),
                              kubeconfig_state(profile));
  m_progress.stage("updating the kubeconfig");
  kubeconfig.merge(profile.id(), config.out, fmt::format("https://127.0.0.1:{}", port),
                   settings.auto_activate);
  if (settings.auto_activate) {
    m_progress.info("kubectl context '" + profile.id() + "' is now current");
  }
}

void KubernetesLayer::stop(const config::Profile& profile) {
  std::string distribution = distribution_of(profile);
  if (distribution.empty()) {
    return;
  }
  try {
    run_guest_script(m_runner, m_paths, m_progress, profile,
                     guest_script("stopping Kubernetes", {"stop", distribution}));
  } catch (const Error& error) {
    m_progress.warn(error.what());
  }
}

void KubernetesLayer::remove(const config::Profile& profile, bool guest_state) {
  std::string distribution = distribution_of(profile);
  if (guest_state && !distribution.empty()) {
    run_guest_script(
        m_runner, m_paths, m_progress, profile,
        guest_script("deleting Kubernetes", {"delete", data_mount(profile), distribution}));
  }
  host::Kubeconfig kubeconfig(host::Kubeconfig::locate(m_environment, m_paths.home()),
                              kubeconfig_state(profile));
  kubeconfig.remove(profile.id());
  if (guest_state) {
    std::error_code ignored;
    fs::remove(record_file(m_paths, profile), ignored);
  }
}

void KubernetesLayer::load(const config::Profile& profile, const std::string& runtime,
                           const std::vector<std::string>& images) {
  std::vector<std::string> args = {"load", runtime};
  args.insert(args.end(), images.begin(), images.end());
  run_guest_script(m_runner, m_paths, m_progress, profile,
                   guest_script("loading images into Kubernetes", args));
}

namespace {
// A ready API server answers at once; one in an emulated guest beside other VMs took
// more than 3 s (an e2e run on 2 cores, where status said running and the next command not), so
// a slow answer gets 10 s. A cluster that is down is refused at once and costs nothing.
process::Result ask_api(process::Runner& runner, int port, const std::string& path) {
  return runner.run(process::Command{.argv = {"curl", "-sk", "--max-time", "10",
                                              fmt::format("https://127.0.0.1:{}{}", port, path)},
                                     .timeout = std::chrono::seconds(12)});
}
} // namespace

bool KubernetesLayer::answers(const config::Profile& profile) {
  int port = port_of(profile);
  if (port == 0) {
    return false;
  }
  process::Result result = ask_api(m_runner, port, "/readyz");
  return result.ok() && util::trim(result.out) == "ok";
}

bool KubernetesLayer::runs_in_guest(const config::Profile& profile) {
  std::string distribution = distribution_of(profile);
  if (distribution.empty()) {
    return false;
  }
  lima::Driver driver(m_runner, m_paths);
  return driver
      .shell(profile, {"sudo", "sh", "-s", "--", "running", distribution}, script_text(),
             std::chrono::minutes(1))
      .ok();
}

std::optional<std::string> KubernetesLayer::server_version(const config::Profile& profile) {
  int port = port_of(profile);
  if (port == 0) {
    return std::nullopt;
  }
  process::Result result = ask_api(m_runner, port, "/version");
  nlohmann::json json = nlohmann::json::parse(result.out, nullptr, false);
  if (!result.ok() || !json.is_object() || !json.contains("gitVersion") ||
      !json["gitVersion"].is_string()) {
    return std::nullopt;
  }
  return json["gitVersion"].get<std::string>();
}

void KubernetesLayer::prepare(const std::string& version, const std::string& arch, bool report) {
  if (config::kubernetes_distribution(version) == config::KubernetesDistribution::k3s) {
    kubernetes::K3sSource source(m_runner, m_paths.cache_dir() / "k3s", m_environment, m_progress);
    kubernetes::K3sFiles files = source.fetch(version, arch);
    if (report) {
      m_progress.info("k3s " + version + " is ready in '" + files.binary.parent_path().string() +
                      "'");
    }
    return;
  }
  kubernetes::Builder builder(m_runner, m_paths.cache_dir() / "kubernetes", m_environment);
  std::atomic<bool> cancel = false;
  kubernetes::Bundle bundle = builder.build(version, arch, cancel, m_progress);
  if (report) {
    m_progress.info("Kubernetes " + version + " is built in '" + bundle.dir.string() + "'");
  }
}

} // namespace colima::app
