#include "colima/host/addresses.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>

namespace colima::host {

TEST(HostAddresses, AreDistinctIpv4AddressesWithoutLoopback) {
  std::vector<std::string> addresses = ipv4_addresses();
  // Without one, every check below passes on nothing: the machine that runs the tests has a
  // network (the e2e tiers need one).
  ASSERT_FALSE(addresses.empty()) << "no IPv4 address but loopback on this machine";
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    in_addr parsed{};
    EXPECT_EQ(::inet_pton(AF_INET, addresses[i].c_str(), &parsed), 1) << addresses[i];
    EXPECT_FALSE(addresses[i].starts_with("127.")) << addresses[i];
    if (i > 0) {
      EXPECT_LT(addresses[i - 1], addresses[i]);
    }
  }
}

} // namespace colima::host
