// The inputs of a guest script reach it with their exact bytes: the stdin colima sends is run
// with the host's sh, and the runtimes' real scripts run against a fake guest (their /etc moved
// under a temporary directory, systemctl, dockerd, nerdctl and buildctl replaced by `true`), and
// the containerd runtime's shutdown helper against real processes.
#include "colima/process/posix_runner.hpp"
#include "colima/runtime/docker_config.hpp"
#include "colima/runtime/runtime.hpp"
#include "colima/util/fs.hpp"
#include "temp_dir.hpp"
#include "text.hpp"

#include <chrono>
#include <gtest/gtest.h>

namespace colima::runtime {

namespace fs = std::filesystem;

namespace {

class GuestScriptRun : public ::testing::Test {
protected:
  void SetUp() override {
    for (const char* program : {"systemctl", "dockerd", "docker", "nerdctl", "buildctl"}) {
      util::atomic_write(m_dir.path() / "bin" / program, "#!/bin/sh\nexit 0\n", fs::perms(0755));
    }
  }

  fs::path root() const { return m_dir.path() / "guest"; }

  // Runs the script as colima sends it, its /etc and /usr/local/libexec under root().
  process::Result run(GuestScript script) {
    for (const std::string dir : {"/etc/", "/usr/local/libexec/"}) {
      script.text = test::replace_all(script.text, dir, root().string() + dir);
    }
    std::vector<std::string> argv = {"sh", "-s", "--"};
    argv.insert(argv.end(), script.args.begin(), script.args.end());
    return m_runner.run(
        process::Command{.argv = argv,
                         .env = {{"PATH", (m_dir.path() / "bin").string() + ":/usr/bin:/bin"}},
                         .unset_env = {"SUDO_USER"},
                         .stdin_data = script_stdin(script)});
  }

  std::string written(const std::string& file) const {
    return util::read_file(root() / file).value_or("<missing>");
  }

  test::TempDir m_dir;
  process::PosixRunner m_runner;
};

// Every byte value, quotes, shell syntax and a text larger than Linux's limit of one argument
// (128 KiB).
std::string awkward_bytes() {
  std::string bytes;
  for (int i = 0; i < 256; ++i) {
    bytes += static_cast<char>(i);
  }
  bytes += "'\"`$(touch /tmp/x)`\\\n'EOF'\n";
  bytes += std::string(200 * 1024, 'x');
  return bytes + "\n\n";
}

} // namespace

TEST_F(GuestScriptRun, EachInputReachesTheScriptWithItsExactBytes) {
  std::string bytes = awkward_bytes();
  GuestScript script{.stage = "test",
                     .text = "set -eu\ninput_first >\"$1/first\"\ninput_empty >\"$1/empty\"\n",
                     .args = {m_dir.path().string()},
                     .inputs = {{"first", bytes}, {"empty", ""}}};
  process::Result r = m_runner.run(process::Command{.argv = {"sh", "-s", "--", script.args[0]},
                                                    .stdin_data = script_stdin(script)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(util::read_file(m_dir.path() / "first").value_or(""), bytes);
  EXPECT_EQ(util::read_file(m_dir.path() / "empty").value_or("<missing>"), "");
}

TEST_F(GuestScriptRun, DockerScriptWritesDaemonJsonWithItsExactBytes) {
  config::Settings settings;
  settings.docker = {
      {"labels", {"$(touch /tmp/x)", "`id`; 'q'", "x\ny", std::string(150000, 'l')}}};
  auto script = make("docker")->provision(settings, GuestContext{.data_mount = ""});
  ASSERT_TRUE(script);
  process::Result r = run(*script);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(written("etc/docker/daemon.json"), docker_daemon_config(settings).dump() + "\n");
  EXPECT_FALSE(fs::exists(root() / "etc/docker/.daemon.json.colima"));
}

TEST_F(GuestScriptRun, DockerScriptRefusesWhatDockerdRefusesAndKeepsTheOldFile) {
  util::atomic_write(root() / "etc/docker/daemon.json", "{}\n");
  util::atomic_write(m_dir.path() / "bin" / "dockerd", "#!/bin/sh\necho 'unknown key: x'\nexit 1\n",
                     fs::perms(0755));
  auto script = make("docker")->provision(config::Settings{}, GuestContext{.data_mount = ""});
  process::Result r = run(*script);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "the docker engine refused its configuration: unknown key: x\n");
  EXPECT_EQ(written("etc/docker/daemon.json"), "{}\n");
}

TEST_F(GuestScriptRun, DockerScriptDoesNotCheckAgainTheDaemonJsonOfTheLastStart) {
  config::Settings settings;
  util::atomic_write(root() / "etc/docker/daemon.json",
                     docker_daemon_config(settings).dump() + "\n");
  util::atomic_write(m_dir.path() / "bin" / "dockerd",
                     "#!/bin/sh\necho 'dockerd was run'\nexit 1\n", fs::perms(0755));
  auto script = make("docker")->provision(settings, GuestContext{.data_mount = ""});
  process::Result r = run(*script);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(written("etc/docker/daemon.json"), docker_daemon_config(settings).dump() + "\n");
  EXPECT_FALSE(fs::exists(root() / "etc/docker/.daemon.json.colima"));
}

TEST_F(GuestScriptRun, ContainerdScriptWritesTheSuppliedFilesWithTheirExactBytesElseItsDefaults) {
  std::string containerd = "version = 2\n# $(touch /tmp/x) 'q' \"\n\n[grpc]\n  gid = 7";
  auto script =
      make("containerd")
          ->provision(config::Settings{},
                      GuestContext{.data_mount = "",
                                   .config_files = {{"containerd/config.toml", containerd}}});
  ASSERT_TRUE(script);
  process::Result r = run(*script);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(written("etc/containerd/config.toml"), containerd) << "no newline added";
  EXPECT_EQ(written("etc/nerdctl/nerdctl.toml"), script->inputs.at("nerdctl_toml"));
  std::string buildkit = written("etc/buildkit/buildkitd.toml");
  EXPECT_TRUE(buildkit.starts_with("[worker.oci]\n  enabled = false\n")) << buildkit;
  EXPECT_TRUE(buildkit.ends_with("\n[grpc]\n  uid = 0\n  gid = 0\n"))
      << "root's ids without SUDO_USER: " << buildkit;
}

TEST_F(GuestScriptRun, ContainerdScriptInstallsAUnitThatStopsTheContainersBeforeContainerd) {
  auto script = make("containerd")->provision(config::Settings{}, GuestContext{.data_mount = ""});
  ASSERT_TRUE(script);
  process::Result r = run(*script);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string unit = written("etc/systemd/system/colima-stop-containers.service");
  EXPECT_NE(unit.find("After=containerd.service buildkit.service\n"), std::string::npos) << unit;
  EXPECT_NE(
      unit.find("ExecStop=" + root().string() + "/usr/local/libexec/colima/stop-containers 10\n"),
      std::string::npos)
      << unit;
  EXPECT_TRUE(fs::is_regular_file(root() / "usr/local/libexec/colima/stop-containers"));
}

// A fake guest with a data disk mounted at `data`: mountpoint answers from the file `mounts`
// (one path per line), `mount --bind SRC DST` adds DST there, systemctl and mount log their
// arguments to `calls`, and mkdir makes only the directories under the test's own.
void fake_data_disk(const fs::path& dir, const std::string& data) {
  util::atomic_write(dir / "mounts", data + "\n");
  std::string log = (dir / "calls").string();
  util::atomic_write(dir / "bin/mountpoint",
                     "#!/bin/sh\ngrep -qxF -- \"$2\" '" + (dir / "mounts").string() + "'\n",
                     fs::perms(0755));
  util::atomic_write(dir / "bin/mount",
                     "#!/bin/sh\necho \"mount $*\" >>'" + log + "'\necho \"$3\" >>'" +
                         (dir / "mounts").string() + "'\n",
                     fs::perms(0755));
  // `systemctl show` prints the file `stale` (NeedDaemonReload values), nothing without it.
  util::atomic_write(dir / "bin/systemctl",
                     "#!/bin/sh\necho \"systemctl $*\" >>'" + log +
                         "'\n[ \"$1\" != show ] || cat '" + (dir / "stale").string() +
                         "' 2>/dev/null\n",
                     fs::perms(0755));
  util::atomic_write(dir / "bin/mkdir",
                     "#!/bin/sh\nfor d; do case $d in '" + dir.string() +
                         "'/*) /bin/mkdir -p \"$d\" ;; -p) ;; *) echo \"mkdir $d\" >>'" + log +
                         "' ;; esac; done\n",
                     fs::perms(0755));
  util::atomic_write(dir / "bin/findmnt", "#!/bin/sh\necho /dev/vdb\n", fs::perms(0755));
  for (const char* program : {"e2label", "resize2fs"}) {
    util::atomic_write(dir / "bin" / program, "#!/bin/sh\nexit 0\n", fs::perms(0755));
  }
}

TEST_F(GuestScriptRun, DockerScriptWithADataDiskStartsTheEngineAtBootOnceLimaMountedTheDisk) {
  fake_data_disk(m_dir.path(), "/mnt/lima-colima");
  auto script =
      make("docker")->provision(config::Settings{}, GuestContext{.data_mount = "/mnt/lima-colima"});
  ASSERT_TRUE(script);
  process::Result first = run(*script);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  std::string unit = "etc/systemd/system/colima-engine.service";
  EXPECT_EQ(written(unit),
            "[Unit]\n"
            "Description=Container engine's data on the data disk, then the engine, at boot "
            "(colima)\n"
            "After=mnt-lima\\x2dcolima.mount\n"
            "Before=containerd.service docker.socket docker.service\n"
            "Wants=containerd.service docker.socket docker.service\n"
            "ConditionPathIsMountPoint=/mnt/lima-colima\n"
            "\n"
            "[Service]\n"
            "Type=oneshot\n"
            "RemainAfterExit=yes\n"
            "ExecStart=" +
                root().string() +
                "/usr/local/libexec/colima/bind-data /mnt/lima-colima docker containerd\n");
  EXPECT_EQ(
      fs::read_symlink(root() /
                       "etc/systemd/system/mnt-lima\\x2dcolima.mount.wants/colima-engine.service"),
      root() / unit)
      << "the data disk's mount unit wants it";
  EXPECT_EQ(util::read_file(m_dir.path() / "calls").value_or(""),
            "systemctl stop docker.service docker.socket containerd.service\n"
            "mkdir /mnt/lima-colima/docker\n"
            "mkdir /var/lib/docker\n"
            "mount --bind /mnt/lima-colima/docker /var/lib/docker\n"
            "mkdir /mnt/lima-colima/containerd\n"
            "mkdir /var/lib/containerd\n"
            "mount --bind /mnt/lima-colima/containerd /var/lib/containerd\n"
            "systemctl show -P NeedDaemonReload containerd.service docker.socket docker.service\n"
            "systemctl stop docker.service docker.socket containerd.service\n"
            "systemctl start containerd.service docker.socket docker.service\n")
      << "no daemon-reload: the engine's units were not loaded from older files";

  // The next boot: colima-engine.service bound the directories and started the engine; the
  // script changes nothing and waits for it.
  fs::remove(m_dir.path() / "calls");
  process::Result next = run(*script);
  ASSERT_EQ(next.exit_code, 0) << next.err;
  EXPECT_EQ(util::read_file(m_dir.path() / "calls").value_or(""),
            "systemctl start containerd.service docker.socket docker.service\n");
}

TEST_F(GuestScriptRun, DockerScriptReloadsSystemdWhenAnEngineUnitIsLoadedFromOlderFiles) {
  fake_data_disk(m_dir.path(), "/mnt/lima-colima");
  util::atomic_write(m_dir.path() / "stale", "no\nyes\nno\n");
  auto script =
      make("docker")->provision(config::Settings{}, GuestContext{.data_mount = "/mnt/lima-colima"});
  ASSERT_TRUE(script);
  process::Result r = run(*script);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string calls = util::read_file(m_dir.path() / "calls").value_or("");
  EXPECT_NE(calls.find("systemctl show -P NeedDaemonReload containerd.service docker.socket "
                       "docker.service\nsystemctl daemon-reload\nsystemctl stop "),
            std::string::npos)
      << calls;
}

TEST_F(GuestScriptRun, ContainerdScriptWithADataDiskStartsContainerdAndBuildkitAtBoot) {
  fake_data_disk(m_dir.path(), "/mnt/lima-colima-ctr");
  auto script =
      make("containerd")
          ->provision(config::Settings{}, GuestContext{.data_mount = "/mnt/lima-colima-ctr"});
  ASSERT_TRUE(script);
  process::Result r = run(*script);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string unit = written("etc/systemd/system/colima-engine.service");
  EXPECT_NE(unit.find("\nWants=containerd.service buildkit.service\n"), std::string::npos) << unit;
  EXPECT_NE(unit.find("/bind-data /mnt/lima-colima-ctr containerd buildkit nerdctl cni\n"),
            std::string::npos)
      << unit;
  EXPECT_TRUE(fs::is_symlink(
      root() / "etc/systemd/system/mnt-lima\\x2dcolima\\x2dctr.mount.wants/colima-engine.service"));
}

TEST_F(GuestScriptRun, WithoutADataDiskNothingStartsAtBoot) {
  auto script = make("docker")->provision(config::Settings{}, GuestContext{.data_mount = ""});
  ASSERT_TRUE(script);
  process::Result r = run(*script);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(root() / "etc/systemd/system/colima-engine.service"));
}

TEST_F(GuestScriptRun, TheBootBindHelperRefusesADataDiskThatIsNotMounted) {
  fake_data_disk(m_dir.path(), "/mnt/lima-colima");
  auto script =
      make("docker")->provision(config::Settings{}, GuestContext{.data_mount = "/mnt/lima-colima"});
  ASSERT_EQ(run(*script).exit_code, 0);
  util::atomic_write(m_dir.path() / "mounts", "");
  fs::remove(m_dir.path() / "calls");
  process::Result r = m_runner.run(
      process::Command{.argv = {(root() / "usr/local/libexec/colima/bind-data").string(),
                                "/mnt/lima-colima", "docker"},
                       .env = {{"PATH", (m_dir.path() / "bin").string() + ":/usr/bin:/bin"}}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "bind-data: '/mnt/lima-colima' is not a mount point\n");
  EXPECT_FALSE(fs::exists(m_dir.path() / "calls")) << "nothing made, nothing mounted";
}

// Three containers' first processes, children of a fake shim (a copy of sh under the shim's
// name), as containerd's shim names them in <tasks>/<namespace>/<id>/init.pid: one without a
// SIGTERM handler, one that exits on SIGTERM, one whose handler ignores it, each pid written
// without a newline as the shim writes it. How each ended shows what the helper sent it. A stale
// init.pid naming a process that is no shim's child (a reused pid) is left alone.
TEST_F(GuestScriptRun,
       ContainerdShutdownHelperKillsWhatCannotTakeSigtermAndGivesTheRestTheirGrace) {
  auto script = make("containerd")->provision(config::Settings{}, GuestContext{.data_mount = ""});
  ASSERT_TRUE(script);
  ASSERT_EQ(run(*script).exit_code, 0);
  fs::path helper = root() / "usr/local/libexec/colima/stop-containers";
  fs::path shim = m_dir.path() / "containerd-shim-runc-v2";
  fs::copy_file("/bin/sh", shim);
  fs::permissions(shim, fs::perms(0755));
  fs::path work = m_dir.path() / "work";
  fs::create_directories(work);
  std::string shim_script = R"SH(work=$1
sleep 600 >/dev/null 2>&1 &
ignorer=$!
sh -c 'trap "echo term >$0/handler; exit 0" TERM; : >$0/handler.ready; while :; do sleep 0.05; done' "$work" >/dev/null 2>&1 &
handler=$!
sh -c 'trap "echo term >$0/stubborn" TERM; : >$0/stubborn.ready; while :; do sleep 0.05; done' "$work" >/dev/null 2>&1 &
stubborn=$!
until [ -e "$work/handler.ready" ] && [ -e "$work/stubborn.ready" ]; do sleep 0.05; done
mkdir -p "$work/tasks/default/a" "$work/tasks/default/b" "$work/tasks/k8s.io/c" "$work/tasks/k8s.io/d"
printf %s "$ignorer" >"$work/tasks/default/a/init.pid"
printf %s "$handler" >"$work/tasks/default/b/init.pid"
printf %s "$stubborn" >"$work/tasks/k8s.io/c/init.pid"
: >"$work/started"
for name in ignorer handler stubborn; do
  eval pid=\$$name
  status=0
  wait "$pid" || status=$?
  printf '%s %s %s\n' "$name" "$status" "$(cat "$work/$name" 2>/dev/null || echo -)" >>"$work/result"
done
)SH";
  std::string test = R"SH(set -eu
shim=$1 shim_script=$2 work=$3 helper=$4
"$shim" -c "$shim_script" shim "$work" &
shim_pid=$!
sleep 600 >/dev/null 2>&1 &
stranger=$!
until [ -e "$work/started" ]; do sleep 0.05; done
printf %s "$stranger" >"$work/tasks/k8s.io/d/init.pid"
"$helper" 1 "$work/tasks"
wait "$shim_pid"
cat "$work/result"
if kill "$stranger"; then echo "stranger left alone"; fi
)SH";
  process::Result r = m_runner.run(process::Command{
      .argv = {"sh", "-c", test, "sh", shim.string(), shim_script, work.string(), helper.string()},
      .timeout = std::chrono::seconds(30)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ignorer 137 -\n"     // SIGKILL, no SIGTERM
                   "handler 0 term\n"    // SIGTERM, handled
                   "stubborn 137 term\n" // SIGTERM, then SIGKILL after the grace period
                   "stranger left alone\n");
}

// A fake incus client that logs its arguments, keeps the preseed it is given and knows the
// bridge once that preseed ran.
constexpr const char* k_fake_incus = R"SH(#!/bin/sh
log=${0%/bin/incus}/incus.log
printf '%s\n' "$*" >>"$log"
case "$*" in
  "network show incusbr0") [ -e "${0%/bin/incus}/bridge" ] ;;
  "admin init --preseed") cat >"${0%/bin/incus}/preseed" && : >"${0%/bin/incus}/bridge" ;;
  *) exit 0 ;;
esac
)SH";

TEST_F(GuestScriptRun, IncusScriptPreseedsOnlyAFirstStartAndGrowsThePoolEveryBoot) {
  util::atomic_write(m_dir.path() / "bin/incus", k_fake_incus, fs::perms(0755));
  config::Settings settings;
  settings.disk = 80;
  auto script = make("incus")->provision(settings, GuestContext{.data_mount = ""});
  ASSERT_TRUE(script);
  process::Result first = run(*script);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(util::read_file(m_dir.path() / "preseed"), script->inputs.at("preseed"))
      << "the preseed reaches incus with its exact bytes";
  EXPECT_EQ(written("etc/systemd/system/incus.socket.d/colima.conf"),
            "[Socket]\nSocketUser=root\n");
  process::Result second = run(*script);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(written("etc/subuid"), "root:1000000:1000000000\n") << "once, however many boots";
  EXPECT_EQ(written("etc/subgid"), "root:1000000:1000000000\n");
  EXPECT_EQ(util::read_file(m_dir.path() / "incus.log"),
            "info\nnetwork show incusbr0\nadmin init --preseed\nstorage set default size=80GiB\n"
            "info\nnetwork show incusbr0\nstorage set default size=80GiB\n");
}

TEST_F(GuestScriptRun, IncusScriptSaysWhyWhenThePreseedIsRefused) {
  util::atomic_write(m_dir.path() / "bin/incus",
                     "#!/bin/sh\ncase \"$*\" in\n  \"admin init --preseed\") echo 'Error: "
                     "Failed to create storage pool' >&2; exit 1 ;;\n  \"network show "
                     "incusbr0\") exit 1 ;;\nesac\n",
                     fs::perms(0755));
  auto script = make("incus")->provision(config::Settings{}, GuestContext{.data_mount = ""});
  ASSERT_TRUE(script);
  process::Result r = run(*script);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "incus admin init --preseed failed: Error: Failed to create storage pool\n");
}

} // namespace colima::runtime
