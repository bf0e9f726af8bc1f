// Black-box tests of the colima binary's command line: flags to settings, precedence,
// validation messages and exit codes, each run in a fresh HOME.
#include "colima/app/app.hpp"
#include "colima/config/paths.hpp"
#include "colima/config/profile.hpp"
#include "colima/config/settings_file.hpp"
#include "colima/process/posix_runner.hpp"
#include "colima/util/file_lock.hpp"
#include "colima/util/fs.hpp"

#include <filesystem>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <regex>
#include <unistd.h>

namespace colima::cli {

namespace fs = std::filesystem;

namespace {

class ColimaCli : public ::testing::Test {
protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "colima-cli-test-XXXXXX").string();
    m_home = ::mkdtemp(pattern.data());
    // A limactl too old to use: every start stops right after the settings are saved, at
    // the limactl check, whatever Lima the machine has.
    util::atomic_write(m_home / "bin" / "limactl", "#!/bin/sh\necho 'limactl version 1.0.0'\n",
                       fs::perms(0755));
  }
  void TearDown() override { fs::remove_all(m_home); }

  process::Result colima(std::vector<std::string> args, std::map<std::string, std::string> env = {},
                         std::optional<fs::path> cwd = std::nullopt) {
    args.insert(args.begin(), COLIMA_BINARY_PATH);
    env["HOME"] = m_home.string();
    env["PATH"] = (m_home / "bin").string() + ":/usr/bin:/bin";
    process::Command command{.argv = args,
                             .env = env,
                             .unset_env = {"COLIMA_HOME", "COLIMA_PROFILE",
                                           "COLIMA_DEFAULT_PROFILE", "COLIMA_DEFAULT_RUNTIME",
                                           "COLIMA_SAVE_CONFIG", "XDG_CONFIG_HOME", "EDITOR",
                                           "VISUAL", "COLIMA_BINARY"},
                             .cwd = cwd};
    return m_runner.run(command);
  }

  fs::path settings(const std::string& profile = "default") const {
    return m_home / ".config" / "colima" / profile / "colima.yaml";
  }
  std::string settings_text(const std::string& profile = "default") const {
    return util::read_file(settings(profile)).value_or("<missing>");
  }
  void write(const fs::path& path, const std::string& text) { util::atomic_write(path, text); }

  fs::path m_home;
  process::PosixRunner m_runner;
};

// The exit status of a start that saved its settings and stopped at the fake, old limactl.
constexpr int k_stopped_at_limactl = 1;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

TEST_F(ColimaCli, HelpListsEveryCommandAndTheExitCodes) {
  auto r = colima({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* command :
       {"start", "stop", "restart", "delete", "status", "list", "ssh", "ssh-config", "version",
        "update", "prune", "template", "nerdctl", "kubernetes", "clone", "completion"}) {
    // The command's own line, not the word inside another ("ssh" in "ssh-config", "version"
    // in "--version").
    EXPECT_TRUE(std::regex_search(r.out, std::regex(std::string("\n  ") + command + "[ ,]")))
        << command << " in:\n"
        << r.out;
  }
  EXPECT_TRUE(contains(r.out, "Exit status:"));
  EXPECT_TRUE(contains(r.out, "--profile"));
}

TEST_F(ColimaCli, StartHelpListsEveryUpstreamFlag) {
  auto r = colima({"start", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* flag : {"--runtime",
                           "-r",
                           "--activate",
                           "--cpus",
                           "-c",
                           "--cpu-type",
                           "--memory",
                           "-m",
                           "--disk",
                           "-d",
                           "--root-disk",
                           "--arch",
                           "-a",
                           "--foreground",
                           "-f",
                           "--hostname",
                           "--disk-image",
                           "-i",
                           "--disk-image-mirror",
                           "--force-disk-image",
                           "--template",
                           "--port-forwarder",
                           "--network-host-addresses",
                           "--network-address",
                           "--network-mode",
                           "--network-interface",
                           "--network-preferred-route",
                           "--vm-type",
                           "-t",
                           "--vz-rosetta",
                           "--model-runner",
                           "--nested-virtualization",
                           "-z",
                           "--gateway-address",
                           "--binfmt",
                           "--edit",
                           "-e",
                           "--editor",
                           "--save-config",
                           "--mount",
                           "-V",
                           "--mount-type",
                           "--mount-inotify",
                           "--ssh-agent",
                           "-s",
                           "--ssh-config",
                           "--ssh-port",
                           "--kubernetes",
                           "-k",
                           "--kubernetes-version",
                           "--k3s-arg",
                           "--k3s-listen-port",
                           "--env",
                           "--dns",
                           "-n",
                           "--dns-host",
                           "--registry-mirror",
                           "--downloader"}) {
    std::string text(flag);
    if (!text.starts_with("--")) {
      // A short flag as its own word ("-r,--runtime"), not the "-r" inside "--runtime".
      EXPECT_TRUE(std::regex_search(r.out, std::regex("(^|[^-A-Za-z0-9])" + text + "[, ]")))
          << flag;
    } else {
      EXPECT_TRUE(contains(r.out, flag)) << flag;
    }
  }
}

TEST_F(ColimaCli, AliasesReachTheirCommands) {
  struct Case {
    std::vector<std::string> args;
    // The start of the help of the command the alias stands for: its description and usage.
    std::string help;
  };
  for (const Case& c : std::vector<Case>{
           {{"ls", "--help"}, "list instances\nUsage: list "},
           {{"exec", "--help"}, "SSH into the VM\nUsage: ssh "},
           {{"x", "--help"}, "SSH into the VM\nUsage: ssh "},
           {{"u", "--help"}, "update the container runtime\nUsage: update "},
           {{"up", "--help"}, "update the container runtime\nUsage: update "},
           {{"tmpl", "--help"}, "edit the template for default configurations\nUsage: template "},
           {{"tpl", "--help"}, "edit the template for default configurations\nUsage: template "},
           {{"t", "--help"}, "edit the template for default configurations\nUsage: template "},
           {{"nerd", "--help"}, "run nerdctl (requires containerd runtime)\nUsage: nerdctl "},
           {{"n", "install", "--help"},
            "install nerdctl alias script on the host\nUsage: install "},
           {{"k8s", "start", "--help"}, "start the Kubernetes cluster\nUsage: start "},
           {{"k3s", "reset", "--help"}, "reset the Kubernetes cluster\nUsage: reset "},
           {{"kube", "stop", "--help"}, "stop the Kubernetes cluster\nUsage: stop "},
           {{"k", "delete", "--help"}, "delete the Kubernetes cluster\nUsage: delete "}}) {
    auto r = colima(c.args);
    EXPECT_EQ(r.exit_code, 0) << c.args[0] << ": " << r.err;
    EXPECT_TRUE(r.out.starts_with(c.help)) << c.args[0] << ":\n" << r.out;
  }
}

TEST_F(ColimaCli, AnUnknownCommandSuggestsTheNearestAndExitsTwo) {
  auto r = colima({"strat"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "colima: error: unknown command 'strat' for 'colima', did you mean 'start'?\n");
  EXPECT_EQ(r.out, "");
}

TEST_F(ColimaCli, AnUnknownFlagSuggestsTheNearest) {
  auto r = colima({"start", "--cpuss", "2"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "colima: error: unknown flag '--cpuss' for 'colima start', did you mean '--cpus'?\n");
  EXPECT_FALSE(fs::exists(settings()));
}

TEST_F(ColimaCli, StartSavesTheFlagsAsSettingsBeforeCheckingLimactl) {
  auto r = colima({"start",
                   "--cpus",
                   "4",
                   "-m",
                   "3.5",
                   "--disk",
                   "120",
                   "--runtime",
                   "containerd",
                   "--mount",
                   "/tmp/a:w",
                   "-V",
                   "/opt/b:/b",
                   "--env",
                   "A=1,B=x y",
                   "--dns",
                   "1.1.1.1,8.8.8.8",
                   "--dns-host",
                   "example.com=1.2.3.4",
                   "--k3s-arg",
                   "--disable=servicelb",
                   "--activate=false",
                   "--binfmt=false",
                   "--hostname",
                   "devbox",
                   "--ssh-port",
                   "2222",
                   "--cpu-type",
                   "max"});
  EXPECT_EQ(r.exit_code, k_stopped_at_limactl) << r.err;
  EXPECT_TRUE(contains(r.err, "limactl 1.0.0 is older than the minimum 2.0.0")) << r.err;
  std::string text = settings_text();
  for (const char* line :
       {"\ncpu: 4\n", "\nmemory: 3.5\n", "\ndisk: 120\n", "\nruntime: containerd\n",
        "  - location: /tmp/a\n    writable: true\n", "  - location: /opt/b\n    mountPoint: /b\n",
        "\n  A: 1\n", "\n  B: x y\n", "\n  dns: [1.1.1.1, 8.8.8.8]\n",
        "\n    example.com: 1.2.3.4\n", "\n  k3sArgs: [--disable=servicelb]\n",
        "\nautoActivate: false\n", "\nbinfmt: false\n", "\nhostname: devbox\n", "\nsshPort: 2222\n",
        "\ncpuType: max\n"}) {
    EXPECT_TRUE(contains(text, line)) << line << "\nin:\n" << text;
  }
}

TEST_F(ColimaCli, BadValuesAreRefusedAndNothingIsWritten) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {{"start", "--cpus", "0"}, "invalid number of cpus '0'"},
           {{"start", "--cpus", "-2"}, "invalid number of cpus '-2'"},
           {{"start", "--memory", "0"}, "invalid memory '0'"},
           {{"start", "--disk", "-1"}, "invalid disk size '-1'"},
           {{"start", "--runtime", "dockr"}, "invalid runtime 'dockr', did you mean 'docker'?"},
           {{"start", "--arch", "sparc"}, "invalid architecture 'sparc'"},
           {{"start", "--vm-type", "vz"}, "vm type 'vz' is only available on macOS"},
           {{"start", "--mount-type", "virtiofs"},
            "mount type 'virtiofs' is only available on macOS"},
           {{"start", "--network-address"}, "only available on macOS"},
           {{"start", "--vz-rosetta"}, "only available on macOS"},
           {{"start", "--mount", "/a:bad"}, "invalid mount '/a:bad'"},
           {{"start", "--env", "NOEQUALS"}, "invalid --env 'NOEQUALS': use KEY=VALUE"},
           {{"start", "--dns", "not-an-ip"}, "invalid DNS resolver 'not-an-ip'"},
           {{"start", "--cpus", "many"}, "invalid value 'many' for '--cpus': it is not a number"},
           {{"start", "bad/name"}, "invalid profile name 'bad/name'"},
           {{"start", "-p", "$(touch /tmp/x)"}, "invalid profile name '$(touch /tmp/x)'"},
           {{"start", "--hostname", "a`id`"}, "invalid hostname 'a`id`'"},
       }) {
    auto r = colima(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args.back() << ": " << r.err;
    EXPECT_TRUE(r.err.starts_with("colima: error: ")) << r.err;
    EXPECT_TRUE(contains(r.err, c.message)) << r.err;
    EXPECT_FALSE(fs::exists(m_home / ".config" / "colima")) << c.args.back();
  }
}

TEST_F(ColimaCli, ACorruptSettingsFileIsReportedWithItsPositionAndLeftAsItWas) {
  std::string corrupt = "cpu: 2\nmemory: [1,\n";
  write(settings(), corrupt);
  auto r = colima({"start", "--cpus", "3"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "colima: error: " + settings().string() + ":3:1: end of sequence flow not found\n");
  EXPECT_EQ(settings_text(), corrupt);
}

TEST_F(ColimaCli, FlagsOverrideTheSavedProfileAndKeepTheRestOfIt) {
  ASSERT_EQ(colima({"start", "--cpus", "6", "--memory", "4"}).exit_code, k_stopped_at_limactl);
  ASSERT_EQ(colima({"start", "--memory", "3"}).exit_code, k_stopped_at_limactl);
  std::string text = settings_text();
  EXPECT_TRUE(contains(text, "\ncpu: 6\n")) << text;
  EXPECT_TRUE(contains(text, "\nmemory: 3\n")) << text;
}

TEST_F(ColimaCli, ANewProfileStartsFromTheTemplateUnlessTemplateIsFalse) {
  write(m_home / ".config/colima/_templates/default.yaml", "cpu: 5\nmemory: 7\n");
  ASSERT_EQ(colima({"start", "first"}).exit_code, k_stopped_at_limactl);
  EXPECT_TRUE(contains(settings_text("first"), "\ncpu: 5\n"));
  ASSERT_EQ(colima({"start", "second", "--template=false"}).exit_code, k_stopped_at_limactl);
  EXPECT_TRUE(contains(settings_text("second"), "\ncpu: 2\n"));
}

TEST_F(ColimaCli, SaveConfigFalseWritesNothing) {
  auto r = colima({"start", "--save-config=false", "--cpus", "3"});
  EXPECT_EQ(r.exit_code, k_stopped_at_limactl);
  EXPECT_FALSE(fs::exists(settings()));
}

TEST_F(ColimaCli, TheProfileComesFromTheFlagThenThePositionalThenTheEnvironment) {
  ASSERT_EQ(colima({"start", "positional", "-p", "flag"}).exit_code, k_stopped_at_limactl);
  EXPECT_TRUE(fs::exists(settings("flag")));
  EXPECT_FALSE(fs::exists(settings("positional")));
  ASSERT_EQ(colima({"start", "colima-second"}).exit_code, k_stopped_at_limactl);
  EXPECT_TRUE(fs::exists(settings("second")));
  ASSERT_EQ(colima({"start"}, {{"COLIMA_PROFILE", "fromenv"}}).exit_code, k_stopped_at_limactl);
  EXPECT_TRUE(fs::exists(settings("fromenv")));
}

TEST_F(ColimaCli, TheDefaultRuntimeVariableAppliesToANewProfile) {
  ASSERT_EQ(colima({"start"}, {{"COLIMA_DEFAULT_RUNTIME", "containerd"}}).exit_code,
            k_stopped_at_limactl);
  EXPECT_TRUE(contains(settings_text(), "\nruntime: containerd\n"));
}

TEST_F(ColimaCli, ColimaHomeVariableMovesAllFiles) {
  fs::path home = m_home / "elsewhere";
  ASSERT_EQ(colima({"start"}, {{"COLIMA_HOME", home.string()}}).exit_code, k_stopped_at_limactl);
  EXPECT_TRUE(fs::exists(home / "default" / "colima.yaml"));
}

TEST_F(ColimaCli, ArchitectureCannotChangeOnceTheVmExists) {
  write(m_home / ".config/colima/_lima/colima-arm/colima.yaml", "arch: aarch64\n");
  write(settings("arm"), "arch: aarch64\n");
  auto r = colima({"start", "arm", "--arch", "x86_64"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "the architecture cannot change once the VM exists")) << r.err;
  EXPECT_TRUE(contains(r.err, "colima delete arm")) << r.err;
  EXPECT_EQ(settings_text("arm"), "arch: aarch64\n");
}

TEST_F(ColimaCli, EditOpensTheEditorAndSavesWhatTheUserWrote) {
  fs::path editor = m_home / "editor.sh";
  write(editor, "#!/bin/sh\nsed -i 's/^cpu: .*/cpu: 7/' \"$1\"\n");
  fs::permissions(editor, fs::perms(0755));
  auto r = colima({"start", "--edit", "--editor", editor.string()});
  EXPECT_EQ(r.exit_code, k_stopped_at_limactl) << r.err;
  EXPECT_TRUE(contains(settings_text(), "\ncpu: 7\n"));
}

TEST_F(ColimaCli, EmptyingTheFileInTheEditorAbortsTheStart) {
  fs::path editor = m_home / "editor.sh";
  write(editor, "#!/bin/sh\n: > \"$1\"\n");
  fs::permissions(editor, fs::perms(0755));
  auto r = colima({"start", "-e"}, {{"EDITOR", editor.string()}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "colima: error: empty file, startup aborted\n");
}

TEST_F(ColimaCli, VersionPrintsTheColimaVersion) {
  auto r = colima({"version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(r.out.starts_with("colima version v0.10.3\n")) << r.out;
  EXPECT_EQ(colima({"--version"}).out, "colima version v0.10.3\n");
}

TEST_F(ColimaCli, CompletionScriptsCoverTheCommands) {
  auto bash = colima({"completion", "bash"});
  EXPECT_EQ(bash.exit_code, 0);
  EXPECT_TRUE(contains(bash.out, "complete -F _colima colima"));
  EXPECT_TRUE(contains(bash.out, "--cpus"));
  EXPECT_TRUE(contains(colima({"completion", "fish"}).out, "-a start"));
  EXPECT_TRUE(contains(colima({"completion", "zsh"}).out, "#compdef colima"));
  EXPECT_EQ(colima({"completion", "tcsh"}).exit_code, 2);
}

TEST_F(ColimaCli, TemplatePrintShowsTheTemplatePath) {
  auto r = colima({"template", "--print"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, (m_home / ".config/colima/_templates/default.yaml").string() + "\n");
}

TEST_F(ColimaCli, AProfileNamedLikeACommandIsTheProfileNotTheCommand) {
  write(m_home / "bin" / "limactl", "#!/bin/sh\nexit 0\n");
  fs::permissions(m_home / "bin" / "limactl", fs::perms(0755));
  for (const char* name : {"k8s", "ls", "kube"}) {
    auto r = colima({"status", name, "--json"});
    EXPECT_EQ(r.exit_code, 5) << name << ": " << r.err;
    EXPECT_TRUE(contains(r.err, std::string("colima [profile=") + name + "] does not exist"))
        << r.err;
  }
}

TEST_F(ColimaCli, KubernetesCommandsNeedARunningVm) {
  // A Lima with no instances.
  write(m_home / "bin" / "limactl", "#!/bin/sh\nexit 0\n");
  fs::permissions(m_home / "bin" / "limactl", fs::perms(0755));
  for (const char* action : {"start", "stop", "delete", "reset"}) {
    auto r = colima({"kubernetes", action});
    EXPECT_EQ(r.exit_code, 1) << action;
    EXPECT_TRUE(contains(r.err, "colima: error: colima is not running")) << r.err;
    EXPECT_EQ(r.out, "");
  }
  auto r = colima({"k8s", "load", "my-app"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "colima is not running")) << r.err;
}

TEST_F(ColimaCli, KubernetesWithoutAContainerEngineIsRefusedAndNothingIsWritten) {
  for (const char* runtime : {"none", "incus"}) {
    auto r = colima({"start", "--runtime", runtime, "--kubernetes"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_TRUE(contains(r.err, std::string("colima: error: kubernetes cannot run on the '") +
                                    runtime + "' runtime"))
        << r.err;
    EXPECT_FALSE(fs::exists(m_home / ".config/colima/default/colima.yaml"));
  }
}

TEST_F(ColimaCli, BadKubernetesInputExitsTwoAndWritesNothing) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--kubernetes-version", "1.35"},
           {"--kubernetes-version", "v1.35.4-rc.1"},
           {"--k3s-arg", "--node-label=$(id)"},
           {"--k3s-arg", "--node-name=a;b"},
           {"--k3s-listen-port", "70000"},
           {"--kubernetes-version", "v1.35.4", "--k3s-arg", "--flannel-backend=none"},
           {"--kubernetes-version", "v1.35.4", "--k3s-arg", "--disable=kube-proxy"}}) {
    std::vector<std::string> argv = {"start", "--kubernetes"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = colima(argv);
    EXPECT_EQ(r.exit_code, 2) << args.back() << ": " << r.err;
    EXPECT_TRUE(contains(r.err, "colima: error: ")) << r.err;
    EXPECT_FALSE(fs::exists(m_home / ".config/colima/default")) << args.back();
  }
}

TEST_F(ColimaCli, AKubeconfigPathThatIsADirectoryIsRefusedBeforeAnythingStarts) {
  fs::create_directories(m_home / "kubeconfig-dir");
  auto r = colima({"start", "--kubernetes", "--kubernetes-version", "v1.35.4"},
                  {{"KUBECONFIG", (m_home / "kubeconfig-dir").string()}});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "kubeconfig-dir")) << r.err;
  EXPECT_FALSE(fs::exists(m_home / ".config/colima/default/colima.yaml"));
}

TEST_F(ColimaCli, NerdctlInstallOfAProfileWithoutContainerdIsRefusedAndWritesNothing) {
  fs::path shim = m_home / "bin" / "nerdctl";
  auto r = colima({"nerdctl", "install", "--path", shim.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "colima: error: nerdctl only supports the containerd runtime"))
      << r.err;
  EXPECT_FALSE(fs::exists(shim));
}

namespace {

// A limactl that knows one running VM, colima-ctr, whose profile was started with the runtime;
// `limactl shell` writes its arguments, one a line, to $HOME/shell-argv and exits 7.
void fake_vm(const fs::path& home, const std::string& runtime) {
  util::atomic_write(home / "bin" / "limactl",
                     "#!/bin/sh\n"
                     "case \"$1\" in\n"
                     "  list) echo '{\"name\":\"colima-ctr\",\"status\":\"Running\"}' ;;\n"
                     "  shell) printf '%s\\n' \"$@\" > \"$HOME/shell-argv\"; exit 7 ;;\n"
                     "esac\n",
                     fs::perms(0755));
  config::Settings settings;
  settings.runtime = runtime;
  config::Paths paths(home, home / ".config" / "colima");
  config::save_settings(paths.state_file(config::Profile::from_name("ctr")), settings);
}

} // namespace

TEST_F(ColimaCli, NerdctlRunsNerdctlInTheVmInTheUsersDirectoryAndExitsWithItsStatus) {
  fake_vm(m_home, "containerd");
  fs::path project = m_home / "project";
  fs::create_directories(project);
  auto r = colima(
      {"nerdctl", "--profile", "ctr", "--", "run", "--rm", "-it", "busybox"},
      {{"PWD", project.string()}, {"NERDCTL_HOSTILE", "$(touch /tmp/colima-pwned) 'q'"}}, project);
  EXPECT_EQ(r.exit_code, 7) << "nerdctl's own exit status: " << r.err;
  EXPECT_EQ(util::read_file(m_home / "shell-argv"),
            "shell\n--workdir\n" + project.string() +
                "\ncolima-ctr\nsudo\nenv\nNERDCTL_HOSTILE=$(touch /tmp/colima-pwned) "
                "'q'\nnerdctl\nrun\n--rm\n-it\nbusybox\n");
}

TEST_F(ColimaCli, NerdctlAliasOutsideTheHomeMountRunsAtTheGuestsRoot) {
  fake_vm(m_home, "containerd");
  auto r = colima({"-p", "ctr", "n", "--", "ps", "-a"}, {}, "/");
  EXPECT_EQ(r.exit_code, 7) << r.err;
  EXPECT_EQ(util::read_file(m_home / "shell-argv"),
            "shell\n--workdir\n/\ncolima-ctr\nsudo\nnerdctl\nps\n-a\n");
}

TEST_F(ColimaCli, NerdctlOfADockerProfileIsRefusedWithTheRuntimeItUses) {
  fake_vm(m_home, "docker");
  auto r = colima({"nerd", "-p", "ctr", "--", "ps"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "colima: error: nerdctl only supports the containerd runtime: "
                              "profile 'ctr' uses 'docker'; "))
      << r.err;
  EXPECT_FALSE(fs::exists(m_home / "shell-argv"));
}

TEST_F(ColimaCli, NerdctlInstallWritesAShimCallingColimaBinaryForTheProfile) {
  fake_vm(m_home, "containerd");
  fs::path shim = m_home / "tools" / "nerdctl";
  auto r = colima({"nerdctl", "install", "--profile", "ctr", "--path", shim.string()},
                  {{"COLIMA_BINARY", "/opt/colima tools/colima"}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(util::read_file(shim),
            "#!/usr/bin/env sh\n# colima nerdctl shim for profile 'ctr'; `colima nerdctl "
            "install` wrote it.\n\nexec '/opt/colima tools/colima' nerdctl --profile ctr -- "
            "\"$@\"\n");
  r = colima({"nerdctl", "install", "-p", "ctr", "--path", shim.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(util::read_file(shim), app::nerdctl_shim("ctr", fs::canonical(COLIMA_BINARY_PATH)))
      << "without COLIMA_BINARY, this colima";
}

TEST_F(ColimaCli, CloneRefusesBadNamesAndTheSameProfile) {
  auto r = colima({"clone", "a", "b/../c"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = colima({"clone", "a", "colima-a"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "cannot clone 'a' onto itself")) << r.err;
}

TEST_F(ColimaCli, ACommandOnAProfileAnotherColimaIsWorkingOnSaysWhoAndChangesNothing) {
  fs::path file = m_home / ".config" / "colima" / "_locks" / "colima.lock";
  // The VM exists (commands on a profile that does not exist fail before taking the lock).
  fs::create_directories(m_home / ".config" / "colima" / "_lima" / "colima");
  auto held = util::FileLock::try_lock(file, "pid 4242: colima start");
  ASSERT_TRUE(held);
  for (const char* command : {"start", "stop", "restart", "delete", "update"}) {
    std::vector<std::string> args = {command};
    if (std::string(command) == "delete") {
      args.push_back("--force");
    }
    auto r = colima(args);
    EXPECT_EQ(r.exit_code, 1) << command;
    EXPECT_TRUE(contains(r.err, "colima: error: another colima command is working on colima "
                                "(pid 4242: colima start): wait for it to finish"))
        << command << ": " << r.err;
  }
  EXPECT_FALSE(fs::exists(settings())) << "a refused start writes no settings";
  auto other = colima({"start", "other"});
  EXPECT_EQ(other.exit_code, k_stopped_at_limactl)
      << "other profiles are not locked: " << other.err;
}

TEST_F(ColimaCli, AnUnwritableColimaHomeIsAClearErrorNamingThePath) {
  fs::path home = m_home / "read-only";
  fs::create_directories(home);
  fs::permissions(home, fs::perms(0500));
  auto r = colima({"start"}, {{"COLIMA_HOME", (home / "colima").string()}});
  fs::permissions(home, fs::perms(0700));
  if (::geteuid() == 0) {
    GTEST_SKIP() << "root writes anywhere";
  }
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(
      contains(r.err, "colima: error: cannot create directory '" + (home / "colima").string()))
      << r.err;
}

TEST_F(ColimaCli, StatusJsonStillPrintsOneObjectWhenLimaCannotBeAsked) {
  fs::remove(m_home / "bin" / "limactl");
  // Lima's overrides: only limactl reads such a home, and it is missing.
  util::atomic_write(m_home / ".colima" / "_lima" / "_config" / "override.yaml", "cpus: 8\n");
  auto r = colima({"status", "--json", "--profile", "work"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.out, "{\"display_name\":\"colima [profile=work]\",\"status\":\"Unknown\","
                   "\"error\":\"error listing instances: 'limactl' not found\"}\n");
  EXPECT_TRUE(contains(r.err, "colima: error: error listing instances: 'limactl' not found"))
      << r.err;
}

TEST_F(ColimaCli, StatusAndListReadLimasDirectoriesWithoutRunningLimactl) {
  fs::remove(m_home / "bin" / "limactl");
  util::atomic_write(m_home / ".colima" / "_lima" / "colima-work" / "lima.yaml",
                     "vmType: qemu\narch: x86_64\ncpus: 2\nmemory: 2048MiB\ndisk: 20GiB\n");
  auto r = colima({"status", "--json", "--profile", "work"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["status"], "Stopped") << r.out;
  r = colima({"list", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "{\"name\":\"work\",\"status\":\"Stopped\",\"arch\":\"x86_64\",\"cpus\":2,"
                   "\"memory\":2147483648,\"disk\":21474836480}\n");
}

TEST_F(ColimaCli, AMissingLimactlIsAClearErrorWithTheInstallHint) {
  fs::remove(m_home / "bin" / "limactl");
  auto r = colima({"start"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(
      contains(r.err, "colima: error: limactl not found on PATH: install Lima 2.0.0 or newer"))
      << r.err;
}

TEST_F(ColimaCli, PruneRefusesWithoutATerminalUnlessForced) {
  auto r = colima({"prune"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "pass --force")) << r.err;
  write(m_home / ".config/colima/_cache/images/x", "data");
  EXPECT_EQ(colima({"prune", "--force"}).exit_code, 0);
  EXPECT_FALSE(fs::exists(m_home / ".config/colima/_cache"));
}

} // namespace colima::cli
