#include "colima/kubernetes/distribution.hpp"
#include "colima/util/error.hpp"

#include <gtest/gtest.h>

namespace colima::kubernetes {

TEST(KubernetesDistribution, AK3sTagIsK3sAndAPlainVersionIsBuiltKubernetes) {
  EXPECT_EQ(distribution_of("v1.35.0+k3s1"), Distribution::k3s);
  EXPECT_EQ(distribution_of("v1.33.10+k3s12"), Distribution::k3s);
  EXPECT_EQ(distribution_of("v1.35.4"), Distribution::kubernetes);
  EXPECT_EQ(distribution_of("v1.36.0"), Distribution::kubernetes);
  EXPECT_EQ(distribution_of(k_default_version), Distribution::kubernetes);
}

TEST(KubernetesDistribution, AnythingElseIsAUsageErrorNamingBothForms) {
  for (const char* version : {"", "1.35.4", "v1.35", "v1.35.4+k3s", "v1.35.4+k3s0", "v1.35.4-rc.1",
                              "v1.35.4+rke2r1", "v01.35.4", "latest", " v1.35.4", "v1.35.4\n"}) {
    EXPECT_THROW(distribution_of(version), UsageError) << version;
  }
  try {
    distribution_of("v1.35");
    FAIL() << "no error";
  } catch (const UsageError& error) {
    EXPECT_STREQ(error.what(),
                 "invalid kubernetes version 'v1.35': use a k3s release tag such as v1.35.0+k3s1, "
                 "or a Kubernetes version such as v1.35.4");
  }
}

} // namespace colima::kubernetes
