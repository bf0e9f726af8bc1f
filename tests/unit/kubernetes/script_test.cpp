// The shipped build-kubernetes.sh, run for real with a stand-in for go that serves modules from
// a directory: what it asks Go for, what it writes, and the OCI image layouts it packs.
#include "colima/kubernetes/builder.hpp"
#include "colima/process/posix_runner.hpp"
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"
#include "colima/util/templates.hpp"
#include "temp_dir.hpp"

#include <chrono>
#include <csignal>
#include <functional>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/utsname.h>

namespace colima::kubernetes {

namespace fs = std::filesystem;

namespace {

// Serves MODULE@VERSION from $FAKE_MODULES/MODULE@VERSION (403 when absent), "builds" (in the
// directory -C names) by writing each output file, and logs every call with its directory and
// GOARCH to $FAKE_LOG.
const char* const k_fake_go = R"sh(#!/bin/sh
if [ "$1" = -C ]; then cd "$2" || exit 1; shift 2; fi
printf '%s | %s | GOARCH=%s\n' "$(basename "$PWD")" "$*" "$GOARCH" >>"$FAKE_LOG"
case "$1" in
env) echo off ;;
mod)
  [ "$3" = -json ] || exit 0
  if [ ! -d "$FAKE_MODULES/$4" ]; then
    printf '{\n\t"Path": "%s",\n\t"Error": "%s: 403 Forbidden"\n}\n' "${4%@*}" "$4"; exit 1
  fi
  printf '{\n\t"Path": "%s",\n\t"Info": "%s",\n\t"Dir": "%s"\n}\n' "${4%@*}" "$FAKE_MODULES/$4.info" "$FAKE_MODULES/$4" ;;
build)
  case "$PWD" in *"${FAKE_FAIL:-none}"*) echo "compile error" >&2; exit 2 ;; esac
  [ -z "$FAKE_SLEEP" ] || { echo $$ >"$FAKE_LOG.building"; exec sleep "$FAKE_SLEEP"; }
  [ ! -f go.mod ] || cp go.mod "$FAKE_LOG.$(basename "$PWD").go.mod"
  out="" prev=""
  for a; do [ "$prev" != -o ] || out=$a; prev=$a; done
  case "$out" in
  */) for a; do case "$a" in ./cmd/*) echo "$a" >"$out${a#./cmd/}" ;; esac; done ;;
  *) echo built >"$out" ;;
  esac ;;
esac
)sh";

const char* const k_dependencies = R"(dependencies:
  - name: "coredns-kube-up"
    version: 1.13.0
  - name: "coredns-kubeadm"
    version: 1.13.1
  - name: "etcd-image"
    version: 3.6.6-0
  - name: "etcd"
    version: 3.6.6
)";

const char* const k_kubernetes_go_mod = R"(module k8s.io/kubernetes

go 1.25.0

require k8s.io/api v0.0.0

replace (
	k8s.io/api => ./staging/src/k8s.io/api
	k8s.io/client-go => ./staging/src/k8s.io/client-go
)
)";

const char* const k_etcd_go_mod = R"(module go.etcd.io/etcd/server/v3

replace (
	go.etcd.io/etcd/api/v3 => ../api
	go.etcd.io/etcd/client/v3 => ../client/v3
)

replace go.etcd.io/etcd => ./FORBIDDEN_DEPENDENCY
)";

std::string host_arch() {
  utsname name{};
  ::uname(&name);
  return name.machine;
}

std::string other_arch() {
  return host_arch() == "x86_64" ? "aarch64" : "x86_64";
}

std::string goarch(const std::string& arch) {
  return arch == "x86_64" ? "amd64" : "arm64";
}

// A module tree as the proxy would unpack it, and a fake go that serves it.
class KubernetesScript : public ::testing::Test {
protected:
  void SetUp() override {
    fs::path k8s = modules() / "k8s.io/kubernetes@v1.35.4";
    util::atomic_write(modules() / "k8s.io/kubernetes@v1.35.4.info",
                       R"({"Version":"v1.35.4","Time":"2026-04-15T18:01:22Z"})");
    util::atomic_write(k8s / "go.mod", k_kubernetes_go_mod);
    util::atomic_write(k8s / "go.work", "go 1.25.0\n");
    util::atomic_write(k8s / "vendor" / "OWNERS", "");
    util::atomic_write(k8s / "build" / "dependencies.yaml", k_dependencies);
    util::atomic_write(k8s / "build" / "pause" / "Makefile", "TAG ?= 3.10.1\nREV = x\n");
    util::atomic_write(k8s / "build" / "pause" / "linux" / "pause.c",
                       "#include <stdio.h>\n#define S(x) #x\n#define V(x) S(x)\n"
                       "int main(void) { puts(V(VERSION)); return 0; }\n");
    // Kubernetes pins etcd v3.6.6, which this proxy does not serve.
    for (const char* module :
         {"go.etcd.io/etcd/server/v3@v3.6.13", "go.etcd.io/etcd/etcdctl/v3@v3.6.13"}) {
      util::atomic_write(modules() / module / "go.mod", k_etcd_go_mod);
    }
    util::atomic_write(modules() / "github.com/coredns/coredns@v1.13.1" / "go.mod", "module x\n");
    util::atomic_write(m_dir.path() / "go", k_fake_go, fs::perms(0755));
    util::atomic_write(m_dir.path() / "build-kubernetes.sh",
                       templates::find("kubernetes/build-kubernetes.sh").value());
    util::create_directories(m_dir.path() / "cache");
  }

  fs::path modules() const { return m_dir.path() / "modules"; }
  fs::path output() const { return m_dir.path() / "cache" / "entry"; }
  std::string go_log() const { return util::read_file(m_dir.path() / "go.log").value_or(""); }

  process::Result run(const std::string& arch, std::vector<std::string> extra = {},
                      std::map<std::string, std::string> env = {},
                      std::function<std::optional<std::string>()> watchdog = {}) {
    process::Command command{.argv = {"bash", (m_dir.path() / "build-kubernetes.sh").string(),
                                      "--go", (m_dir.path() / "go").string(), "--version",
                                      "v1.35.4", "--arch", arch, "--output", output().string()}};
    command.argv.insert(command.argv.end(), extra.begin(), extra.end());
    command.env = std::move(env);
    command.env["FAKE_MODULES"] = modules().string();
    command.env["FAKE_LOG"] = (m_dir.path() / "go.log").string();
    command.watchdog = std::move(watchdog);
    return m_runner.run(command);
  }

  // Runs a program and returns its stdout, failing the test when it fails.
  std::string output_of(std::vector<std::string> argv) {
    process::Result result = m_runner.run(process::Command{.argv = std::move(argv)});
    EXPECT_TRUE(result.ok()) << result.err;
    return result.out;
  }

  // Checks an OCI image-layout tar: every digest and size, the name annotations, the config.
  void expect_oci_image(const fs::path& tar, const std::string& reference,
                        const std::string& program, const std::string& arch) {
    fs::path dir = m_dir.path() / ("unpacked-" + program);
    util::create_directories(dir);
    output_of({"tar", "-xf", tar.string(), "-C", dir.string()});
    EXPECT_EQ(nlohmann::json::parse(util::read_file(dir / "oci-layout").value()),
              nlohmann::json::parse(R"({"imageLayoutVersion":"1.0.0"})"));
    auto index = nlohmann::json::parse(util::read_file(dir / "index.json").value());
    ASSERT_EQ(index["manifests"].size(), 1u);
    const auto& entry = index["manifests"][0];
    EXPECT_EQ(entry["annotations"]["io.containerd.image.name"], reference);
    EXPECT_EQ(entry["annotations"]["org.opencontainers.image.ref.name"],
              reference.substr(reference.rfind(':') + 1));
    EXPECT_EQ(entry["platform"]["architecture"], goarch(arch));
    auto manifest = nlohmann::json::parse(blob(dir, entry));
    auto config = nlohmann::json::parse(blob(dir, manifest["config"]));
    EXPECT_EQ(config["architecture"], goarch(arch));
    EXPECT_EQ(config["os"], "linux");
    EXPECT_EQ(config["config"]["Entrypoint"], nlohmann::json::array({"/" + program}));
    ASSERT_EQ(manifest["layers"].size(), 1u);
    const auto& layer = manifest["layers"][0];
    EXPECT_EQ(config["rootfs"]["diff_ids"], nlohmann::json::array({layer["digest"]}));
    blob(dir, layer);
    std::string hex = layer["digest"].get<std::string>().substr(7);
    EXPECT_EQ(output_of({"tar", "-tf", (dir / "blobs" / "sha256" / hex).string()}), program + "\n");
  }

  // The content of the blob a descriptor names, after checking its digest and size.
  std::string blob(const fs::path& dir, const nlohmann::json& descriptor) {
    std::string digest = descriptor["digest"];
    fs::path path = dir / "blobs" / "sha256" / digest.substr(7);
    EXPECT_EQ(fs::file_size(path), descriptor["size"].get<std::uintmax_t>()) << digest;
    EXPECT_EQ("sha256:" + util::split(output_of({"sha256sum", path.string()}), ' ').front(),
              digest);
    return util::read_file(path).value();
  }

  test::TempDir m_dir;
  process::PosixRunner m_runner;
};

} // namespace

TEST_F(KubernetesScript, BuildsEverythingStampedAndPacksTheImagesAndTheBundle) {
  std::string arch = host_arch();
  process::Result result = run(arch);
  ASSERT_TRUE(result.ok()) << result.err;
  EXPECT_EQ(result.out, "phase: download kubernetes v1.35.4\n"
                        "phase: download kubernetes dependencies\n"
                        "phase: build kubernetes v1.35.4\n"
                        "phase: download etcd v3.6.6\n"
                        "note: etcd v3.6.13 instead of v3.6.6: the module proxy does not serve the "
                        "version Kubernetes v1.35.4 pins\n"
                        "phase: build etcd v3.6.13\n"
                        "phase: download coredns v1.13.1\n"
                        "phase: build coredns v1.13.1\n"
                        "phase: build pause 3.10.1\n"
                        "phase: images\n"
                        "phase: bundle\n"
                        "phase: done\n");
  // Staging modules come from the proxy at v0.MINOR.PATCH; etcd's siblings too.
  std::string k8s_mod = util::read_file(m_dir.path() / "go.log.kubernetes.go.mod").value();
  EXPECT_NE(k8s_mod.find("\tk8s.io/api => k8s.io/api v0.35.4\n"), std::string::npos) << k8s_mod;
  EXPECT_NE(k8s_mod.find("\tk8s.io/client-go => k8s.io/client-go v0.35.4\n"), std::string::npos);
  std::string etcd_mod = util::read_file(m_dir.path() / "go.log.etcd.go.mod").value();
  EXPECT_EQ(etcd_mod.find("../"), std::string::npos) << etcd_mod;
  EXPECT_NE(etcd_mod.find("FORBIDDEN_DEPENDENCY"), std::string::npos) << etcd_mod;
  std::string log = go_log();
  for (const char* stamp : {"-X k8s.io/component-base/version.gitVersion=v1.35.4",
                            "-X k8s.io/client-go/pkg/version.gitMinor=35",
                            "-X k8s.io/client-go/pkg/version.gitTreeState=clean",
                            "-X k8s.io/component-base/version.buildDate=2026-04-15T18:01:22Z"}) {
    EXPECT_NE(log.find(stamp), std::string::npos) << stamp;
  }
  EXPECT_NE(log.find("GOARCH=" + goarch(arch)), std::string::npos);

  Bundle bundle = read_bundle(output());
  EXPECT_EQ(bundle.kubernetes, "v1.35.4");
  EXPECT_EQ(bundle.etcd, "v3.6.13");
  EXPECT_EQ(bundle.coredns, "v1.13.1");
  EXPECT_EQ(bundle.pause, "3.10.1");
  EXPECT_EQ(bundle.arch, arch);
  EXPECT_EQ(bundle.images, (std::map<std::string, std::string>{
                               {"pause", "colima.local/kubernetes/pause:3.10.1"},
                               {"coredns", "colima.local/kubernetes/coredns:v1.13.1"}}));
  EXPECT_EQ(output_of({(output() / "bin" / "pause").string()}), "v3.10.1-colima\n");
  EXPECT_EQ(output_of({"tar", "-tf", bundle.archive.string()}),
            "bin/\nbin/coredns\nbin/etcd\nbin/etcdctl\nbin/kube-apiserver\n"
            "bin/kube-controller-manager\nbin/kube-proxy\nbin/kube-scheduler\nbin/kubectl\n"
            "bin/kubelet\nbin/pause\nimages/\nimages/coredns.tar\nimages/pause.tar\n"
            "manifest.json\n");
  expect_oci_image(output() / "images" / "pause.tar", "colima.local/kubernetes/pause:3.10.1",
                   "pause", arch);
  expect_oci_image(output() / "images" / "coredns.tar", "colima.local/kubernetes/coredns:v1.13.1",
                   "coredns", arch);
  // Nothing of the work is left beside the entry.
  std::vector<std::string> names;
  for (const auto& item : fs::directory_iterator(output().parent_path())) {
    names.push_back(item.path().filename().string());
  }
  EXPECT_EQ(names, std::vector<std::string>{"entry"});
}

TEST_F(KubernetesScript, TheComponentsOptionBuildsOnlyKubectl) {
  process::Result result = run(host_arch(), {"--components", "kubectl"});
  ASSERT_TRUE(result.ok()) << result.err;
  EXPECT_EQ(output_of({"tar", "-tf", (output() / "bundle.tar").string()}),
            "bin/\nbin/kubectl\nimages/\nmanifest.json\n");
  Bundle bundle = read_bundle(output());
  EXPECT_EQ(bundle.etcd, "");
  EXPECT_TRUE(bundle.images.empty());
  EXPECT_EQ(go_log().find("etcd"), std::string::npos);
  EXPECT_NE(go_log().find(" build -mod=mod "), std::string::npos);
  EXPECT_EQ(go_log().find("./cmd/kubelet"), std::string::npos);
}

TEST_F(KubernetesScript, AFailedBuildKeepsThePreviousEntryAndLeavesNoWork) {
  util::atomic_write(output() / "manifest.json", "previous");
  process::Result result = run(host_arch(), {}, {{"FAKE_FAIL", "etcd"}});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("build-kubernetes: error: building etcd v3.6.13 failed"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(util::read_file(output() / "manifest.json"), "previous");
  EXPECT_EQ(std::distance(fs::directory_iterator(output().parent_path()), fs::directory_iterator()),
            1);
  // The next, successful build replaces it.
  ASSERT_TRUE(run(host_arch()).ok());
  EXPECT_EQ(read_bundle(output()).kubernetes, "v1.35.4");
}

TEST_F(KubernetesScript, ACancelledBuildStopsGoAndLeavesNothing) {
  fs::path building = m_dir.path() / "go.log.building";
  auto started = std::chrono::steady_clock::now();
  process::Result result =
      run(host_arch(), {}, {{"FAKE_SLEEP", "30"}}, [&]() -> std::optional<std::string> {
        if (fs::exists(building)) {
          return std::string("cancelled");
        }
        return std::nullopt;
      });
  EXPECT_EQ(result.aborted, "cancelled");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  // The go it was waiting for went with it.
  pid_t go = std::stoi(util::read_file(building).value());
  EXPECT_NE(::kill(go, 0), 0) << "go (pid " << go << ") still runs";
  EXPECT_EQ(std::distance(fs::directory_iterator(output().parent_path()), fs::directory_iterator()),
            0);
}

TEST_F(KubernetesScript, AnotherArchitectureUsesItsCrossCompilerAndGoArch) {
  std::string arch = other_arch();
  fs::path tools = m_dir.path() / "tools";
  util::atomic_write(tools / (arch + "-linux-gnu-gcc"),
                     "#!/bin/sh\necho \"cc $*\" >>\"$FAKE_LOG\"\n"
                     "while [ \"$1\" != -o ]; do shift; done; echo cross >\"$2\"\n",
                     fs::perms(0755));
  process::Result result = run(arch, {"--components", "kubectl,pause"},
                               {{"PATH", tools.string() + ":" + std::string(std::getenv("PATH"))}});
  ASSERT_TRUE(result.ok()) << result.err;
  EXPECT_NE(go_log().find("GOARCH=" + goarch(arch)), std::string::npos);
  EXPECT_NE(go_log().find("cc -Os -Wall -static -DVERSION=v3.10.1-colima"), std::string::npos);
  expect_oci_image(output() / "images" / "pause.tar", "colima.local/kubernetes/pause:3.10.1",
                   "pause", arch);
}

TEST_F(KubernetesScript, AMissingCrossCompilerIsNamedWithItsDebianPackageBeforeAnyBuild) {
  std::string arch = other_arch();
  for (const auto& dir : util::split(std::getenv("PATH"), ':')) {
    std::error_code unreadable;
    if (!dir.empty() && fs::exists(fs::path(dir) / (arch + "-linux-gnu-gcc"), unreadable)) {
      GTEST_SKIP() << "this machine has " << arch << "-linux-gnu-gcc";
    }
  }
  process::Result result = run(arch);
  EXPECT_EQ(result.exit_code, 1);
  std::string package = arch == "x86_64" ? "gcc-x86-64-linux-gnu" : "gcc-aarch64-linux-gnu";
  EXPECT_NE(
      result.err.find("needs " + arch + "-linux-gnu-gcc: install Debian's package " + package),
      std::string::npos)
      << result.err;
  EXPECT_EQ(go_log(), "");
}

TEST_F(KubernetesScript, BadArgumentsAreRefusedBeforeAnyBuild) {
  EXPECT_NE(run("riscv64").err.find("invalid --arch 'riscv64'"), std::string::npos);
  EXPECT_NE(run(host_arch(), {"--components", "kubectl,helm"}).err.find("unknown component 'helm'"),
            std::string::npos);
  EXPECT_EQ(go_log(), "");
  EXPECT_FALSE(fs::exists(output()));
}

} // namespace colima::kubernetes
