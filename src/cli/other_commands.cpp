#include "colima/config/settings.hpp"
#include "colima/util/error.hpp"
#include "invocation.hpp"

#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <iostream>
#include <unistd.h>

namespace colima::cli {

namespace {

// The absolute path of this colima, which the nerdctl shim calls: $COLIMA_BINARY when set, else
// the running executable.
std::filesystem::path colima_binary(const util::Environment& environment) {
  if (auto binary = environment.get_non_empty("COLIMA_BINARY")) {
    return std::filesystem::absolute(*binary);
  }
  std::error_code error;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error || self.empty()) {
    throw Error("cannot find the path of the colima executable: set COLIMA_BINARY to it");
  }
  return self;
}

} // namespace

void add_other_commands(CLI::App& root, Invocation& invocation) {
  {
    CLI::App* c = root.add_subcommand("prune", "prune cached downloaded assets");
    auto profile = std::make_shared<std::string>();
    c->add_option("profile", *profile, "profile name")->type_name("");
    auto force = std::make_shared<bool>(false);
    auto all = std::make_shared<bool>(false);
    c->add_flag("-f,--force", *force, "do not prompt for yes/no");
    c->add_flag("-a,--all", *all, "include Lima assets");
    invocation.on_run(c, [force, all, &invocation] {
      app::App& app = invocation.app();
      std::string question = "'" + app.cache_dir().string() + "' will be emptied, are you sure";
      if (!*force && !confirm(question)) {
        return;
      }
      app.prune(*all);
    });
  }
  {
    CLI::App* c = root.add_subcommand("template", "edit the template for default configurations");
    c->alias("tmpl");
    c->alias("tpl");
    c->alias("t");
    auto editor = std::make_shared<std::string>();
    auto print = std::make_shared<bool>(false);
    c->add_option("--editor", *editor,
                  "editor to use for edit e.g. vim, nano, code (default \"$EDITOR\" env var)");
    c->add_flag("--print", *print, "print out the configuration file path, without editing");
    invocation.on_run(c, [editor, print, &invocation] {
      app::App& app = invocation.app();
      if (*print) {
        fmt::print("{}\n", app.template_path().string());
        return;
      }
      app.edit_template(*editor);
    });
  }
  {
    CLI::App* c = root.add_subcommand("nerdctl", "run nerdctl (requires containerd runtime)");
    c->alias("nerd");
    c->alias("n");
    auto arguments = std::make_shared<std::vector<std::string>>();
    c->add_option("args", *arguments, "nerdctl arguments, after --")->type_name("");
    c->footer("Runs nerdctl as root in the running VM of a containerd profile (--profile), in "
              "the guest path\nof the current directory when a mount holds it, else in /:\n"
              "  colima nerdctl -- run --rm -it busybox\n"
              "  colima nerdctl -- build -t app .\n"
              "CONTAINERD_* and NERDCTL_* variables are passed on. colima exits with nerdctl's "
              "own exit status.");
    invocation.on_run(c, [arguments, &invocation] {
      exit_like(
          invocation.app().nerdctl(invocation.profile(), invocation.command_words(*arguments)));
    });
    CLI::App* install = c->add_subcommand("install", "install nerdctl alias script on the host");
    auto force = std::make_shared<bool>(false);
    auto path = std::make_shared<std::string>("/usr/local/bin/nerdctl");
    install->add_flag("-f,--force", *force, "replace existing nerdctl binaries");
    install->add_option("--path", *path, "path to install nerdctl binary")->capture_default_str();
    install->footer("Writes a script that runs 'colima nerdctl' for this profile (containerd "
                    "only), creating its\ndirectory. A file that is not a colima shim is replaced "
                    "only with --force, and kept\nas <path>.moved. colima never uses sudo: choose "
                    "a writable --path, e.g. ~/.local/bin/nerdctl.\nThe script calls "
                    "$COLIMA_BINARY when set, else this colima.");
    invocation.on_run(install, [force, path, &invocation] {
      invocation.app().install_nerdctl(invocation.profile(), std::filesystem::absolute(*path),
                                       *force, colima_binary(invocation.environment()));
    });
  }
  {
    CLI::App* c = root.add_subcommand("kubernetes", "manage Kubernetes cluster");
    for (const char* alias : {"kube", "k8s", "k3s", "k"}) {
      c->alias(alias);
    }
    invocation.on_run(c, [] {
      throw UsageError("'colima kubernetes' needs a command: start, stop, delete, reset or build");
    });
    using Action = app::App::KubernetesAction;
    for (const auto& [name, help, action] :
         std::vector<std::tuple<std::string, std::string, Action>>{
             {"start", "start the Kubernetes cluster", Action::start},
             {"stop", "stop the Kubernetes cluster", Action::stop},
             {"delete", "delete the Kubernetes cluster", Action::remove},
             {"reset", "reset the Kubernetes cluster", Action::reset}}) {
      CLI::App* sub = c->add_subcommand(name, help);
      Action chosen = action;
      invocation.on_run(sub, [chosen, &invocation] {
        invocation.app().kubernetes(invocation.profile(), chosen);
      });
    }
    c->footer(
        "The VM must be running. start provisions the cluster when needed (the settings'\n"
        "kubernetes.version: a k3s release tag is downloaded, a plain Kubernetes version such as\n"
        "v1.35.4 is built by colima from the Go module proxy); delete and reset remove its\n"
        "objects. These leave kubernetes.enabled in colima.yaml as it is.");
    CLI::App* load =
        c->add_subcommand("load", "make the runtime's images available to Kubernetes pods");
    auto images = std::make_shared<std::vector<std::string>>();
    load->add_option("images", *images, "images to load (e.g. my-app:latest)")
        ->required()
        ->type_name("");
    load->footer(
        "Copies images from docker's store (docker runtime) or nerdctl's default namespace\n"
        "(containerd runtime) into the store the kubelet reads (containerd's k8s.io\n"
        "namespace), so that pods run them with imagePullPolicy: Never. With containerd,\n"
        "'colima nerdctl -- --namespace k8s.io build|load ...' puts them there directly.");
    invocation.on_run(load, [images, &invocation] {
      invocation.app().kubernetes_load(invocation.profile(), *images);
    });
    CLI::App* build =
        c->add_subcommand("build", "build a Kubernetes distribution ahead of a start");
    auto version = std::make_shared<std::string>("v1.35.4");
    auto arch = std::make_shared<std::string>(config::host_arch());
    build
        ->add_option("--version", *version,
                     "Kubernetes version (vX.Y.Z is built, vX.Y.Z+k3sN is downloaded)")
        ->capture_default_str();
    build->add_option("-a,--arch", *arch, "guest architecture (aarch64, x86_64)")
        ->capture_default_str();
    invocation.on_run(build, [version, arch, &invocation] {
      invocation.app().build_kubernetes(*version, *arch);
    });
  }
  {
    CLI::App* c = root.add_subcommand("clone", "clone Colima profile");
    auto from = std::make_shared<std::string>();
    auto to = std::make_shared<std::string>();
    c->add_option("profile", *from, "profile to clone")->required()->type_name("");
    c->add_option("new-profile", *to, "name of the new profile")->required()->type_name("");
    invocation.on_run(c, [from, to, &invocation] {
      invocation.app().clone(config::Profile::from_name(*from), config::Profile::from_name(*to));
    });
  }
  {
    CLI::App* c = root.add_subcommand("image", "build and list guest disk images (Linux)");
    invocation.on_run(c, [] { throw UsageError("'colima image' needs a command: build or list"); });
    CLI::App* build = c->add_subcommand("build", "build a guest image from Debian packages");
    auto arch = std::make_shared<std::string>(config::host_arch());
    auto runtime = std::make_shared<std::string>("docker");
    auto suite = std::make_shared<std::string>();
    build->add_option("-a,--arch", *arch, "architecture (aarch64, x86_64)")->capture_default_str();
    build
        ->add_option("-r,--runtime", *runtime,
                     "container runtime (docker, containerd, incus, none)")
        ->capture_default_str();
    build->add_option("--suite", *suite, "Debian suite (default: $COLIMA_IMAGE_SUITE or trixie)");
    invocation.on_run(build, [arch, runtime, suite, &invocation] {
      invocation.app().build_image(*arch, *runtime, *suite);
    });
    CLI::App* list = c->add_subcommand("list", "list the built guest images");
    list->alias("ls");
    invocation.on_run(list, [&invocation] {
      for (const auto& line : invocation.app().list_images()) {
        fmt::print("{}\n", line);
      }
    });
  }
  {
    CLI::App* c = root.add_subcommand("completion", "generate completion script");
    auto shell = std::make_shared<std::string>();
    c->add_option("shell", *shell, "bash, zsh, fish or powershell")
        ->required()
        ->check(CLI::IsMember({"bash", "zsh", "fish", "powershell"}));
    const CLI::App* tree = &root;
    invocation.on_run(c, [shell, tree] { fmt::print("{}", completion_script(*tree, *shell)); });
  }
}

} // namespace colima::cli
