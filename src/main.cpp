// parley: wires configuration, logging and the server together.

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <variant>
#include <fstream>
#include <iostream>
#include <sstream>

#include "parley/config/config.hpp"
#include "parley/server/server.hpp"

namespace {

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

int main(int argc, char** argv) {
  parley::config_sources sources;
  sources.args.assign(argv + 1, argv + argc);
  sources.env = [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    return value ? std::optional<std::string>(value) : std::nullopt;
  };
  sources.read_file = read_file;

  const auto loaded = parley::load_config(sources);
  if (const auto* help = std::get_if<parley::config_help_request>(&loaded)) {
    std::cout << (help->env_example ? parley::config_env_example() : parley::config_help());
    return 0;
  }
  if (const auto* error = std::get_if<parley::config_error>(&loaded)) {
    std::cerr << "parley: " << error->message << "\n";
    return 2;
  }
  const auto& cfg = std::get<parley::config>(loaded);

  auto logger = spdlog::stderr_color_mt("parley");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(cfg.log_level));
  spdlog::flush_on(spdlog::level::info);

  try {
    parley::server server(cfg);
    server.open();
    // One line on stdout whatever LOG_LEVEL is, so scripts can find the port.
    std::cout << "parley listening on http://"
              << (cfg.host.find(':') != std::string::npos ? "[" + cfg.host + "]" : cfg.host) << ':'
              << server.port() << std::endl;
    return server.run();
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
}
