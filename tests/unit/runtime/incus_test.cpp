#include "colima/runtime/incus_preseed.hpp"
#include "colima/runtime/runtime.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace colima::runtime {

TEST(IncusRuntime, ForwardsTheDaemonsSocketAndKeepsItsStateOnTheDataDisk) {
  auto incus = make("incus");
  EXPECT_EQ(incus->name(), "incus");
  ASSERT_EQ(incus->sockets().size(), 1u);
  EXPECT_EQ(incus->sockets()[0].guest_path, "/var/lib/incus/unix.socket");
  EXPECT_EQ(incus->sockets()[0].file_name, "incus.sock");
  EXPECT_EQ(incus->sockets()[0].status_key, "incus_socket");
  EXPECT_TRUE(incus->uses_data_disk());
  EXPECT_FALSE(incus->has_docker_context());
}

TEST(IncusRuntime, ProvisioningPassesModeDataMountAndDiskSizeAndThePreseedOnStdin) {
  config::Settings settings;
  settings.disk = 60;
  auto script = make("incus")->provision(
      settings, GuestContext{.data_mount = "/mnt/lima-colima", .already_running = false});
  ASSERT_TRUE(script);
  EXPECT_EQ(script->stage, "provisioning incus");
  EXPECT_EQ(script->args, (std::vector<std::string>{"boot", "/mnt/lima-colima", "60"}));
  ASSERT_EQ(script->inputs.count("preseed"), 1u);
  EXPECT_EQ(script->inputs.at("preseed"), incus_preseed(60));
  EXPECT_NE(script->text.find("incus admin init --preseed"), std::string::npos);
  auto running = make("incus")->provision(
      settings, GuestContext{.data_mount = "/mnt/lima-colima", .already_running = true});
  ASSERT_TRUE(running);
  EXPECT_EQ(running->args[0], "running");
}

TEST(IncusRuntime, ThePreseedMakesTheBridgeABtrfsPoolOfTheDiskAndTheDefaultProfileAndNoListener) {
  YAML::Node preseed = YAML::Load(incus_preseed(100));
  ASSERT_TRUE(preseed.IsMap());
  EXPECT_FALSE(preseed["config"]) << "no core.https_address: the unix socket only";
  ASSERT_EQ(preseed["networks"].size(), 1u);
  YAML::Node bridge = preseed["networks"][0];
  EXPECT_EQ(bridge["name"].as<std::string>(), "incusbr0");
  EXPECT_EQ(bridge["type"].as<std::string>(), "bridge");
  EXPECT_EQ(bridge["config"]["ipv4.address"].as<std::string>(), "192.168.100.1/24");
  EXPECT_EQ(bridge["config"]["ipv4.nat"].as<std::string>(), "true");
  ASSERT_EQ(preseed["storage_pools"].size(), 1u);
  YAML::Node pool = preseed["storage_pools"][0];
  EXPECT_EQ(pool["name"].as<std::string>(), "default");
  EXPECT_EQ(pool["driver"].as<std::string>(), "btrfs");
  EXPECT_EQ(pool["config"]["size"].as<std::string>(), "100GiB");
  ASSERT_EQ(preseed["profiles"].size(), 1u);
  YAML::Node profile = preseed["profiles"][0];
  EXPECT_EQ(profile["name"].as<std::string>(), "default");
  EXPECT_EQ(profile["devices"]["eth0"]["network"].as<std::string>(), "incusbr0");
  EXPECT_EQ(profile["devices"]["eth0"]["type"].as<std::string>(), "nic");
  EXPECT_EQ(profile["devices"]["root"]["pool"].as<std::string>(), "default");
  EXPECT_EQ(profile["devices"]["root"]["path"].as<std::string>(), "/");
}

TEST(IncusRuntime, UpdatesDebiansIncusPackagesAndRestartsTheDaemon) {
  auto script = make("incus")->update();
  ASSERT_TRUE(script);
  EXPECT_EQ(script->args,
            (std::vector<std::string>{"incus.service", "incus-base", "incus-client"}));
}

} // namespace colima::runtime
