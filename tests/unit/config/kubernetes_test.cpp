#include "colima/config/kubernetes.hpp"
#include "colima/util/error.hpp"

#include <gtest/gtest.h>

namespace colima::config {

TEST(KubernetesDistribution, AK3sTagIsK3sAndAPlainVersionIsBuiltKubernetes) {
  EXPECT_EQ(kubernetes_distribution("v1.35.0+k3s1"), KubernetesDistribution::k3s);
  EXPECT_EQ(kubernetes_distribution("v1.33.10+k3s12"), KubernetesDistribution::k3s);
  EXPECT_EQ(kubernetes_distribution("v1.35.4"), KubernetesDistribution::kubernetes);
  EXPECT_EQ(kubernetes_distribution("v1.36.0"), KubernetesDistribution::kubernetes);
  EXPECT_EQ(kubernetes_distribution(k_built_kubernetes_version),
            KubernetesDistribution::kubernetes);
}

TEST(KubernetesDistribution, AnythingElseIsAUsageErrorNamingBothForms) {
  for (const char* version : {"", "1.35.4", "v1.35", "v1.35.4+k3s", "v1.35.4+k3s0", "v1.35.4-rc.1",
                              "v1.35.4+rke2r1", "v01.35.4", "latest", " v1.35.4", "v1.35.4\n"}) {
    EXPECT_THROW(kubernetes_distribution(version), UsageError) << version;
  }
  try {
    kubernetes_distribution("v1.35");
    FAIL() << "no error";
  } catch (const UsageError& error) {
    EXPECT_STREQ(error.what(),
                 "invalid kubernetes version 'v1.35': use a k3s release tag such as v1.35.0+k3s1, "
                 "or a Kubernetes version such as v1.35.4");
  }
}

} // namespace colima::config
