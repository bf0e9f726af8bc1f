#include "colima/lima/instance.hpp"
#include "colima/util/error.hpp"

#include <gtest/gtest.h>

namespace colima::lima {

TEST(LimaInstances, ParsesOneObjectPerLine) {
  auto instances = parse_instances(
      R"({"name":"colima","status":"Running","arch":"x86_64","cpus":2,"memory":2147483648,)"
      R"("disk":21474836480,"dir":"/h/_lima/colima","sshLocalPort":60022,"hostAgentPID":10,)"
      R"("driverPID":11,"config":{"x":1}})"
      "\n\n"
      R"({"name":"colima-arm","status":"Stopped","arch":"aarch64","errors":["a"]})"
      "\n");
  ASSERT_EQ(instances.size(), 2u);
  EXPECT_EQ(instances[0].name, "colima");
  EXPECT_TRUE(instances[0].running());
  EXPECT_EQ(instances[0].memory, 2147483648);
  EXPECT_EQ(instances[0].ssh_local_port, 60022);
  EXPECT_EQ(instances[0].driver_pid, 11);
  EXPECT_EQ(instances[1].status, "Stopped");
  EXPECT_EQ(instances[1].errors, std::vector<std::string>{"a"});
}

TEST(LimaInstances, EmptyOutputMeansNoInstances) {
  EXPECT_TRUE(parse_instances("").empty());
  EXPECT_TRUE(parse_instances("\n  \n").empty());
}

TEST(LimaInstances, FieldsOfTheWrongTypeKeepTheirDefaults) {
  auto instances = parse_instances(R"({"name":"colima","cpus":"many","status":null})");
  ASSERT_EQ(instances.size(), 1u);
  EXPECT_EQ(instances[0].cpus, 0);
  EXPECT_EQ(instances[0].status, "");
}

TEST(LimaInstances, OutputThatIsNotJsonIsAnErrorNamingTheLine) {
  EXPECT_THROW(parse_instances("{\"name\":\"colima\"}\nWARN something\n"), Error);
  EXPECT_THROW(parse_instances("[1,2]"), Error);
}

TEST(LimaInstances, NumbersThatDoNotFitAreReadAsZero) {
  auto instances = parse_instances(
      R"({"name":"x","cpus":1e300,"memory":-1.5,"disk":18446744073709551615,"driverPID":"7"})");
  ASSERT_EQ(instances.size(), 1u);
  EXPECT_EQ(instances[0].cpus, 0);
  EXPECT_EQ(instances[0].memory, 0);
  EXPECT_EQ(instances[0].disk, 0);
  EXPECT_EQ(instances[0].driver_pid, 0);
}

} // namespace colima::lima
