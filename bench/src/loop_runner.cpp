#include "loop_runner.hpp"

#include <boost/asio/steady_timer.hpp>

#include <memory>

namespace parley::bench {

namespace {

// Shared with the pending timer handler, so a handler that runs after
// run_until returned (it was cancelled) touches nothing dangling.
struct poll_state {
    explicit poll_state(net::io_context& context) : timer(context), ioc(&context) {}
    net::steady_timer timer;
    std::function<bool()> done;
    bench_clock::time_point deadline;
    net::io_context* ioc;
};

void arm(std::shared_ptr<poll_state> const& state) {
    state->timer.expires_after(std::chrono::milliseconds(1));
    state->timer.async_wait([state](error_code ec) {
        if (ec) return;
        if (state->done() || bench_clock::now() >= state->deadline) return state->ioc->stop();
        arm(state);
    });
}

}  // namespace

bool run_until(net::io_context& ioc, bench_clock::time_point deadline, std::function<bool()> done) {
    if (done()) return true;
    if (bench_clock::now() >= deadline) return false;
    auto state = std::make_shared<poll_state>(ioc);
    state->done = std::move(done);
    state->deadline = deadline;
    ioc.restart();
    arm(state);
    ioc.run();
    state->timer.cancel();
    return state->done();
}

void drain(net::io_context& ioc) {
    ioc.restart();
    ioc.run();
}

}  // namespace parley::bench
