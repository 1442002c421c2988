// Static files: path resolution (unit) and serving over real sockets.

#include "static_files.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "test_client.hpp"
#include "test_server.hpp"

namespace parley::testing {
namespace {
namespace fs = std::filesystem;

/// A temporary tree: root/web is the web root, root/secret.txt is outside it.
class web_tree : public ::testing::Test {
protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() /
            ("parley-static-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
             "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    fs::create_directories(base_ / "web" / "assets");
    write(base_ / "web" / "index.html", "<!doctype html><title>parley</title>INDEX");
    write(base_ / "web" / "assets" / "app-1234.js", "console.log('app')");
    write(base_ / "web" / "style.css", "body{}");
    write(base_ / "web" / "a..b.txt", "dots in a name are fine");
    write(base_ / "web" / ".env", "SECRET=1");
    write(base_ / "secret.txt", "TOP SECRET");
    fs::create_symlink(base_ / "secret.txt", base_ / "web" / "link.txt");
    fs::create_directory_symlink(base_, base_ / "web" / "up");
  }
  void TearDown() override { fs::remove_all(base_); }

  static void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }
  fs::path web() const { return base_ / "web"; }

  fs::path base_;
};

TEST_F(web_tree, ResolvesFilesInsideTheRoot) {
  static_files files(web());
  ASSERT_TRUE(files.available());
  auto file = [&](std::string_view target) {
    const auto r = files.resolve(target);
    return std::holds_alternative<fs::path>(r) ? std::get<fs::path>(r).filename().string()
                                               : std::string("error");
  };
  EXPECT_EQ(file("/"), "index.html");
  EXPECT_EQ(file("/index.html?v=2"), "index.html") << "the query is not part of the path";
  EXPECT_EQ(file("/assets/app-1234.js"), "app-1234.js");
  EXPECT_EQ(file("/assets/../style.css"), "style.css") << "climbing inside the root is fine";
  EXPECT_EQ(file("/%73tyle.css"), "style.css") << "percent-decoded";
  EXPECT_EQ(file("/a..b.txt"), "a..b.txt");
}

TEST_F(web_tree, RefusesEverythingOutsideTheRoot) {
  static_files files(web());
  for (const auto* target :
       {"/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/%2e%2e/secret.txt", "/..%2fsecret.txt",
        "/assets/../../secret.txt", "/link.txt", "/up/secret.txt", "/.env", "/%2eenv",
        "/..\\\\secret.txt", "/index.html%00.js", "/%zz", "secret.txt", "//etc/passwd",
        "/%252e%252e/secret.txt", "/no-such-file.js"}) {
    EXPECT_TRUE(std::holds_alternative<error_code>(files.resolve(target))) << target;
  }
}

TEST(StaticFiles, MissingRootIsUnavailable) {
  static_files files("/definitely/not/here");
  EXPECT_FALSE(files.available());
  EXPECT_EQ(std::get<error_code>(files.resolve("/index.html")), error_code::not_found);
}

TEST(StaticFiles, MimeTypes) {
  EXPECT_EQ(static_files::mime_type("/a/index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(static_files::mime_type("app.JS"), "text/javascript; charset=utf-8");
  EXPECT_EQ(static_files::mime_type("s.css"), "text/css; charset=utf-8");
  EXPECT_EQ(static_files::mime_type("i.svg"), "image/svg+xml");
  EXPECT_EQ(static_files::mime_type("w.wasm"), "application/wasm");
  EXPECT_EQ(static_files::mime_type("noext"), "application/octet-stream");
}

TEST_F(web_tree, ServesTheClientWithHeadersAndEtags) {
  auto cfg = test_config();
  cfg.web_root = web().string();
  test_server server(cfg);
  const auto port = server.port();
  const std::map<std::string, std::string> html{{"Accept", "text/html,application/xhtml+xml"}};

  const auto index = http_request(port, "GET", "/", "", html);
  ASSERT_EQ(index.status, 200u);
  EXPECT_NE(index.body.find("INDEX"), std::string::npos);
  EXPECT_EQ(index.header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(index.header("x-content-type-options"), "nosniff");
  EXPECT_NE(index.header("content-security-policy").find("script-src 'self'"), std::string::npos);
  EXPECT_NE(index.header("content-security-policy").find("connect-src 'self';"),
            std::string::npos);
  EXPECT_EQ(index.header("vary"), "Accept") << "`/` is HTML or JSON depending on Accept";
  EXPECT_EQ(index.header("referrer-policy"), "no-referrer");
  EXPECT_NE(index.header("permissions-policy").find("camera=(self)"), std::string::npos);
  EXPECT_NE(index.header("permissions-policy").find("microphone=(self)"), std::string::npos);

  // `/` without Accept: text/html is the health check.
  const auto health = http_request(port, "GET", "/");
  EXPECT_EQ(health.body_json()["status"], "ok");
  EXPECT_EQ(health.header("vary"), "Accept");

  const auto js = http_request(port, "GET", "/assets/app-1234.js");
  ASSERT_EQ(js.status, 200u);
  EXPECT_EQ(js.header("content-type"), "text/javascript; charset=utf-8");
  const auto etag = js.header("etag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(http_request(port, "GET", "/assets/app-1234.js", "", {{"If-None-Match", etag}}).status,
            304u);
  const auto head = http_request(port, "HEAD", "/style.css");
  EXPECT_EQ(head.status, 200u);
  EXPECT_EQ(head.header("content-length"), "6");
  EXPECT_TRUE(head.body.empty());

  // Unknown pages fall back to the client for browsers, 404 for the rest.
  const auto fallback = http_request(port, "GET", "/some/client/route", "", html);
  EXPECT_EQ(fallback.status, 200u);
  EXPECT_NE(fallback.body.find("INDEX"), std::string::npos);
  EXPECT_EQ(http_request(port, "GET", "/missing.js").status, 404u);
  EXPECT_EQ(http_request(port, "POST", "/index.html").status, 405u);
  EXPECT_EQ(http_request(port, "POST", "/no/such/endpoint").status, 404u);
}

TEST_F(web_tree, TraversalOverTheWireNeverLeaksOutside) {
  auto cfg = test_config();
  cfg.web_root = web().string();
  test_server server(cfg);
  for (const auto* target : {"/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt",
                             "/%2e%2e%2fsecret.txt", "/link.txt", "/up/secret.txt", "/.env",
                             "/%252e%252e/secret.txt", "/index.html%00.js"}) {
    const auto answer = raw_exchange(
        server.port(), std::string("GET ") + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(answer.find("TOP SECRET"), std::string::npos) << target;
    EXPECT_EQ(answer.find("SECRET=1"), std::string::npos) << target;
    EXPECT_EQ(answer.find("HTTP/1.1 200"), std::string::npos) << target << "\n" << answer;
  }
}

}  // namespace
}  // namespace parley::testing
