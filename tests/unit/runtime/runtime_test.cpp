#include "colima/runtime/docker_config.hpp"
#include "colima/runtime/runtime.hpp"
#include "colima/util/error.hpp"
#include "colima/util/templates.hpp"

#include <gtest/gtest.h>

namespace colima::runtime {

TEST(DockerDaemonConfig, TurnsBuildkitOnAndPointsTheHostGatewayAtTheHost) {
  config::Settings settings;
  nlohmann::json config = docker_daemon_config(settings);
  EXPECT_EQ(config, nlohmann::json::parse(
                        R"({"features":{"buildkit":true},"host-gateway-ip":"192.168.5.2"})"));
}

TEST(DockerDaemonConfig, KeysTheUserSetWinOverColimasDefaults) {
  config::Settings settings;
  settings.docker = nlohmann::json::parse(
      R"({"features":{"buildkit":false},"registry-mirrors":["http://m.example"],"debug":true})");
  settings.network.gateway_address = "192.168.6.2";
  nlohmann::json config = docker_daemon_config(settings);
  EXPECT_EQ(config["features"], nlohmann::json::parse(R"({"buildkit":false})"));
  EXPECT_EQ(config["registry-mirrors"][0], "http://m.example");
  EXPECT_EQ(config["debug"], true);
  EXPECT_EQ(config["host-gateway-ip"], "192.168.6.2");
}

TEST(DockerDaemonConfig, DockerSettingsThatAreNotAMapAreRefused) {
  config::Settings settings;
  settings.docker = nlohmann::json::array({"x"});
  EXPECT_THROW(docker_daemon_config(settings), UsageError);
}

TEST(Runtimes, DockerForwardsTheEngineAndContainerdSocketsAndKeepsDataOnTheDataDisk) {
  auto docker = make("docker");
  ASSERT_EQ(docker->sockets().size(), 2u);
  EXPECT_EQ(docker->sockets()[0].guest_path, "/var/run/docker.sock");
  EXPECT_EQ(docker->sockets()[0].file_name, "docker.sock");
  EXPECT_EQ(docker->sockets()[0].status_key, "docker_socket");
  EXPECT_EQ(docker->sockets()[1].status_key, "containerd_socket");
  EXPECT_TRUE(docker->uses_data_disk());
  EXPECT_TRUE(docker->has_docker_context());
}

TEST(Runtimes, NoneHasNoSocketsNoDataDiskAndNothingToProvisionOrUpdate) {
  auto none = make("none");
  EXPECT_TRUE(none->sockets().empty());
  EXPECT_FALSE(none->uses_data_disk());
  EXPECT_FALSE(none->provision(config::Settings{}, GuestContext{}));
  EXPECT_FALSE(none->update());
  EXPECT_FALSE(none->has_docker_context());
}

TEST(Runtimes, ContainerdIsNotBuiltYetAndUnknownNamesAreBadInput) {
  EXPECT_THROW(make("containerd"), NotImplementedError);
  EXPECT_THROW(make("dokcer"), UsageError);
}

TEST(Runtimes, DockerProvisioningPassesValuesAsArgumentsAndNeverInTheScript) {
  config::Settings settings;
  settings.docker = {{"labels", {"$(touch /tmp/x)", "`id`; rm -rf /", "x'\"\ny"}}};
  settings.binfmt = false;
  auto script = make("docker")->provision(settings, GuestContext{.data_mount = "/mnt/lima-colima"});
  ASSERT_TRUE(script);
  EXPECT_EQ(script->text, templates::find("runtime/docker.sh").value());
  ASSERT_EQ(script->args.size(), 4u);
  EXPECT_EQ(script->args[0], "boot");
  EXPECT_EQ(script->args[1], "/mnt/lima-colima");
  EXPECT_EQ(nlohmann::json::parse(script->args[2]), docker_daemon_config(settings));
  EXPECT_EQ(script->args[3], "no-binfmt");
  auto running = make("docker")->provision(config::Settings{},
                                           GuestContext{.data_mount = "", .already_running = true});
  EXPECT_EQ(running->args[0], "running");
  EXPECT_EQ(running->args[3], "binfmt");
}

TEST(Runtimes, DockerUpdatesDebiansEnginePackagesAndRestartsTheEngine) {
  auto script = make("docker")->update();
  ASSERT_TRUE(script);
  EXPECT_EQ(script->text, templates::find("runtime/update.sh").value());
  EXPECT_EQ(script->args, (std::vector<std::string>{"docker.service", "docker.io", "docker-cli",
                                                    "containerd", "runc", "docker-buildx"}));
}

} // namespace colima::runtime
