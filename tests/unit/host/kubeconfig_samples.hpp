#pragma once

// Kubeconfig texts shared by the Kubeconfig tests.

namespace colima::host::samples {

// What k3s writes to /etc/rancher/k3s/k3s.yaml: everything named `default`.
inline constexpr const char* k_k3s = R"(apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCkNBCi0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0K
    server: https://127.0.0.1:6443
  name: default
contexts:
- context:
    cluster: default
    user: default
  name: default
current-context: default
kind: Config
preferences: {}
users:
- name: default
  user:
    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCkNMSUVOVAotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0tCg==
    client-key-data: LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0tCktFWQotLS0tLUVORCBFQyBQUklWQVRFIEtFWS0tLS0tCg==
)";

// What colima's own Kubernetes distribution writes: one cluster, user and context, other names,
// a token instead of a client certificate.
inline constexpr const char* k_token_guest = R"(apiVersion: v1
kind: Config
clusters:
- name: kubernetes
  cluster:
    certificate-authority-data: Q0EtREFUQQ==
    server: https://10.0.2.15:6443
users:
- name: admin
  user:
    token: abc.def
contexts:
- name: admin@kubernetes
  context: {cluster: kubernetes, user: admin}
current-context: admin@kubernetes
)";

// A user's own kubeconfig: two clusters and users (one named `default`, like k3s's), an exec
// plugin whose environment values are quoted numbers and booleans, extensions, preferences and
// keys kubectl does not know.
inline constexpr const char* k_users_own = R"(apiVersion: v1
kind: Config
preferences:
  colors: true
clusters:
- name: work
  cluster:
    server: https://work.example:443
    certificate-authority-data: V09SSy1DQQ==
    tls-server-name: api.work.example
    extensions:
    - name: client.authentication.k8s.io/exec
      extension:
        audience: "1234"
- name: default
  cluster:
    server: https://192.168.5.1:8443
    insecure-skip-tls-verify: true
users:
- name: work-admin
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: work-login
      args: ["--port", "8000"]
      env:
      - name: WORK_DEBUG
        value: "1"
      - name: WORK_TRACE
        value: 'true'
      interactiveMode: Never
- name: default
  user:
    token: "007"
contexts:
- name: work
  context:
    cluster: work
    user: work-admin
    namespace: "2024"
- name: default
  context:
    cluster: default
    user: default
current-context: work
x-tooling:
  owner: "0x1F"
  empty: ""
)";

} // namespace colima::host::samples
