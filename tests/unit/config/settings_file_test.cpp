#include "colima/config/settings_file.hpp"
#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

namespace colima::config {

namespace {
std::string error_of(const std::string& text) {
  try {
    parse_settings(text, "/p/colima.yaml");
  } catch (const UsageError& error) {
    return error.what();
  }
  return "no error";
}
} // namespace

TEST(SettingsFile, TheDefaultFileParsesToTheDefaultSettings) {
  Settings defaults;
  EXPECT_EQ(parse_settings(render_settings(defaults), "x").settings, defaults);
}

TEST(SettingsFile, RenderedSettingsKeepTheCommentsOfTheDefaultFile) {
  std::string text = render_settings(Settings{});
  EXPECT_NE(text.find("# Number of CPUs allocated to the virtual machine."), std::string::npos);
  EXPECT_NE(text.find("\ncpu: 2\n"), std::string::npos);
  EXPECT_NE(text.find("\n  k3sArgs: [--disable=traefik]\n"), std::string::npos);
  EXPECT_NE(text.find("\n  dnsHosts:\n    host.docker.internal: host.lima.internal\n"),
            std::string::npos);
  EXPECT_NE(text.find("\nmounts: []\n"), std::string::npos);
}

TEST(SettingsFile, EveryKindOfValueSurvivesARoundTrip) {
  Settings s;
  s.cpu = 6;
  s.memory = 1.5;
  s.disk = 150;
  s.arch = "aarch64";
  s.runtime = "containerd";
  s.hostname = "dev-box";
  s.kubernetes.enabled = true;
  s.kubernetes.k3s_args = {"--disable=traefik", "--disable=servicelb"};
  s.kubernetes.port = 6443;
  s.network.dns = {"1.1.1.1", "2606:4700:4700::1111"};
  s.network.dns_hosts = {{"example.com", "1.2.3.4"}};
  s.docker = {{"features", {{"buildkit", false}}},
              {"insecure-registries", {"r.local:5000"}},
              {"debug", true},
              {"max-concurrent-downloads", 3}};
  s.provision = {{"system", "echo 'a b'\necho two"}, {"ready", "true"}};
  s.mounts = std::vector<Mount>{{"~/src", "/src", true}, {"/tmp/x y", "", false}};
  s.env = {{"A", "1"}, {"B", "two words"}, {"C", "$(touch /tmp/x)"}};
  s.cpu_type = "qemu64,+ssse3";
  s.disk_image = "/images/disk.qcow2";
  EXPECT_EQ(parse_settings(render_settings(s), "x").settings, s);
}

TEST(SettingsFile, NullMountsMeanNoMountsAndSurviveARoundTrip) {
  Settings s;
  s.mounts = std::nullopt;
  std::string text = render_settings(s);
  EXPECT_NE(text.find("\nmounts: null\n"), std::string::npos);
  EXPECT_EQ(parse_settings(text, "x").settings.mounts, std::nullopt);
}

TEST(SettingsFile, MissingKeysKeepTheirDefaults) {
  Settings s = parse_settings("cpu: 3\n", "x").settings;
  EXPECT_EQ(s.cpu, 3);
  EXPECT_EQ(s.memory, 2);
  EXPECT_EQ(s.runtime, "docker");
}

TEST(SettingsFile, MalformedYamlIsReportedWithPathLineAndColumn) {
  EXPECT_EQ(error_of("cpu: 2\nmemory: [1,\n"),
            "/p/colima.yaml:3:1: end of sequence flow not found");
}

TEST(SettingsFile, AValueOfTheWrongTypeIsReportedAtItsPosition) {
  EXPECT_EQ(error_of("cpu: 2\nmemory: lots\n"),
            "/p/colima.yaml:2:9: 'memory' must be a number, got 'lots'");
  EXPECT_EQ(error_of("cpu: two\n"), "/p/colima.yaml:1:6: 'cpu' must be a whole number, got 'two'");
  EXPECT_EQ(error_of("kubernetes:\n  enabled: maybe\n"),
            "/p/colima.yaml:2:12: 'kubernetes.enabled' must be true or false, got 'maybe'");
  EXPECT_EQ(error_of("mounts:\n  - writable: true\n"),
            "/p/colima.yaml:2:5: a mount needs a 'location'");
}

TEST(SettingsFile, AProvisionEntryWithoutAScriptOrWithAStrayKeyIsReported) {
  EXPECT_EQ(error_of("provision:\n  - mode: system\n"),
            "/p/colima.yaml:2:5: each of 'provision' must be a mapping with 'mode' and 'script'");
  EXPECT_EQ(error_of("provision:\n  - {mode: user, script: x, scirpt: y}\n"),
            "/p/colima.yaml:2:29: unknown key 'scirpt' in 'provision', did you mean 'script'?");
}

TEST(SettingsFile, ADockerKeyThatIsNotATextIsReported) {
  EXPECT_EQ(error_of("docker:\n  ? [a, b]\n  : 1\n"),
            "/p/colima.yaml:2:5: a key must be a text, not a list or a mapping");
}

TEST(SettingsFile, UnknownKeysAreWarnedAboutWithASuggestion) {
  LoadedSettings loaded = parse_settings("cpus: 4\n", "x");
  ASSERT_EQ(loaded.warnings.size(), 1u);
  EXPECT_EQ(loaded.warnings[0], "unknown setting 'cpus' ignored, did you mean 'cpu'?");
}

TEST(SettingsFile, AnEmptyFileMeansTheDefaults) {
  EXPECT_EQ(parse_settings("", "x").settings, Settings{});
  EXPECT_EQ(parse_settings("# only a comment\n", "x").settings, Settings{});
}

TEST(SettingsFile, IsSavedForItsOwnerAloneAsItHoldsEnvironmentValues) {
  test::TempDir dir;
  std::filesystem::path file = dir.path() / "colima.yaml";
  util::atomic_write(file, "cpu: 2\n", std::filesystem::perms(0644));
  Settings settings;
  settings.env = {{"TOKEN", "secret"}};
  save_settings(file, settings);
  EXPECT_EQ(std::filesystem::status(file).permissions(), std::filesystem::perms(0600));
}

} // namespace colima::config
