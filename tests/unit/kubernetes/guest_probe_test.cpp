// The guest script's readiness probe (`kubernetes.sh ready kubernetes`), run with the host's sh
// and the real openssl against a real TLS server (openssl s_server, which asks for a client
// certificate and serves the files of a directory): the script asks as the admin, over TLS
// checked against the cluster's CA, on the admin kubeconfig's port. The guest's
// /var/lib/colima-kubernetes is moved under a temporary directory.
#include "colima/process/posix_runner.hpp"
#include "colima/util/fs.hpp"
#include "colima/util/templates.hpp"
#include "loopback.hpp"
#include "temp_dir.hpp"
#include "text.hpp"

#include <csignal>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

namespace colima::kubernetes {

namespace fs = std::filesystem;

namespace {

class GuestProbe : public ::testing::Test {
protected:
  void SetUp() override {
    fs::create_directories(pki());
    fs::create_directories(www());
    fs::create_directories(m_dir.path() / "other");
    make_ca(pki() / "ca");
    make_ca(m_dir.path() / "other" / "ca");
    issue(pki() / "ca", pki() / "admin", "/O=system:masters/CN=admin");
    issue(pki() / "ca", pki() / "server", "/CN=kube-apiserver");
    issue(m_dir.path() / "other" / "ca", m_dir.path() / "other" / "server", "/CN=impostor");
    util::atomic_write(kube() / "current-version", "v1.35.4\n");
    m_port = test::free_port();
    util::atomic_write(kube() / "admin.kubeconfig",
                       "apiVersion: v1\nkind: Config\nclusters:\n- name: default\n  cluster:\n"
                       "    server: https://127.0.0.1:" +
                           std::to_string(m_port) + "\n");
  }
  void TearDown() override {
    if (m_server > 0) {
      ::kill(m_server, SIGTERM);
      ::waitpid(m_server, nullptr, 0);
    }
  }

  fs::path kube() const { return m_dir.path() / "kube"; }
  fs::path pki() const { return kube() / "pki"; }
  fs::path www() const { return m_dir.path() / "www"; }

  void openssl(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"openssl"};
    argv.insert(argv.end(), args.begin(), args.end());
    process::Result r = m_runner.run(process::Command{.argv = argv});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  void make_ca(const fs::path& base) {
    openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", base.string() + ".key", "-out", base.string() + ".crt", "-subj", "/CN=ca",
             "-days", "1"});
  }
  void issue(const fs::path& ca, const fs::path& base, const std::string& subject) {
    openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
             base.string() + ".key", "-out", base.string() + ".csr", "-subj", subject});
    openssl({"x509", "-req", "-in", base.string() + ".csr", "-CA", ca.string() + ".crt", "-CAkey",
             ca.string() + ".key", "-CAcreateserial", "-out", base.string() + ".crt", "-days",
             "1"});
  }

  // An API server on the kubeconfig's port with the certificate `server`, demanding a client
  // certificate of the cluster's CA, answering GET /NAME with the file www()/NAME, which holds the
  // whole HTTP answer.
  void serve(const fs::path& server) {
    std::string port = std::to_string(m_port);
    std::string cert = server.string() + ".crt";
    std::string key = server.string() + ".key";
    std::string ca = (pki() / "ca.crt").string();
    m_server = ::fork();
    if (m_server == 0) {
      if (::chdir(www().c_str()) != 0) {
        ::_exit(127);
      }
      ::execlp("openssl", "openssl", "s_server", "-quiet", "-accept", port.c_str(), "-HTTP",
               "-Verify", "1", "-verify_return_error", "-CAfile", ca.c_str(), "-cert", cert.c_str(),
               "-key", key.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ASSERT_TRUE(test::wait_until_accepting(m_port)) << "openssl s_server did not start";
  }

  // `ready kubernetes` as colima sends it, with the guest's Kubernetes directory moved.
  process::Result ready() {
    std::string text =
        test::replace_all(std::string(templates::find("runtime/guest-lib.sh").value()) +
                              std::string(templates::find("kubernetes/kubernetes.sh").value()),
                          "/var/lib/colima-kubernetes", kube().string());
    return m_runner.run(
        process::Command{.argv = {"sh", "-s", "--", "ready", "kubernetes"}, .stdin_data = text});
  }

  test::TempDir m_dir;
  process::PosixRunner m_runner;
  int m_port = 0;
  pid_t m_server = -1;
};

} // namespace

TEST_F(GuestProbe, AnApiServerAnsweringReadyzWith200IsReady) {
  util::atomic_write(www() / "readyz", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  serve(pki() / "server");
  EXPECT_EQ(ready().exit_code, 0);
}

TEST_F(GuestProbe, AnApiServerAnsweringReadyzWithAnErrorIsNotReady) {
  util::atomic_write(www() / "readyz", "HTTP/1.1 500 Internal Server Error\r\n\r\n"
                                       "[-]poststarthook/rbac/bootstrap-roles failed\n");
  serve(pki() / "server");
  process::Result r = ready();
  EXPECT_EQ(r.exit_code, 1) << r.err;
}

TEST_F(GuestProbe, AServerWhoseCertificateAnotherCaSignedIsNotTheApiServer) {
  util::atomic_write(www() / "readyz", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  serve(m_dir.path() / "other" / "server");
  process::Result r = ready();
  EXPECT_EQ(r.exit_code, 1) << r.err;
}

TEST_F(GuestProbe, NothingListeningIsNotReady) {
  process::Result r = ready();
  EXPECT_EQ(r.exit_code, 1) << r.err;
}

} // namespace colima::kubernetes
