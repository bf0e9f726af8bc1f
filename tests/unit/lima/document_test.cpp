#include "colima/lima/document.hpp"
#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"

#include <cstdlib>
#include <gtest/gtest.h>

namespace colima::lima {

namespace {
const config::Paths k_paths("/home/u", "/home/u/.config/colima");

DocumentInputs inputs() {
  return DocumentInputs{
      .image_location = "/home/u/.config/colima/_cache/images/disk.qcow2",
      .home = "/home/u",
      .data_disk = true,
      .format_data_disk = true,
      .sockets = {{"/var/run/docker.sock", "/home/u/.config/colima/default/docker.sock"},
                  {"/var/run/containerd/containerd.sock",
                   "/home/u/.config/colima/default/containerd.sock"}}};
}

config::Settings x86_settings() {
  config::Settings settings;
  settings.arch = "x86_64";
  return settings;
}
} // namespace

TEST(LimaDocument, DefaultSettingsRenderTheGoldenDocument) {
  std::string rendered =
      emit_document(render_document(x86_settings(), config::Profile(), inputs()));
  std::string path = std::string(COLIMA_TEST_DATA_DIR) + "/lima/default.yaml";
  const char* update = std::getenv("COLIMA_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    util::atomic_write(path, rendered, std::filesystem::perms(0644));
  }
  auto golden = util::read_file(path);
  ASSERT_TRUE(golden) << path;
  EXPECT_EQ(rendered, *golden);
}

TEST(LimaDocument, AnX86ImageWithItsKernelIsBootedDirectlyUnderSeaBiosInsteadOfUefiAndGrub) {
  DocumentInputs with_kernel = inputs();
  with_kernel.boot = DirectBoot{"/c/images/x/vmlinuz", "/c/images/x/initrd.img",
                                "root=LABEL=cloudimg-rootfs ro console=ttyS0 net.ifnames=0"};
  YAML::Node d = render_document(x86_settings(), config::Profile(), with_kernel);
  YAML::Node image = d["images"][0];
  EXPECT_EQ(image["location"].as<std::string>(), with_kernel.image_location);
  EXPECT_EQ(image["kernel"]["location"].as<std::string>(), "/c/images/x/vmlinuz");
  EXPECT_EQ(image["kernel"]["arch"].as<std::string>(), "x86_64");
  EXPECT_EQ(image["kernel"]["cmdline"].as<std::string>(),
            "root=LABEL=cloudimg-rootfs ro console=ttyS0 net.ifnames=0");
  EXPECT_EQ(image["initrd"]["location"].as<std::string>(), "/c/images/x/initrd.img");
  EXPECT_EQ(image["initrd"]["arch"].as<std::string>(), "x86_64");
  EXPECT_TRUE(d["firmware"]["legacyBIOS"].as<bool>());

  // Without a kernel (the user's --disk-image, an older image) the firmware boots the disk.
  YAML::Node plain = render_document(x86_settings(), config::Profile(), inputs());
  EXPECT_FALSE(plain["images"][0]["kernel"]);
  EXPECT_FALSE(plain["images"][0]["initrd"]);
  EXPECT_FALSE(plain["firmware"]["legacyBIOS"].as<bool>());
}

TEST(LimaDocument, AnAarch64GuestKeepsUefiAndGrubEvenWhenItsImageHasAKernel) {
  config::Settings s;
  s.arch = "aarch64";
  DocumentInputs with_kernel = inputs();
  with_kernel.boot = DirectBoot{"/k", "/i", "root=LABEL=cloudimg-rootfs ro console=ttyAMA0"};
  YAML::Node d = render_document(s, config::Profile(), with_kernel);
  EXPECT_FALSE(d["images"][0]["kernel"]);
  EXPECT_FALSE(d["images"][0]["initrd"]);
  EXPECT_FALSE(d["firmware"]["legacyBIOS"].as<bool>());
}

TEST(LimaDocument, ResourcesAndCpuTypeComeFromTheSettings) {
  config::Settings s = x86_settings();
  s.cpu = 4;
  s.memory = 1.5;
  s.root_disk = 30;
  s.cpu_type = "qemu64";
  YAML::Node d = render_document(s, config::Profile::from_name("work"), inputs());
  EXPECT_EQ(d["cpus"].as<int>(), 4);
  EXPECT_EQ(d["memory"].as<std::string>(), "1536MiB");
  EXPECT_EQ(d["disk"].as<std::string>(), "30GiB");
  EXPECT_EQ(d["vmOpts"]["qemu"]["cpuType"]["x86_64"].as<std::string>(), "qemu64");
  EXPECT_EQ(d["additionalDisks"][0]["name"].as<std::string>(), "colima-work");
}

TEST(LimaDocument, TheGivenSocketsAreForwardedOverTcpBeforeThePortRules) {
  DocumentInputs given = inputs();
  given.sockets = {{"/run/a.sock", "/h/a.sock"}, {"/run/b.sock", "/h/b.sock"}};
  YAML::Node d = render_document(x86_settings(), config::Profile(), given);
  EXPECT_EQ(d["portForwards"][0]["guestSocket"].as<std::string>(), "/run/a.sock");
  EXPECT_EQ(d["portForwards"][1]["hostSocket"].as<std::string>(), "/h/b.sock");
  EXPECT_EQ(d["portForwards"][1]["proto"].as<std::string>(), "tcp");
  EXPECT_EQ(d["portForwards"][2]["guestIP"].as<std::string>(), "0.0.0.0");
}

TEST(LimaDocument, LimaMayFormatTheDataDiskOnlyWhenColimaHasJustCreatedIt) {
  DocumentInputs given = inputs();
  EXPECT_TRUE(
      render_document(x86_settings(), config::Profile(), given)["additionalDisks"][0]["format"]
          .as<bool>());
  given.format_data_disk = false;
  EXPECT_FALSE(
      render_document(x86_settings(), config::Profile(), given)["additionalDisks"][0]["format"]
          .as<bool>());
}

TEST(LimaDocument, WithoutDataDiskOrSocketsTheDocumentHasNeither) {
  config::Settings s = x86_settings();
  s.runtime = "none";
  DocumentInputs given = inputs();
  given.data_disk = false;
  given.sockets.clear();
  YAML::Node d = render_document(s, config::Profile(), given);
  EXPECT_FALSE(d["additionalDisks"]);
  EXPECT_FALSE(d["portForwards"][0]["guestSocket"]);
}

TEST(LimaDocument, MountsExpandTheHomeAndNoneMountsNothing) {
  config::Settings s = x86_settings();
  s.mounts = std::vector<config::Mount>{{"~/src", "/src", true}, {"/tmp/data/", "", false}};
  YAML::Node d = render_document(s, config::Profile(), inputs());
  EXPECT_EQ(d["mounts"][0]["location"].as<std::string>(), "/home/u/src");
  EXPECT_EQ(d["mounts"][0]["mountPoint"].as<std::string>(), "/src");
  EXPECT_EQ(d["mounts"][1]["location"].as<std::string>(), "/tmp/data");
  s.mounts = std::nullopt;
  EXPECT_EQ(render_document(s, config::Profile(), inputs())["mounts"].size(), 0u);
}

TEST(LimaDocument, MountLocationsStartingWithAVariableAreExpandedAndUnsetOnesRefused) {
  config::Settings s = x86_settings();
  s.mounts = std::vector<config::Mount>{{"$WORK/src", "", true}, {"${DATA}", "/d", false}};
  DocumentInputs given = inputs();
  given.environment = util::Environment(
      std::map<std::string, std::string>{{"WORK", "/srv/work/"}, {"DATA", "/data"}});
  YAML::Node d = render_document(s, config::Profile(), given);
  EXPECT_EQ(d["mounts"][0]["location"].as<std::string>(), "/srv/work/src");
  EXPECT_EQ(d["mounts"][1]["location"].as<std::string>(), "/data");
  EXPECT_NO_THROW(check_mounts(s, "/home/u", given.environment));
  EXPECT_EQ(guest_path(s, "/home/u", given.environment, "/srv/work/src/app"), "/srv/work/src/app");
  given.environment = util::Environment(std::map<std::string, std::string>{{"WORK", "/srv/work"}});
  EXPECT_THROW(render_document(s, config::Profile(), given), UsageError);
  EXPECT_THROW(check_mounts(s, "/home/u", given.environment), UsageError);
  EXPECT_EQ(guest_path(s, "/home/u", given.environment, "/data/x"), std::nullopt)
      << "a location that no longer expands holds nothing";
}

TEST(LimaDocument, OverlappingMountsAreRefused) {
  config::Settings s = x86_settings();
  s.mounts = std::vector<config::Mount>{{"/User", "", true}, {"/User/something", "", false}};
  EXPECT_THROW(render_document(s, config::Profile(), inputs()), UsageError);
  s.mounts = std::vector<config::Mount>{{"/User/one", "", true}, {"/User/one_other", "", false}};
  EXPECT_NO_THROW(render_document(s, config::Profile(), inputs()));
}

TEST(LimaDocument, AHostPathUnderAMountHasItsGuestPathAtTheMountPoint) {
  config::Settings settings;
  EXPECT_EQ(guest_path(settings, "/home/u", util::Environment(), "/home/u/src/app"),
            "/home/u/src/app")
      << "the default mount is the home directory at the same path";
  EXPECT_EQ(guest_path(settings, "/home/u", util::Environment(), "/home/u"), "/home/u");
  EXPECT_EQ(guest_path(settings, "/home/u", util::Environment(), "/home/user2/app"), std::nullopt);
  EXPECT_EQ(guest_path(settings, "/home/u", util::Environment(), "/tmp"), std::nullopt);
  settings.mounts =
      std::vector<config::Mount>{{.location = "~/work/", .mount_point = "/w", .writable = true},
                                 {.location = "/srv/data", .mount_point = "", .writable = false}};
  EXPECT_EQ(guest_path(settings, "/home/u", util::Environment(), "/home/u/work/app/./src"),
            "/w/app/src");
  EXPECT_EQ(guest_path(settings, "/home/u", util::Environment(), "/home/u/work"), "/w");
  EXPECT_EQ(guest_path(settings, "/home/u", util::Environment(), "/srv/data/x"), "/srv/data/x");
  EXPECT_EQ(guest_path(settings, "/home/u", util::Environment(), "/home/u/other"), std::nullopt)
      << "the home is not mounted when the settings list other mounts";
  settings.mounts = std::nullopt;
  EXPECT_EQ(guest_path(settings, "/home/u", util::Environment(), "/home/u/src"), std::nullopt)
      << "--mount none";
}

TEST(LimaDocument, TheHostnameReachesTheGuestAsAParamNotAsCode) {
  config::Settings s = x86_settings();
  YAML::Node d = render_document(s, config::Profile::from_name("work"), inputs());
  EXPECT_EQ(d["param"]["COLIMA_HOSTNAME"].as<std::string>(), "colima-work");
  EXPECT_EQ(d["provision"][0]["mode"].as<std::string>(), "system");
  EXPECT_NE(d["provision"][0]["script"].as<std::string>().find("$PARAM_COLIMA_HOSTNAME"),
            std::string::npos);
  s.hostname = "devbox";
  d = render_document(s, config::Profile(), inputs());
  EXPECT_EQ(d["param"]["COLIMA_HOSTNAME"].as<std::string>(), "devbox");
  EXPECT_EQ(d["provision"][0]["script"].as<std::string>().find("devbox"), std::string::npos);
}

TEST(LimaDocument, CustomDnsDisablesTheHostResolver) {
  config::Settings s = x86_settings();
  s.network.dns = {"1.1.1.1"};
  YAML::Node d = render_document(s, config::Profile(), inputs());
  EXPECT_FALSE(d["hostResolver"]["enabled"].as<bool>());
  EXPECT_EQ(d["dns"][0].as<std::string>(), "1.1.1.1");
}

TEST(LimaDocument, PublishedPortsAreForwardedToLoopbackOnly) {
  YAML::Node d = render_document(x86_settings(), config::Profile(), inputs());
  int port_rules = 0;
  for (const auto& rule : d["portForwards"]) {
    if (rule["hostIP"]) {
      ++port_rules;
      EXPECT_EQ(rule["hostIP"].as<std::string>(), "127.0.0.1");
    }
  }
  EXPECT_EQ(port_rules, 4) << "tcp and udp, from the guest's 0.0.0.0 and 127.0.0.1";
}

TEST(LimaDocument, MountInotifyTurnsOnLimasEventForwardingAndIsAbsentOtherwise) {
  config::Settings s = x86_settings();
  EXPECT_FALSE(render_document(s, config::Profile(), inputs())["mountInotify"]);
  s.mount_inotify = true;
  EXPECT_TRUE(render_document(s, config::Profile(), inputs())["mountInotify"].as<bool>());
}

TEST(LimaDocument, HostAddressesForwardTheirOwnPortsToTheSameHostAddressOverTcp) {
  config::Settings s = x86_settings();
  DocumentInputs given = inputs();
  given.sockets = {};
  given.host_addresses = {"192.0.2.7", "198.51.100.1"};
  EXPECT_EQ(render_document(s, config::Profile(), given)["portForwards"].size(), 4U)
      << "not asked for: no rules";
  s.network.host_addresses = true;
  YAML::Node rules = render_document(s, config::Profile(), given)["portForwards"];
  ASSERT_EQ(rules.size(), 6U);
  for (std::size_t i = 0; i < 2; ++i) {
    YAML::Node rule = rules[4 + i];
    EXPECT_EQ(rule["guestIP"].as<std::string>(), given.host_addresses[i]);
    EXPECT_EQ(rule["hostIP"].as<std::string>(), given.host_addresses[i]);
    EXPECT_EQ(rule["proto"].as<std::string>(), "tcp");
    EXPECT_EQ(rule["guestPortRange"][1].as<int>(), 65535);
  }
  s.port_forwarder = "none";
  EXPECT_EQ(render_document(s, config::Profile(), given)["portForwards"].size(), 1U)
      << "no port forwarding at all";
}

TEST(LimaDocument, WithKubernetesItsOwnPortsStayInTheVmAndTheApiServersIsForwarded) {
  config::Settings s = x86_settings();
  DocumentInputs given = inputs();
  given.sockets = {};
  ASSERT_EQ(render_document(s, config::Profile(), given)["portForwards"].size(), 4U);
  s.kubernetes.enabled = true;
  s.kubernetes.port = 10250;
  YAML::Node rules = render_document(s, config::Profile(), given)["portForwards"];
  std::vector<int> ignored;
  std::size_t first_forward = 0;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    if (rules[i]["ignore"] && rules[i]["ignore"].as<bool>()) {
      EXPECT_EQ(rules[i]["guestIP"].as<std::string>(), "0.0.0.0");
      EXPECT_FALSE(rules[i]["guestIPMustBeZero"].as<bool>())
          << "else Lima matches only binds on 0.0.0.0, not etcd's on 127.0.0.1";
      EXPECT_EQ(rules[i]["proto"].as<std::string>(), "tcp");
      ignored.push_back(rules[i]["guestPort"].as<int>());
    } else if (first_forward == 0) {
      first_forward = i;
    }
  }
  EXPECT_EQ(ignored, (std::vector<int>{2379, 2380, 6444, 10248, 10249, 10256, 10257, 10258, 10259}))
      << "etcd, the kubelet, kube-proxy and the controllers, not the API server's own port";
  EXPECT_EQ(first_forward, ignored.size()) << "Lima takes the first rule that matches";
}

TEST(LimaDocument, LimactlStartChoosesLimasPortForwarderAsUpstreamDoes) {
  config::Settings s;
  EXPECT_EQ(start_environment(s),
            (std::map<std::string, std::string>{{"LIMA_SSH_PORT_FORWARDER", "true"},
                                                {"LIMA_USERNET_RESOLVE_IP_ADDRESS_TIMEOUT", "10"}}))
      << "and the guest's DHCP lease may take as long as the whole start";
  s.port_forwarder = "grpc";
  EXPECT_EQ(start_environment(s).at("LIMA_SSH_PORT_FORWARDER"), "false");
  s.port_forwarder = "none";
  EXPECT_EQ(start_environment(s).at("LIMA_SSH_PORT_FORWARDER"), "true");
}

} // namespace colima::lima
