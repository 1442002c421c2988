#!/usr/bin/env python3
"""Soak (issue 11): CLIENTS WebSocket clients cycle through hello, start, match,
20 messages (10 each way, checked in order) and leaving (a close frame), then
a pause, for SECONDS. Prints the chats completed, errors, the server's memory
(RSS) drift after the warm-up and its file descriptors (before, peak, after).

Usage: soak.py PARLEY_BINARY [--clients 1000] [--seconds 2700] [--warmup 300]
                             [--interval 0.5] [--pause 5]
The suite (suite.py soak) runs a one-minute version through run_soak().
"""
import argparse, asyncio, os, random, re, signal, socket, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wsclient import WS, Closed  # noqa: E402

# Every simulated user comes from 127.0.0.1: per-address limits, the spam guard
# and the re-match cooldown would take them for one abuser.
SOAK_ARGS = ["--rate-messages-per-s", "0", "--rate-typing-per-s", "0", "--rate-signals-per-s", "0",
             "--rate-identities-per-min", "0", "--rate-requests-per-s", "0",
             "--max-connections-per-address", "0", "--spam-strangers", "0", "--rematch-cooldown-s", "0"]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


async def run_soak(port, pid, clients, seconds, warmup, interval=1.0, pause=20.0, issued=None, progress=None,
                   detail=False):
    """Runs the soak against a server already listening on port (process pid)."""
    stop_at = time.monotonic() + seconds
    stats = {"chats": 0, "messages": 0, "errors": {}, "unmatched_at_end": 0}
    samples = []  # (seconds since start, rss KiB, fds)
    start = time.monotonic()

    def error(kind):
        stats["errors"][kind] = stats["errors"].get(kind, 0) + 1

    async def one_chat(rng):
        phase = "connect"
        ws = await WS.connect(port)
        if ws.status != 101:
            error(f"upgrade {ws.status}")
            return
        try:
            phase = "hello"
            h = await ws.recv_type("hello", 10)
            if issued is not None:
                issued.add(h["token"])
            ws.send({"type": "start", "chat_type": "text"})
            phase = "match"
            # Wait for a partner (one wait: a timeout inside a frame would lose
            # its bytes); one left without a partner at the end is no error.
            try:
                await ws.recv_type("matched", max(stop_at - time.monotonic(), 0) + 10)
            except asyncio.TimeoutError:
                if time.monotonic() > stop_at:
                    stats["unmatched_at_end"] += 1
                else:
                    error("no match")
                return

            phase = "chat"
            progress = {"sent": 0, "got": 0}

            async def sender():
                for n in range(10):
                    progress["sent"] = n
                    ws.send({"type": "message", "text": f"m{n}"})
                    await asyncio.sleep(interval * rng.uniform(0.5, 1.5))

            async def receiver():
                expected = 0
                while expected < 10:
                    m = await ws.recv()
                    kind = m.get("type")
                    if kind == "message":
                        if m.get("text") != f"m{expected}":
                            error("message out of order")
                        expected += 1
                        progress["got"] = expected
                    elif kind == "partner_left":
                        error("partner left early")
                        return expected
                    elif kind == "error":
                        error("error " + str(m.get("code")))
                return expected
            _, got = await asyncio.wait_for(asyncio.gather(sender(), receiver()), 10 * interval * 1.5 + 20)
            stats["messages"] += got
            stats["chats"] += 1
        except asyncio.TimeoutError:
            error(f"timeout in {phase}" + (f" (sent {progress['sent'] + 1}, got {progress['got']})"
                                          if phase == "chat" and detail else ""))
        except Closed as c:
            error(f"closed {c.code}")
        except (ConnectionError, OSError) as e:
            error(type(e).__name__)
        finally:
            ws.close()

    async def client(i):
        rng = random.Random(i)
        await asyncio.sleep(rng.uniform(0, pause))  # spread the first wave
        while time.monotonic() < stop_at:
            try:
                await one_chat(rng)
            except Exception as e:  # counted, never the end of the soak
                error(type(e).__name__)
            await asyncio.sleep(rng.uniform(0, pause))

    lags = []  # how late the client's own event loop wakes: a starved client times out by itself

    async def lag():
        while time.monotonic() < stop_at:
            t = time.monotonic()
            await asyncio.sleep(0.5)
            lags.append((time.monotonic() - t - 0.5) * 1000)

    async def sampler():
        while time.monotonic() < stop_at:
            samples.append((time.monotonic() - start, rss_kib(pid), fd_count(pid)))
            if progress and len(samples) % 60 == 0:
                lagp = sorted(lags)[int(len(lags) * 0.99)] if lags else 0
                progress(f"soak {samples[-1][0]:.0f} s: {stats['chats'] // 2} chats, rss {samples[-1][1]} KiB, "
                         f"client lag p99 {lagp:.0f} ms, "
                         f"fds {samples[-1][2]}, errors {stats['errors']}")
            await asyncio.sleep(5 if seconds > 120 else 1)

    fds_before = fd_count(pid)
    rss_before = rss_kib(pid)
    await asyncio.gather(sampler(), lag(), *(client(i) for i in range(clients)))
    await asyncio.sleep(1)  # closes handled
    fds_after = fd_count(pid)
    rss_end = rss_kib(pid)
    after_warmup = [s for s in samples if s[0] >= warmup]
    if len(after_warmup) < 2:
        after_warmup = samples[len(samples) // 2:]
    # Drift: the mean of the last tenth of the samples against the first tenth after warm-up.
    k = max(1, len(after_warmup) // 10)
    first = sum(s[1] for s in after_warmup[:k]) / k
    last = sum(s[1] for s in after_warmup[-k:]) / k
    return {"seconds": time.monotonic() - start, "clients": clients, "chats": stats["chats"] // 2,
            "messages": stats["messages"], "errors": stats["errors"], "unmatched_at_end": stats["unmatched_at_end"],
            "rss_before_kib": rss_before, "rss_warm_kib": first, "rss_last_kib": last, "rss_end_kib": rss_end,
            "rss_max_kib": max(s[1] for s in samples), "drift_kib": last - first, "warmup": warmup,
            "client_lag_p99_ms": sorted(lags)[int(len(lags) * 0.99)] if lags else 0,
            "client_lag_max_ms": max(lags, default=0), "fds_before": fds_before, "fds_peak": max(s[2] for s in samples), "fds_after": fds_after}


def describe(r):
    return (f"{r['clients']} clients for {r['seconds']:.0f} s: {r['chats']} chats, {r['messages']} messages relayed, "
            f"errors {sum(r['errors'].values())} {r['errors'] or ''}; RSS {r['rss_before_kib'] / 1024:.1f} MiB idle, "
            f"{r['rss_warm_kib'] / 1024:.1f} MiB after {r['warmup']} s warm-up, {r['rss_last_kib'] / 1024:.1f} MiB "
            f"at the end (drift {r['drift_kib'] / 1024:+.1f} MiB, max {r['rss_max_kib'] / 1024:.1f} MiB); "
            f"fds {r['fds_before']} before, {r['fds_peak']} peak, {r['fds_after']} after; the client's own "
            f"event-loop lag p99 {r['client_lag_p99_ms']:.0f} ms, max {r['client_lag_max_ms']:.0f} ms")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary")
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=2700)
    ap.add_argument("--warmup", type=float, default=300)
    ap.add_argument("--interval", type=float, default=1, help="seconds between a client's messages")
    ap.add_argument("--pause", type=float, default=20, help="longest pause between a client's chats")
    ap.add_argument("--max-drift-mib", type=float, default=16)
    a = ap.parse_args()
    log = tempfile.NamedTemporaryFile(prefix="parley-soak-", suffix=".log", delete=False).name
    with socket.socket() as probe:  # a free port: LOG_LEVEL=warn hides the "listening on" line
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen([a.binary, "--host", "127.0.0.1", "--port", str(port), "--web-root", "/nonexistent",
                             *SOAK_ARGS], stdout=open(log, "w"), stderr=subprocess.STDOUT,
                            env=dict(os.environ, LOG_LEVEL="warn"))
    try:
        for _ in range(200):
            time.sleep(0.05)
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                break
            except OSError:
                pass
        r = asyncio.run(run_soak(port, proc.pid, a.clients, a.seconds, a.warmup, a.interval, a.pause,
                                 progress=lambda s: print(s, flush=True), detail=True))
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(10)
    ok = not r["errors"] and r["drift_kib"] < a.max_drift_mib * 1024 and r["fds_after"] <= r["fds_before"] + 2
    print(f"{'PASS' if ok else 'FAIL'}  soak: {describe(r)}; server exit {code}  "
          f"[pass: no errors, drift < {a.max_drift_mib:g} MiB, fds back to baseline]; log {log}", flush=True)
    return 0 if ok and code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
