#include "colima/config/overrides.hpp"
#include "colima/config/validate.hpp"
#include "colima/util/error.hpp"

#include <gtest/gtest.h>

namespace colima::config {

namespace {
std::string error_of(const Settings& settings) {
  try {
    validate(settings);
  } catch (const Error& error) {
    return error.what();
  }
  return "no error";
}

Settings with(const std::function<void(Settings&)>& change) {
  Settings settings;
  change(settings);
  return settings;
}
} // namespace

TEST(Validate, TheDefaultsAreValid) {
  EXPECT_EQ(error_of(Settings{}), "no error");
}

TEST(Validate, ZeroOrNegativeResourcesAreRefused) {
  EXPECT_EQ(error_of(with([](Settings& s) { s.cpu = 0; })),
            "invalid number of cpus '0': use a whole number of 1 or more");
  EXPECT_EQ(error_of(with([](Settings& s) { s.memory = -1; })),
            "invalid memory '-1': use a size in GiB greater than 0, e.g. 2 or 1.5");
  EXPECT_EQ(error_of(with([](Settings& s) { s.disk = 0; })),
            "invalid disk size '0': use a whole number of GiB, 1 or more");
}

TEST(Validate, UnknownChoicesSuggestTheNearestValidValue) {
  EXPECT_EQ(error_of(with([](Settings& s) { s.runtime = "dockr"; })),
            "invalid runtime 'dockr', did you mean 'docker'?");
  EXPECT_EQ(error_of(with([](Settings& s) { s.arch = "sparc"; })),
            "invalid architecture 'sparc' (valid: x86_64, aarch64, host)");
  EXPECT_EQ(error_of(with([](Settings& s) { s.mount_type = "sshf"; })),
            "invalid mount type 'sshf', did you mean 'sshfs'?");
  EXPECT_EQ(error_of(with([](Settings& s) { s.vm_type = "kvm"; })),
            "invalid vm type 'kvm' (valid: qemu)");
}

TEST(Validate, MacosOnlyOptionsAreRefusedOnLinux) {
  EXPECT_EQ(error_of(with([](Settings& s) { s.vm_type = "vz"; })),
            "vm type 'vz' is only available on macOS: use 'qemu' on Linux");
  EXPECT_EQ(error_of(with([](Settings& s) { s.rosetta = true; })),
            "rosetta (--vz-rosetta) is only available on macOS");
  EXPECT_EQ(error_of(with([](Settings& s) { s.mount_type = "virtiofs"; })),
            "mount type 'virtiofs' is only available on macOS: use 'sshfs' or '9p' on Linux");
  EXPECT_EQ(error_of(with([](Settings& s) { s.network.address = true; })),
            "a reachable network address (--network-address) is only available on macOS");
  EXPECT_EQ(error_of(with([](Settings& s) { s.model_runner = "ramalama"; })),
            "the AI model runner 'ramalama' (--model-runner) is only available on macOS: leave "
            "it at 'docker' on Linux");
}

TEST(Validate, NetworkValuesMustBeAddresses) {
  EXPECT_EQ(error_of(with([](Settings& s) {
              s.network.dns = {"1.1.1.1", "one.one"};
            })),
            "invalid DNS resolver 'one.one': it must be an IP address, e.g. 1.1.1.1");
  EXPECT_EQ(error_of(with([](Settings& s) { s.network.gateway_address = "192.168.5.1"; })),
            "invalid gateway address '192.168.5.1': its last octet must be 2, e.g. 192.168.5.2");
  EXPECT_EQ(error_of(with([](Settings& s) {
              s.network.dns_hosts = {{"$(id)", "1.2.3.4"}};
            })),
            "invalid DNS host name '$(id)': use a host name such as example.com");
}

TEST(Validate, ValuesThatCouldBecomeShellCodeAreRefused) {
  EXPECT_EQ(error_of(with([](Settings& s) { s.hostname = "a;reboot"; })),
            "invalid hostname 'a;reboot': use letters, digits, '-' and '.' only");
  EXPECT_EQ(error_of(with([](Settings& s) {
              s.env = {{"A B", "x"}};
            })),
            "invalid environment variable name 'A B': use letters, digits and '_'");
  EXPECT_EQ(error_of(with([](Settings& s) {
              s.env = {{"A", "1\nB=2"}};
            })),
            "invalid value of the environment variable 'A' ('1\nB=2'): it holds a control "
            "character (newline, tab, ...), which would not reach the guest intact");
  EXPECT_EQ(error_of(with([](Settings& s) { s.cpu_type = "max;id"; })),
            "invalid cpu type 'max;id': use a QEMU CPU model such as max or qemu64,+ssse3");
}

TEST(Validate, MountsMustBeAbsolute) {
  EXPECT_EQ(error_of(with([](Settings& s) {
              s.mounts = std::vector<Mount>{{"src", "", true}};
            })),
            "invalid mount location 'src': relative paths are not supported, use an absolute path");
}

TEST(Validate, MountPathsWithShellSyntaxAreRefusedBecauseLimaRunsThemThroughAGuestShell) {
  for (std::string hostile :
       {"/tmp/x$(touch${IFS}/tmp/pwned)", "/tmp/`id`", "/tmp/a;b", "/tmp/a'q", "/tmp/a\"q",
        "/tmp/a|b", "/tmp/a&b", "/tmp/a>b", "/tmp/a\\b", "/tmp/a*", "~/$(id)"}) {
    std::string error = error_of(with([&](Settings& s) {
      s.mounts = std::vector<Mount>{{hostile, "", true}};
    }));
    EXPECT_TRUE(error.starts_with("invalid mount location '" + hostile + "': the character '"))
        << error;
    error = error_of(with([&](Settings& s) {
      s.mounts = std::vector<Mount>{{"/tmp/ok", hostile, true}};
    }));
    EXPECT_TRUE(error.starts_with("invalid mount point '" + hostile + "'")) << error;
  }
  for (std::string fine : {"~", "~/src", "$HOME/src", "${HOME}/src-1.2_x+y@z%,=", "/tmp/überall"}) {
    EXPECT_EQ(error_of(with([&](Settings& s) {
                s.mounts = std::vector<Mount>{{fine, "", true}};
              })),
              "no error")
        << fine;
  }
}

TEST(Validate, IncusIsARuntimeLikeTheOthers) {
  EXPECT_NO_THROW(validate(with([](Settings& s) { s.runtime = "incus"; })));
}

TEST(Unchangeable, ArchitectureRuntimeAndShrinkingAreRefusedWithTheRemedy) {
  Settings current;
  current.arch = "x86_64";
  Settings wanted = current;
  wanted.arch = "aarch64";
  try {
    check_unchangeable(wanted, current, "armtest");
    FAIL();
  } catch (const UsageError& error) {
    EXPECT_EQ(std::string(error.what()),
              "the architecture cannot change once the VM exists ('x86_64' to 'aarch64'): keep "
              "'x86_64', or delete the VM with 'colima delete armtest' first");
  }
  wanted = current;
  wanted.runtime = "containerd";
  EXPECT_THROW(check_unchangeable(wanted, current, "default"), UsageError);
  wanted = current;
  wanted.disk = 50;
  EXPECT_THROW(check_unchangeable(wanted, current, "default"), UsageError);
  wanted = current;
  wanted.disk = 200;
  wanted.cpu = 8;
  EXPECT_NO_THROW(check_unchangeable(wanted, current, "default"));
}

TEST(Unchangeable, AnExistingVmKeepsTheDiskImageItWasMadeFrom) {
  Settings current;
  Settings wanted = current;
  wanted.disk_image = "/images/new.qcow2";
  try {
    check_unchangeable(wanted, current, "default");
    FAIL();
  } catch (const UsageError& error) {
    EXPECT_EQ(std::string(error.what()),
              "the disk image of an existing VM cannot change (to '/images/new.qcow2'): its disk "
              "was made from colima's guest image when it was created; drop --disk-image, or "
              "delete the VM with 'colima delete' first");
  }
  current.disk_image = "/images/new.qcow2";
  EXPECT_NO_THROW(check_unchangeable(wanted, current, "default"));
  wanted.disk_image.clear();
  EXPECT_NO_THROW(check_unchangeable(wanted, current, "default")) << "no image asked for";
}

TEST(Overrides, FlagsWinOverTheProfileFileWhichWinsOverTheTemplate) {
  Settings profile;
  profile.cpu = 4;
  profile.memory = 6;
  Settings from_template;
  from_template.cpu = 8;
  from_template.disk = 300;
  SettingsOverrides flags;
  flags.memory = 3;
  Settings s = resolve_start_settings(flags, profile, from_template, true);
  EXPECT_EQ(s.cpu, 4);
  EXPECT_EQ(s.memory, 3);
  EXPECT_EQ(s.disk, 100);
  s = resolve_start_settings(flags, std::nullopt, from_template, true);
  EXPECT_EQ(s.cpu, 8);
  EXPECT_EQ(s.disk, 300);
  s = resolve_start_settings(flags, std::nullopt, from_template, false);
  EXPECT_EQ(s.cpu, 2);
}

TEST(Overrides, MountFlagsFollowUpstreamSyntax) {
  auto mounts = parse_mounts({"~:w", "/tmp:/users/tmp:w", "/a:/b", "/c"});
  ASSERT_TRUE(mounts);
  EXPECT_EQ(
      *mounts,
      (std::vector<Mount>{
          {"~", "", true}, {"/tmp", "/users/tmp", true}, {"/a", "/b", false}, {"/c", "", false}}));
  EXPECT_EQ(parse_mounts({"/a", "NONE"}), std::nullopt);
  EXPECT_THROW(parse_mounts({"/a:rw"}), UsageError);
  EXPECT_THROW(parse_mounts({":w"}), UsageError);
}

TEST(Overrides, EnvNeedsAnEqualsSignAndKeepsCommasInValues) {
  EXPECT_EQ(parse_env({"A=1,B=2", "C=x,y"}),
            (std::map<std::string, std::string>{{"A", "1"}, {"B", "2"}, {"C", "x,y"}}));
  EXPECT_THROW(parse_env({"NOEQUALS"}), UsageError);
  EXPECT_EQ(parse_dns_hosts({" example.com = 1.2.3.4 "}),
            (std::map<std::string, std::string>{{"example.com", "1.2.3.4"}}));
  EXPECT_THROW(parse_dns_hosts({"example.com="}), UsageError);
}

TEST(Overrides, ListsSplitOnCommasOutsideQuotes) {
  EXPECT_EQ(split_list("\"--disable=coredns,servicelb\",--x"),
            (std::vector<std::string>{"--disable=coredns,servicelb", "--x"}));
}

TEST(Overrides, ADoubledQuoteInsideQuotesIsOneQuoteAsInCsv) {
  EXPECT_EQ(split_list("\"/a\"\"b,c\",/d"), (std::vector<std::string>{"/a\"b,c", "/d"}));
  EXPECT_THROW(split_list("\"/a\"\""), UsageError);
}

TEST(Overrides, RegistryMirrorsGoIntoTheDockerDaemonSettings) {
  Settings s;
  s.docker = {{"debug", true}};
  SettingsOverrides flags;
  flags.registry_mirrors = std::vector<std::string>{"https://mirror.example"};
  apply(s, flags);
  EXPECT_EQ(s.docker["debug"], true);
  EXPECT_EQ(s.docker["registry-mirrors"], nlohmann::json::array({"https://mirror.example"}));
}

} // namespace colima::config
