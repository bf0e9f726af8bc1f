// Black-box: no value a user supplies becomes code. Every field colima passes on (profile name,
// mount path, env value, dns host, k3s argument, provision script, hostname) is given shell
// syntax, quotes, spaces, semicolons, a newline and non-ASCII, through colima.yaml and flags,
// to the real colima binary with a fake limactl that records every call. Each value is either
// refused with exit 2 and quoted, or reaches Lima as data: a YAML value, one argv word, or the
// exact stdin of `sh -s` (a provision script is the user's own code, run as written, once).
// A marker file that any of them would create by running never appears.
#include "colima/config/settings_file.hpp"
#include "colima/process/posix_runner.hpp"
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace colima::cli {

namespace fs = std::filesystem;

namespace {

// One limactl call: its argv and, for `limactl shell`, its stdin.
struct Call {
  std::vector<std::string> argv;
  std::string stdin_data;
};

class HostileInput : public ::testing::Test {
protected:
  void SetUp() override {
    m_marker = m_home.path() / "pwned";
    fs::path bin = m_home.path() / "bin";
    // limactl 2.2.0 that records each call (argv NUL-separated, shell's stdin beside it) and
    // knows no instance; qemu-img that calls every image qcow2.
    util::atomic_write(bin / "limactl",
                       "#!/bin/sh\n"
                       "calls=\"$HOME/calls\"; mkdir -p \"$calls\"\n"
                       "n=$(ls \"$calls\" | grep -c 'argv$')\n"
                       "printf '%s\\0' \"$@\" > \"$calls/$n.argv\"\n"
                       "case \"$1\" in\n"
                       "  --version) echo 'limactl version 2.2.0' ;;\n"
                       "  shell) cat > \"$calls/$n.stdin\" ;;\n"
                       "esac\n",
                       fs::perms(0755));
    util::atomic_write(bin / "qemu-img", "#!/bin/sh\necho '{\"format\": \"qcow2\"}'\n",
                       fs::perms(0755));
    util::atomic_write(m_home.path() / "image.qcow2", "image");
    m_hostile = {"$(touch " + m_marker.string() + ")",
                 "`touch " + m_marker.string() + "`",
                 "'; touch " + m_marker.string() + "; '",
                 "\"; touch " + m_marker.string() + "; \"",
                 "a b;touch " + m_marker.string(),
                 "x\ntouch " + m_marker.string(),
                 "\u00fc\u00f1 \u65e5\u672c"};
  }

  void TearDown() override {
    EXPECT_FALSE(fs::exists(m_marker)) << "a value ran as a shell command on the host";
  }

  fs::path profile_dir(const std::string& profile) const {
    return m_home.path() / ".config" / "colima" / profile;
  }

  // Settings that get past everything but the values under test.
  config::Settings base() const {
    config::Settings settings;
    settings.runtime = "none";
    settings.disk_image = (m_home.path() / "image.qcow2").string();
    settings.mounts = std::vector<config::Mount>{};
    return settings;
  }

  process::Result colima(std::vector<std::string> args) {
    args.insert(args.begin(), COLIMA_BINARY_PATH);
    return m_runner.run(process::Command{
        .argv = args,
        .env = {{"HOME", m_home.path().string()},
                {"PATH", (m_home.path() / "bin").string() + ":/usr/bin:/bin"},
                {"COLIMA_ACCELERATOR", "tcg"}},
        .unset_env = {"COLIMA_HOME", "COLIMA_PROFILE", "XDG_CONFIG_HOME", "COLIMA_CACHE_HOME"}});
  }

  // Starts the profile from these settings; returns the result.
  process::Result start(const std::string& profile, const config::Settings& settings) {
    config::save_settings(profile_dir(profile) / "colima.yaml", settings);
    return colima({"start", "--profile", profile});
  }

  std::vector<Call> calls() const {
    std::vector<Call> found;
    for (int i = 0;; ++i) {
      fs::path dir = m_home.path() / "calls";
      auto argv = util::read_file(dir / (std::to_string(i) + ".argv"));
      if (!argv) {
        return found;
      }
      Call call{util::split(*argv, '\0'),
                util::read_file(dir / (std::to_string(i) + ".stdin")).value_or("")};
      if (!call.argv.empty() && call.argv.back().empty()) {
        call.argv.pop_back();
      }
      found.push_back(call);
    }
  }

  bool started_a_vm() const {
    for (const auto& call : calls()) {
      if (!call.argv.empty() && call.argv.front() == "start") {
        return true;
      }
    }
    return false;
  }

  test::TempDir m_home;
  fs::path m_marker;
  std::vector<std::string> m_hostile;
  process::PosixRunner m_runner;
};

} // namespace

TEST_F(HostileInput, EnvValuesReachLimaAsYamlValuesExactlyAndOnesWithANewlineAreRefused) {
  config::Settings settings = base();
  std::vector<std::string> values;
  for (const auto& value : m_hostile) {
    if (!util::has_control_character(value)) {
      values.push_back(value);
    }
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    settings.env["HOSTILE_" + std::to_string(i)] = values[i];
  }
  process::Result r = start("env", settings);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  YAML::Node document = YAML::LoadFile((profile_dir("env") / "lima.yaml").string());
  for (std::size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(document["env"]["HOSTILE_" + std::to_string(i)].as<std::string>(), values[i]);
  }

  // Lima writes the variables one per line into the guest's environment: a newline would
  // end the value there and start a variable of the user's choosing.
  settings.env = {{"NEWLINE", "x\ntouch " + m_marker.string()}};
  r = start("envnl", settings);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("colima: error: invalid value of the environment variable 'NEWLINE' "
                       "('x\\x0atouch "),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(profile_dir("envnl") / "lima.yaml"));
}

TEST_F(HostileInput, AProvisionScriptIsRunOnceAsWrittenOnTheStdinOfShNeverSpliced) {
  config::Settings settings = base();
  std::string script = "#!/bin/sh\n";
  for (const auto& value : m_hostile) {
    script += "# " + value + "\n";
  }
  settings.provision = {{"after-boot", script}, {"ready", "true # " + m_hostile[0]}};
  process::Result r = start("provision", settings);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<Call> shells;
  for (const auto& call : calls()) {
    if (!call.argv.empty() && call.argv.front() == "shell") {
      shells.push_back(call);
    }
  }
  ASSERT_EQ(shells.size(), 2U);
  EXPECT_EQ(shells[0].argv,
            (std::vector<std::string>{"shell", "--workdir", "/", "colima-provision", "sh", "-s"}));
  EXPECT_EQ(shells[0].stdin_data, script);
  EXPECT_EQ(shells[1].argv, shells[0].argv);
  EXPECT_EQ(shells[1].stdin_data, "true # " + m_hostile[0]);
}

TEST_F(HostileInput, K3sArgumentsWithShellSyntaxWhitespaceOrANewlineAreRefused) {
  for (const auto& value : m_hostile) {
    config::Settings settings = base();
    settings.kubernetes.k3s_args = {value};
    process::Result r = start("k3s", settings);
    if (value.find_first_of("$`'\";\n ") == std::string::npos) {
      continue;
    }
    EXPECT_EQ(r.exit_code, 2) << value << ": " << r.err;
    EXPECT_NE(r.err.find("colima: error: invalid k3s argument '"), std::string::npos) << r.err;
    EXPECT_TRUE(calls().empty()) << "nothing runs for " << value;
  }
  config::Settings settings = base();
  settings.kubernetes.k3s_args = {"--node-label=team=\u00fc\u00f1", "--disable=traefik"};
  process::Result r = start("k3s", settings);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto saved = config::load_settings(profile_dir("k3s") / "colima.yaml");
  ASSERT_TRUE(saved);
  EXPECT_EQ(saved->settings.kubernetes.k3s_args, settings.kubernetes.k3s_args);
}

TEST_F(HostileInput, ANonAsciiMountPathIsDataAndShellSyntaxInOneIsRefused) {
  config::Settings settings = base();
  std::string plain = (m_home.path() / "\u00fc\u00f1-\u65e5\u672c").string();
  settings.mounts = std::vector<config::Mount>{{plain, "", true}};
  ASSERT_EQ(start("mount", settings).exit_code, 0);
  YAML::Node document = YAML::LoadFile((profile_dir("mount") / "lima.yaml").string());
  EXPECT_EQ(document["mounts"][0]["location"].as<std::string>(), plain);

  for (std::size_t i = 0; i + 1 < m_hostile.size(); ++i) {
    settings.mounts = std::vector<config::Mount>{{"/tmp/" + m_hostile[i], "", true}};
    process::Result r = start("m" + std::to_string(i), settings);
    EXPECT_EQ(r.exit_code, 2) << m_hostile[i] << ": " << r.err;
    EXPECT_NE(r.err.find("colima: error: invalid mount"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(profile_dir("m" + std::to_string(i)) / "lima.yaml"));
  }
}

TEST_F(HostileInput, ProfileNamesHostnamesAndDnsHostsWithShellSyntaxAreRefusedAndQuoted) {
  for (const auto& value : m_hostile) {
    // A newline is shown escaped (\x0a) so that the error stays one line.
    std::string quoted = value.find('\n') == std::string::npos ? "'" + value + "'" : "'x\\x0a";
    process::Result r = colima({"start", "--profile", value});
    EXPECT_EQ(r.exit_code, 2) << value << ": " << r.err;
    EXPECT_NE(r.err.find("colima: error: invalid profile name " + quoted), std::string::npos)
        << r.err;

    config::Settings settings = base();
    settings.hostname = value;
    r = start("hostname", settings);
    EXPECT_EQ(r.exit_code, 2) << value << ": " << r.err;
    EXPECT_NE(r.err.find("invalid hostname " + quoted), std::string::npos) << r.err;

    settings = base();
    settings.network.dns_hosts = {{value, "10.0.0.1"}};
    r = start("dnsname", settings);
    EXPECT_EQ(r.exit_code, 2) << value << ": " << r.err;
    EXPECT_NE(r.err.find(quoted), std::string::npos) << r.err;

    settings.network.dns_hosts = {{"a.test", value}};
    r = start("dnstarget", settings);
    EXPECT_EQ(r.exit_code, 2) << value << ": " << r.err;
    EXPECT_NE(r.err.find(quoted), std::string::npos) << r.err;
  }
  EXPECT_FALSE(started_a_vm());
}

} // namespace colima::cli
