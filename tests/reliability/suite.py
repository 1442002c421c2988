#!/usr/bin/env python3
"""parley's fast reliability scenarios (issue 11) against the real binary on
loopback. Each scenario starts its own server, is bounded in count and time,
and prints one line: scenario, measured figure, pass criterion, PASS/FAIL.
Every server logs at trace level; the last scenario reads all those logs and
fails on any token the run was issued.

Usage: suite.py PARLEY_BINARY [SCENARIO[=N]...]
  N sizes the scenarios that take one: idle_capacity=10000 (the suite holds
  2,000), reconnect_storm=1000, soak=SECONDS (the suite soaks 60 s; the
  45-minute soak is soak.py).
"""
import asyncio, json, os, random, re, resource, signal, socket, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wsclient import WS, Closed, frame  # noqa: E402
from soak import SOAK_ARGS, describe, fd_count, rss_kib, run_soak  # noqa: E402

BIN = sys.argv[1]
WORK = tempfile.mkdtemp(prefix="parley-reliability-")
ISSUED = set()  # every token handed to us
RESULTS = []
NO_LIMITS = ["--rate-messages-per-s", "0", "--rate-typing-per-s", "0", "--rate-signals-per-s", "0",
             "--rate-identities-per-min", "0", "--rate-requests-per-s", "0",
             "--max-connections-per-address", "0", "--rate-resume-failures-per-min", "0"]
SIZES = {}  # scenario -> N given as SCENARIO=N


class Server:
    count = 0

    def __init__(self, *args, log_level="trace"):
        Server.count += 1
        self.log = os.path.join(WORK, f"server-{Server.count}.log")
        env = dict(os.environ, LOG_LEVEL=log_level)
        # ASan keeps freed memory in a quarantine (256 MiB by default): RSS
        # figures would measure it rather than parley. Other builds ignore it.
        env["ASAN_OPTIONS"] = ":".join(filter(None, [os.environ.get("ASAN_OPTIONS"), "quarantine_size_mb=4"]))
        # Every simulated user comes from 127.0.0.1: the spam guard (issue 13)
        # would take their identical probe messages for one spammer and ban the
        # address. Scenarios that test a guard turn it back on with their args.
        self.proc = subprocess.Popen([BIN, "--host", "127.0.0.1", "--port", "0", "--web-root",
                                      "/nonexistent", "--spam-strangers", "0", *args],
                                     stdout=open(self.log, "w"),
                                     stderr=subprocess.STDOUT, env=env)
        for _ in range(200):
            m = re.search(r"listening on http://[^ ]*:(\d+)", open(self.log).read())
            if m:
                self.port = int(m.group(1))
                return
            time.sleep(0.05)
        raise RuntimeError("server did not start: " + open(self.log).read())

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(10)


def report(name, figure, criterion, ok):
    RESULTS.append(ok)
    print(f"{'PASS' if ok else 'FAIL'}  {name}: {figure}  [pass: {criterion}]", flush=True)


async def http(port, method, target, body=b"", headers="", local=None):
    """One request on a fresh connection: (status, headers text, body)."""
    kw = {"local_addr": (local, 0)} if local else {}
    r, w = await asyncio.open_connection("127.0.0.1", port, **kw)
    if isinstance(body, str):
        body = body.encode()
    w.write(f"{method} {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{headers}"
            f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    data = await r.read()
    w.close()
    head, _, rest = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), head.decode(errors="replace"), rest


async def hello(port, local=None):
    ws = await WS.connect(port, local=local)
    assert ws.status == 101, ws.status
    h = await ws.recv_type("hello")
    ISSUED.add(h["token"])
    return ws, h


async def pair(port, local=None):
    a, _ = await hello(port, local)
    b, _ = await hello(port, local)
    a.send({"type": "start", "chat_type": "text"})
    await a.recv_type("waiting")
    b.send({"type": "start", "chat_type": "text"})
    await b.recv_type("matched")
    await a.recv_type("matched")
    return a, b


def p99(values):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * 0.99))] if values else float("nan")


# --- Scenarios -----------------------------------------------------------------

async def message_flood():
    """One client sends 1,000 messages/s for 10 s; 5 other pairs chat meanwhile."""
    s = Server("--rate-abuse-limit", "0")  # measure the limiter for the whole 10 s
    try:
        fa, fb = await pair(s.port)
        probes = [await pair(s.port) for _ in range(5)]
        latencies, relayed, limited = [], 0, 0
        stop = time.monotonic() + 10

        async def flood():
            n = 0
            while time.monotonic() < stop:
                for _ in range(10):
                    fa.send({"type": "message", "text": f"spam {n}"})
                    n += 1
                await fa.writer.drain()
                await asyncio.sleep(0.01)
            return n

        async def read_errors():
            nonlocal limited
            try:
                while True:
                    m = await asyncio.wait_for(fa.recv(), 1)
                    limited += m.get("code") == "rate_limited"
            except (asyncio.TimeoutError, Closed):
                pass

        async def count_relayed():
            nonlocal relayed
            try:
                while True:
                    m = await asyncio.wait_for(fb.recv(), 1)
                    relayed += m.get("type") == "message"
            except (asyncio.TimeoutError, Closed):
                pass

        async def probe(a, b):
            while time.monotonic() < stop:
                t = time.monotonic()
                a.send({"type": "message", "text": "probe"})
                await b.recv_type("message")
                latencies.append((time.monotonic() - t) * 1000)
                await asyncio.sleep(0.25)

        sent, *_ = await asyncio.gather(flood(), read_errors(), count_relayed(),
                                        *(probe(a, b) for a, b in probes))
        bound = 20 + 5 * 10 + 5
        report("message flood (1,000 msg/s for 10 s, RATE_MESSAGES 5/s burst 20)",
               f"sent {sent}, relayed {relayed}, rate_limited errors {limited}; "
               f"5 other pairs: {len(latencies)} probes, relay p99 {p99(latencies):.1f} ms",
               # 200 ms, as for slowloris: the probes, the flooder and an ASan
               # server share two cores (19 ms measured alone, 376 ms beside CI).
               f"relayed <= {bound}, errors for the rest, probe p99 < 200 ms",
               relayed <= bound and limited >= sent - bound - 50 and p99(latencies) < 200)
    finally:
        s.stop()
    # With the default RATE_ABUSE_LIMIT the flooder is closed with 1008.
    s = Server()
    try:
        fa, fb = await pair(s.port)
        t = time.monotonic()
        for i in range(1000):
            fa.send({"type": "message", "text": f"spam {i}"})
        _, code = await fa.drain_until_closed(10)
        took = (time.monotonic() - t) * 1000
        left = await fb.recv_type("partner_left")
        report("sustained flood with default RATE_ABUSE_LIMIT (100 in 10 s)",
               f"closed with {code} after {took:.0f} ms; partner told {left['reason']}",
               "close 1008, partner gets partner_left", code == 1008)
    finally:
        s.stop()


def hostile_cases():
    cases = []
    valid = ['{"type":"message","text":"hello there"}', '{"type":"signal","data":{"sdp":"v=0"}}',
             '{"type":"start","chat_type":"video","interests":["a","b"]}',
             '{"type":"resume","token":"00112233445566778899aabbccddeeff00112233"}',
             '{"type":"typing","active":false,"session_id":"0011223344556677"}',
             '{"type":"next","session_id":"0011223344556677"}',
             '{"type":"start","chat_type":"text","interests":[]}']
    for v in valid:  # every truncation
        cases += [v[:i] for i in range(1, len(v))]
    for v in valid:  # junk before and after a valid command
        cases += [j + v for j in ("x", "[", "]", ",", "}", "{", ":", '"', "nul", "tru")]
        cases += [v + j for j in ("x", "[", "]", ",", "}", "{", ":", '"', "1", "{}")]
    cases += ["[" * 30000 + "]" * 30000]  # deep, within the 64 KiB frame limit
    for depth in (10, 100, 1000, 10000):
        cases += ["[" * depth + "]" * depth, '{"type":"message","text":' + "[" * depth + "]" * depth + "}",
                  '{"a":' * depth + "1" + "}" * depth]
    for n in ("1e999999", "-1e999999", "1" * 400, "18446744073709551616", "-0", "NaN", "Infinity", "0x10"):
        cases += [f'{{"type":"typing","active":{n}}}', f'{{"type":"resume","token":"t","since":{n}}}',
                  f'{{"type":"message","text":{n}}}']
    cases += ['{"type":"message","text":"a\\u0000b"}'.replace("\\u0000", "\x00"), "\x00",
              '{"type":"message\x00","text":"x"}', '{"type":"message","text":"\\ud800"}',
              '{"type":"message","text":"\\udc00\\ud800"}', '{"type":"message","text":"\\uZZZZ"}']
    cases += ['{"type":"message","text":"a","type":"start"}', '{"type":"typing","active":true,"active":1}',
              '{"type":"signal","data":{},"data":"x"}']
    # null is not here: an optional field given null means absent (the decoder's rule).
    wrong = [1, -1, 1.5, True, "s", [], {}, [1, 2], {"a": 1}, "", [None]]
    shapes = {"type": ["message", "typing", "signal", "start", "resume", "next", "turn_credentials"]}
    for kind, field in [("message", "text"), ("typing", "active"), ("signal", "data"), ("start", "chat_type"),
                        ("start", "interests"), ("resume", "token"), ("resume", "since")]:
        for w in wrong:
            if (field == "text" and isinstance(w, str)) or (field == "active" and isinstance(w, bool)) or \
               (field == "data" and isinstance(w, dict)) or (field == "token" and isinstance(w, str)) or \
               (field == "interests" and w == []) or (field == "since" and isinstance(w, int) and not isinstance(w, bool) and w >= 0):
                continue
            cases.append(json.dumps({"type": kind, field: w}))
    for w in wrong:
        cases.append(json.dumps({"type": w}))
        cases.append(json.dumps(w))
    cases += [json.dumps({"type": t}) + "garbage" for t in shapes["type"]]
    cases += ["", " ", "null", "{}", '{"type":""}', '{"type":"unknown"}', '{"type":"MESSAGE","text":"x"}',
              "{'type':'message'}", '{"type":"message","text":"x"', '{"type":"message" "text":"x"}',
              '{"type":"message","text":"' + "x" * 60000 + '"}', '{"type":"signal","data":"' + "y" * 60000 + '"}',
              '{"type":"start","interests":[' + ",".join(['"i"'] * 5000) + "]}", "\ufeff{}", "[]" * 100]
    return cases


async def hostile_json():
    s = Server("--rate-messages-per-s", "0", "--rate-signals-per-s", "0", "--rate-typing-per-s", "0")
    try:
        a, b = await pair(s.port)
        cases = hostile_cases()
        errors, other, closed = 0, [], None
        for c in cases:
            a.send(c)
            try:
                m = await asyncio.wait_for(a.recv(), 5)
                if m.get("type") == "error":
                    errors += 1
                else:
                    other.append((c[:60], m.get("type")))
            except (Closed, asyncio.TimeoutError) as e:
                closed = (c[:60], getattr(e, "code", "timeout"))
                break
        leaked = []
        try:
            while True:
                leaked.append(await asyncio.wait_for(b.recv(), 0.5))
        except (asyncio.TimeoutError, Closed):
            pass
        leaked = [m for m in leaked if m.get("type") in ("message", "signal", "typing")]
        # Raw invalid UTF-8 cannot be a WebSocket text frame (Beast closes 1007): over REST.
        start = json.loads((await http(s.port, "POST", "/start", b"{}"))[2])
        ISSUED.add(start["token"])
        bad = [b'{"text":"\xff\xfe"}', b'{"text":"\xc0\xaf"}', b'{"text":"\xed\xa0\x80"}', b"\xf8\x88\x80\x80\x80"]
        rest = [(await http(s.port, "POST", "/send", x, f"Authorization: Bearer {start['token']}\r\n"))[0] for x in bad]
        alive = (await http(s.port, "GET", "/health"))[0] == 200
        ok = errors == len(cases) and not leaked and closed is None and alive and all(r == 400 for r in rest)
        report("hostile JSON over WebSocket", f"{len(cases)} cases: {errors} error answers, "
               f"{len(other)} other answers {other[:3]}, closed {closed}, partner saw {len(leaked)}; "
               f"REST invalid UTF-8 statuses {rest}; server alive {alive}",
               ">= 500 cases, an error for each, connection stays, partner sees nothing", ok and len(cases) >= 500)
    finally:
        s.stop()


async def oversized():
    s = Server()
    try:
        results = {}
        for label, size in (("64 KiB + 1", 64 * 1024 + 1), ("1 MiB", 1 << 20)):
            a, b = await pair(s.port)
            payload = ('{"type":"message","text":"' + "x" * size + '"}').encode()[:size]
            try:
                a.send_raw(frame(payload))
                await a.writer.drain()
            except ConnectionError:
                pass
            _, code = await a.drain_until_closed(5)
            seen = []
            try:
                while True:
                    m = await asyncio.wait_for(b.recv(), 1)
                    seen.append(m.get("type"))
                    if m.get("type") == "partner_left":
                        break
            except (asyncio.TimeoutError, Closed):
                pass
            results[label] = (code, "message" not in seen and "partner_left" in seen)
        h = (await http(s.port, "GET", "/health", headers="X-Big: " + "a" * 9 * 1024 + "\r\n"))[0]
        body = (await http(s.port, "POST", "/start", b"{" + b" " * (64 * 1024) + b"}"))[0]
        ok = results["64 KiB + 1"][0] == 1009 and results["1 MiB"][0] in (1009, 1006) and \
            all(v[1] for v in results.values()) and h == 431 and body == 413
        report("oversized input", f"frame 64 KiB+1 -> {results['64 KiB + 1'][0]}, 1 MiB -> {results['1 MiB'][0]} "
               f"(partner saw no message, got partner_left: {all(v[1] for v in results.values())}); "
               f"9 KiB header -> {h}; 64 KiB+1 body -> {body}",
               "1009 (1 MiB: 1009 or reset 1006), 431, 413, partner never sees it", ok)
    finally:
        s.stop()


async def connection_flood():
    s = Server()  # MAX_CONNECTIONS_PER_ADDRESS 100
    try:
        socks = []
        for _ in range(300):
            r, w = await asyncio.open_connection("127.0.0.1", s.port)
            socks.append((r, w))
        await asyncio.sleep(0.2)
        statuses = []

        async def ask(r, w):
            w.write(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            head = await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 5)
            return int(head.split(b" ", 2)[1])
        statuses = await asyncio.gather(*(ask(r, w) for r, w in socks), return_exceptions=True)
        ok_count = sum(1 for x in statuses if x == 200)
        refused = sum(1 for x in statuses if x == 429)
        lat = []
        for _ in range(50):  # a probe from another loopback address
            t = time.monotonic()
            st = (await http(s.port, "GET", "/health", local="127.0.0.2"))[0]
            lat.append(((time.monotonic() - t) * 1000, st))
        probe_ok = sum(1 for _, st in lat if st == 200)
        report("connection flood from one address (300 connections, cap 100)",
               f"{ok_count} served, {refused} refused 429; probe from 127.0.0.2: {probe_ok}/50 OK, "
               f"p99 {p99([l for l, _ in lat]):.1f} ms",
               "exactly 100 served, the rest 429, probe 50/50 and p99 < 50 ms",
               ok_count == 100 and refused == 200 and probe_ok == 50 and p99([l for l, _ in lat]) < 50)
        for _, w in socks:
            w.close()
    finally:
        s.stop()


async def token_guessing():
    s = Server(*NO_LIMITS)
    try:
        real = json.loads((await http(s.port, "POST", "/start", b"{}"))[2])["token"]
        ISSUED.add(real)
        endpoints = ["/send", "/signal", "/typing", "/receive", "/next", "/disconnect", "/turn_credentials"]
        bodies = {"/send": b'{"text":"x"}', "/signal": b'{"data":{}}', "/typing": b'{"active":true}'}
        answers = {}
        rest_total, ws_total = 90_000, 10_000

        async def worker(n, seed):
            rng = random.Random(seed)
            r, w = await asyncio.open_connection("127.0.0.1", s.port)
            for i in range(n):
                ep = endpoints[i % len(endpoints)]
                body = bodies.get(ep, b"{}")
                token = "%040x" % rng.getrandbits(160)
                w.write(f"POST {ep} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                        f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
                head = await r.readuntil(b"\r\n\r\n")
                length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))
                payload = await r.readexactly(length)
                status = head.split(b" ", 2)[1]
                answers.setdefault(ep, set()).add((status, payload))
            w.close()
        t = time.monotonic()
        await asyncio.gather(*(worker(rest_total // 8, i) for i in range(8)))
        rest_s = time.monotonic() - t
        ws_answers = set()

        async def resumer(n, seed):
            rng = random.Random(seed)
            ws, _ = await hello(s.port)
            for _ in range(n):
                ws.send({"type": "resume", "token": "%040x" % rng.getrandbits(160)})
                m = await ws.recv_type("error")  # `online` pushes may come between
                ws_answers.add(json.dumps(m, sort_keys=True))
            ws.close()
        await asyncio.gather(*(resumer(ws_total // 4, 100 + i) for i in range(4)))
        identical = all(len(v) == 1 and next(iter(v))[0] == b"401" for v in answers.values()) and len(ws_answers) == 1
        # Timing: a random token against one that shares all but the last character with the real one.
        r, w = await asyncio.open_connection("127.0.0.1", s.port)
        times = {"random": [], "prefix": []}
        rng = random.Random(7)
        for i in range(20_000):
            kind = "random" if i % 2 else "prefix"
            token = "%040x" % rng.getrandbits(160) if kind == "random" else real[:-1] + ("0" if real[-1] != "0" else "1")
            req = (f"POST /typing HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                   f"Content-Length: 15\r\n\r\n{{\"active\":true}}").encode()
            t0 = time.perf_counter_ns()
            w.write(req)
            head = await r.readuntil(b"\r\n\r\n")
            await r.readexactly(int(re.search(rb"(?i)content-length: (\d+)", head).group(1)))
            times[kind].append((time.perf_counter_ns() - t0) / 1000)
        w.close()
        med = {k: statistics.median(v) for k, v in times.items()}
        diff = abs(med["random"] - med["prefix"])
        report("token guessing (100,000 random tokens: 90,000 REST over 7 endpoints, 10,000 WS resume)",
               f"REST {rest_total} in {rest_s:.1f} s, answers per endpoint identical: "
               f"{all(len(v) == 1 for v in answers.values())} (all 401), WS resume answers identical: "
               f"{len(ws_answers) == 1}; median latency random {med['random']:.0f} us vs shared prefix "
               f"{med['prefix']:.0f} us (diff {diff:.0f} us, 10,000 each)",
               "all refused with identical answers, median difference < 1 ms", identical and diff < 1000)
    finally:
        s.stop()


async def resume_guessing_limited():
    """Token guessing over `resume` with the default limits (RATE_RESUME_FAILURES 30/min
    burst 30, RATE_ABUSE_LIMIT 100): limited, then closed."""
    s = Server()
    try:
        ws, _ = await hello(s.port)
        rng = random.Random(5)
        codes = []
        for _ in range(1000):
            ws.send({"type": "resume", "token": "%040x" % rng.getrandbits(160)})
            try:
                codes.append((await ws.recv_type("error"))["code"])
            except Closed as c:
                closed = c.code
                break
        else:
            closed = None
        unauthorized = codes.count("unauthorized")
        limited = codes.count("rate_limited")
        other, _ = await hello(s.port)
        other.send({"type": "resume", "token": "%040x" % rng.getrandbits(160)})
        second = (await other.recv_type("error"))["code"]
        other.close()
        report("token guessing over resume, default limits (RATE_RESUME_FAILURES 30/min burst 30)",
               f"{unauthorized} unauthorized, then {limited} rate_limited (not looked up), then close {closed}; "
               f"a second socket from the address: {second}",
               "30 unauthorized at most (+1/2 s refill), then rate_limited, 1008 after RATE_ABUSE_LIMIT (100), "
               "the address stays limited",
               unauthorized <= 32 and limited == 100 and closed == 1008 and second == "rate_limited")
    finally:
        s.stop()


async def shutdown_under_load():
    s = Server(*NO_LIMITS, "--receive-max-wait-s", "30")
    try:
        sockets = []
        for i in range(0, 1000, 100):
            sockets += await asyncio.gather(*(hello(s.port) for _ in range(100)))
        tokens = []
        for _ in range(50):
            st = json.loads((await http(s.port, "POST", "/start", b"{}"))[2])
            ISSUED.add(st["token"])
            tokens.append(st["token"])
        polls = [asyncio.ensure_future(http(s.port, "POST", "/receive", b'{"since":0,"wait":30}',
                                            f"Authorization: Bearer {t}\r\n")) for t in tokens]
        await asyncio.sleep(0.5)
        exited = {}

        def wait_exit():
            exited["code"] = s.proc.wait(15)
            exited["at"] = time.monotonic()
        t = time.monotonic()
        s.proc.send_signal(signal.SIGTERM)
        waiter = asyncio.get_running_loop().run_in_executor(None, wait_exit)
        closes = await asyncio.gather(*(ws.drain_until_closed(8) for ws, _ in sockets))
        answered = await asyncio.gather(*polls, return_exceptions=True)
        await waiter
        code, took = exited["code"], exited["at"] - t
        got1001 = sum(1 for _, c in closes if c == 1001)
        polls_ok = sum(1 for a in answered if not isinstance(a, Exception) and a[0] == 200)
        report("shutdown under load (1,000 WebSockets + 50 long polls, SIGTERM)",
               f"{got1001}/1000 closed with 1001, {polls_ok}/50 polls answered 200, exit {code} in {took:.2f} s",
               "every socket 1001, every poll answered, exit 0 within 5 s",
               got1001 == 1000 and polls_ok == 50 and code == 0 and took < 5)
    finally:
        s.stop()


async def slowloris():
    """slowhttptest: slow headers against /health and /ws, slow bodies against /send."""
    import shutil
    if not shutil.which("slowhttptest"):
        print("SKIP  slowloris: slowhttptest is not installed (scripts/setup.sh installs it)")
        return
    s = Server("--request-timeout-s", "10")
    try:
        fds_before = len(os.listdir(f"/proc/{s.proc.pid}/fd"))
        lines = []
        for label, args in (("slow headers /health", ["-H", "-u", f"http://127.0.0.1:{s.port}/health"]),
                            ("slow headers /ws", ["-H", "-u", f"http://127.0.0.1:{s.port}/ws"]),
                            ("slow body /send", ["-B", "-t", "POST", "-s", "16384", "-u", f"http://127.0.0.1:{s.port}/send"])):
            proc = await asyncio.create_subprocess_exec(
                "slowhttptest", "-c", "500", "-i", "2", "-r", "200", "-x", "24", "-p", "3", "-l", "9",
                *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
            lat, fails = [], 0
            end = time.monotonic() + 10
            while time.monotonic() < end:
                t = time.monotonic()
                try:
                    st = (await asyncio.wait_for(http(s.port, "GET", "/health", local="127.0.0.2"), 5))[0]
                    fails += st != 200
                except Exception:
                    fails += 1
                lat.append((time.monotonic() - t) * 1000)
                await asyncio.sleep(0.25)
            out = (await proc.communicate())[0].decode(errors="replace")
            out = re.sub(r"\x1b\[[0-9;]*m", "", out)  # its colours
            avail = re.findall(r"service available:\s*(\w+)", out)
            closed = re.findall(r"closed:\s*(\d+)", out)
            lines.append((label, len(lat), fails, p99(lat), avail[-1] if avail else "?", closed[-1] if closed else "?"))
        await asyncio.sleep(11)  # the request deadline (10 s) has passed for every slow socket
        fds_after = len(os.listdir(f"/proc/{s.proc.pid}/fd"))
        # 200 ms, not 50: under ASan with slowhttptest, the probe and the server on two
        # shared cores the probe's own latency measured 85-140 ms p99 (see docs/reliability.md).
        ok = all(f == 0 and p < 200 for _, _, f, p, _, _ in lines) and fds_after <= fds_before + 2
        fig = "; ".join(f"{l}: probe {n - f}/{n} OK p99 {p:.1f} ms, slowhttptest says available {a}, "
                        f"{c} slow sockets closed" for l, n, f, p, a, c in lines)
        report("slowloris and slow POST (slowhttptest, 500 sockets, 9 s each)",
               f"{fig}; server fds {fds_before} before, {fds_after} 11 s after",
               "probe from another address never fails, p99 < 200 ms; fds back to baseline", ok)
    finally:
        s.stop()


async def slow_consumer():
    """A client stops reading while its partner floods it with 2,000-character
    messages; 3 other pairs chat meanwhile."""
    s = Server(*NO_LIMITS, "--send-timeout-s", "5", log_level="debug")
    try:
        slow, flooder = await pair(s.port)
        probes = [await pair(s.port) for _ in range(3)]
        # Counted with every socket open (the server's own descriptors, such
        # as its WebSockets' epoll set, included): the slow one's release is
        # one fewer.
        fds_open = fd_count(s.proc.pid)
        slow.writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        slow.writer.transport.pause_reading()  # reads nothing from now on
        rss0 = peak = rss_kib(s.proc.pid)
        text = "x" * 2000
        sent, left, latencies = 0, None, []
        t0 = time.monotonic()
        deadline = t0 + 30

        flood_frame = frame(json.dumps({"type": "message", "text": text}).encode())  # encoded once: cheap to repeat

        async def flood():
            nonlocal sent
            while left is None and time.monotonic() < deadline:
                flooder.send_raw(flood_frame * 50)
                sent += 50
                await flooder.writer.drain()
                await asyncio.sleep(0.005)

        async def watch():
            nonlocal left
            m = await flooder.recv_type("partner_left", 30)
            left = (m.get("reason"), time.monotonic() - t0)

        async def sample():
            nonlocal peak
            while left is None and time.monotonic() < deadline:
                peak = max(peak, rss_kib(s.proc.pid))
                await asyncio.sleep(0.05)

        async def probe(a, b):
            while time.monotonic() < deadline and (left is None or time.monotonic() < t0 + left[1] + 2):
                t = time.monotonic()
                a.send({"type": "message", "text": "probe"})
                await b.recv_type("message")
                latencies.append((time.monotonic() - t) * 1000)
                await asyncio.sleep(0.1)
        await asyncio.gather(flood(), watch(), sample(), *(probe(a, b) for a, b in probes))
        # The server dropped what it had queued and queued a close behind the
        # megabytes the kernel still holds; a client that never reads again is
        # let go at SEND_TIMEOUT_S (5 s here): its descriptor is released.
        expected = fds_open - 1  # the probes and the flooder are still open
        cut = None
        while time.monotonic() < t0 + (left[1] if left else 0) + 15:
            if fd_count(s.proc.pid) <= expected:
                cut = time.monotonic() - t0
                break
            await asyncio.sleep(0.1)
        slow.writer.transport.abort()
        rss1 = rss_kib(s.proc.pid)
        queue_mib = 1.0  # WS_SEND_QUEUE_BYTES default
        growth = (peak - rss0) / 1024
        log = open(s.log).read()
        ok = left is not None and left[0] == "disconnected" and cut is not None and \
            growth < 32 and p99(latencies) < 200 and "send queue over WS_SEND_QUEUE_BYTES" in log
        report("slow consumer (stops reading; partner floods 2,000-char messages; WS_SEND_QUEUE_BYTES 1 MiB)",
               f"flooder sent {sent} messages ({sent * 2000 / 2**20:.1f} MiB) before the partner_left "
               f"({left[0] if left else None}) at {left[1] if left else float('nan'):.1f} s; the slow socket's descriptor "
               f"released at {cut if cut else float('nan'):.1f} s (SEND_TIMEOUT_S 5); server RSS {rss0 / 1024:.1f} MiB before, peak "
               f"+{growth:.1f} MiB, {rss1 / 1024:.1f} MiB after; 3 other pairs: {len(latencies)} probes, p99 "
               f"{p99(latencies):.1f} ms",
               "cut at the queue bound, partner told partner_left disconnected, socket released, "
               "RSS growth < 32 MiB, probe p99 < 200 ms", ok)
    finally:
        s.stop()


async def dead_peer():
    """A client that stops reading (so never answers a ping) with WS_PING_INTERVAL_S 1
    and RESUME_GRACE_S 2: dropped after two silent intervals, then its partner is told."""
    interval, grace = 1.0, 2.0
    s = Server("--ws-ping-interval-s", str(interval), "--resume-grace-s", str(grace))
    try:
        live_a, live_b = await pair(s.port)
        dead, partner = await pair(s.port)
        dead.writer.transport.pause_reading()
        t0 = time.monotonic()

        async def live():  # an ordinary client: reading answers the pings
            end = time.monotonic() + 2.5 * interval + grace + 2
            n = 0
            while time.monotonic() < end:
                live_a.send({"type": "message", "text": "still here"})
                await live_b.recv_type("message")
                n += 1
                try:
                    await asyncio.wait_for(live_a.recv(), 1)  # answers pings meanwhile
                except asyncio.TimeoutError:
                    pass
            return n
        async def told():
            m = await partner.recv_type("partner_left", 20)
            return m, time.monotonic() - t0
        (left, took), alive = await asyncio.gather(told(), live())
        dead.writer.transport.resume_reading()
        got, code = await dead.drain_until_closed(5)
        # The keepalive ticks every half interval and drops after five silent
        # ticks: 2.5-3 intervals after the last frame; then the grace. 0.5 s of slack.
        limit = 3 * interval + grace + 0.5
        ok = left.get("reason") == "disconnected" and 2 * interval + grace - 0.2 <= took <= limit and \
            code is not None and alive > 0
        report(f"dead peer (stops answering pings; WS_PING_INTERVAL_S {interval:g}, RESUME_GRACE_S {grace:g})",
               f"partner got partner_left ({left.get('reason')}) {took:.2f} s after the peer went silent; "
               f"the silent socket then found closed ({code}); a reading pair exchanged {alive} "
               f"messages meanwhile and stayed",
               f"partner_left disconnected after 2-3 intervals + grace ({2 * interval + grace:g}-"
               f"{limit:g} s, 0.5 s slack), the other pair unaffected", ok)
    finally:
        s.stop()


async def reconnect_storm():
    """N clients (N/2 chats) drop their sockets at once and resume with their tokens
    after a random jitter of up to 3 s (RESUME_GRACE_S default 10 s)."""
    n = SIZES.get("reconnect_storm", 1000)
    s = Server(*NO_LIMITS, "--spam-strangers", "0", log_level="info")
    try:
        clients = []  # {ws, token, session}
        for _ in range(n // 2):  # one pair at a time: concurrent starts would pair across
            clients += await pair_with_tokens(s.port)
        # Every client says "pre" and reads its partner's "pre": delivered, never to be replayed.
        by_session = {}
        for c in clients:
            by_session.setdefault(c["session"], []).append(c)
        for c in clients:
            c["ws"].send({"type": "message", "text": f"pre {c['token'][:6]}"})
        await asyncio.gather(*(c["ws"].recv_type("message", 15) for c in clients))
        for c in clients:  # a drop: no close frame
            c["ws"].writer.transport.abort()
        errors, times, got = [], [], {}

        async def comeback(c, rng):
            await asyncio.sleep(rng.uniform(0, 3))
            t = time.monotonic()
            ws = await WS.connect(s.port)
            h = await ws.recv_type("hello", 10)
            ISSUED.add(h["token"])
            ws.send({"type": "resume", "token": c["token"]})
            r = await ws.recv_type("resumed", 10)
            times.append((time.monotonic() - t) * 1000)
            if r.get("session_id") != c["session"] or r.get("status") != "matched":
                errors.append(f"resumed into {r.get('status')} {r.get('session_id') != c['session']}")
            c["new"] = ws
            ws.send({"type": "message", "text": f"back {c['token'][:6]}"})
        rng = random.Random(11)
        res = await asyncio.gather(*(comeback(c, rng) for c in clients), return_exceptions=True)
        errors += [repr(e) for e in res if isinstance(e, Exception)]

        async def collect(c):  # everything said to c after the reconnect, for 2 s of quiet
            seen = []
            try:
                while True:
                    m = await asyncio.wait_for(c["new"].recv(), 2)
                    if m.get("type") in ("message", "partner_left", "error"):
                        seen.append(m.get("text") or m.get("type"))
            except (asyncio.TimeoutError, Closed):
                pass
            return seen
        seen = await asyncio.gather(*(collect(c) for c in clients if "new" in c))
        wrong = 0
        for c, msgs in zip([c for c in clients if "new" in c], seen):
            other = [o for o in by_session[c["session"]] if o is not c][0]
            if msgs != [f"back {other['token'][:6]}"]:  # exactly once, and no "pre" again
                wrong += 1
                if len(errors) < 5:
                    errors.append(f"saw {msgs[:4]}")
        ok = len(times) == len(clients) and wrong == 0 and not errors
        report(f"reconnect storm ({len(clients)} clients in {len(clients) // 2} chats drop and resume, jitter 0-3 s)",
               f"{len(times)}/{len(clients)} resumed into their chat; partner's message while away seen exactly "
               f"once and nothing replayed twice by {len(clients) - wrong}/{len(clients)}; resume p50 "
               f"{statistics.median(times) if times else float('nan'):.1f} ms, p99 {p99(times):.1f} ms; errors "
               f"{len(errors)} {errors[:3]}",
               "all resumed, same chat, missed message exactly once, no errors", ok)
        for c in clients:
            if "new" in c:
                c["new"].close()
    finally:
        s.stop()


async def pair_with_tokens(port):
    a, ha = await hello(port)
    b, hb = await hello(port)
    a.send({"type": "start", "chat_type": "text"})
    await a.recv_type("waiting")
    b.send({"type": "start", "chat_type": "text"})
    mb = await b.recv_type("matched")
    ma = await a.recv_type("matched")
    return ({"ws": a, "token": ha["token"], "session": ma["session_id"]},
            {"ws": b, "token": hb["token"], "session": mb["session_id"]})


async def idle_capacity():
    """N idle WebSockets (each got its hello) held; a probe pair's round trips meanwhile."""
    n = SIZES.get("idle_capacity", 2000)
    s = Server(*NO_LIMITS, "--max-connections", str(n + 1000), log_level="info")
    try:
        await asyncio.sleep(0.5)
        fds0, rss0 = fd_count(s.proc.pid), rss_kib(s.proc.pid)
        held = []
        t = time.monotonic()
        for i in range(0, n, 250):
            held += await asyncio.gather(*(hello(s.port) for _ in range(min(250, n - i))))
        opened = time.monotonic() - t
        await asyncio.sleep(2)
        fds1, rss1 = fd_count(s.proc.pid), rss_kib(s.proc.pid)
        a, b = await pair(s.port)
        lat = []
        for i in range(300):
            t = time.monotonic()
            a.send({"type": "message", "text": f"probe {i}"})
            await b.recv_type("message")
            b.send({"type": "message", "text": f"echo {i}"})
            await a.recv_type("message")
            lat.append((time.monotonic() - t) * 1000)
        a.close()
        b.close()
        for ws, _ in held:
            ws.close()
        for _ in range(100):  # the server lets them all go
            await asyncio.sleep(0.2)
            if fd_count(s.proc.pid) <= fds0 + 2:
                break
        fds2 = fd_count(s.proc.pid)
        per = (rss1 - rss0) * 1024 / n
        ok = fds1 >= fds0 + n and fds2 <= fds0 + 2 and p99(lat) < 50 and per < 64 * 1024
        report(f"idle capacity ({n} idle WebSockets after hello)",
               f"opened in {opened:.1f} s; RSS {rss0 / 1024:.1f} -> {rss1 / 1024:.1f} MiB = {per / 1024:.1f} KiB "
               f"per connection (participant included); probe pair round trip p50 {statistics.median(lat):.2f} "
               f"ms, p99 {p99(lat):.2f} ms (300); server fds {fds0} before, {fds1} held, {fds2} after",
               "fds back to baseline, probe p99 < 50 ms, < 64 KiB per connection", ok)
    finally:
        s.stop()


async def short_soak():
    seconds = SIZES.get("soak", 60)
    s = Server(*SOAK_ARGS, log_level="info")
    try:
        r = await run_soak(s.port, s.proc.pid, 200, seconds, seconds / 3, interval=0.2, pause=1.0, issued=ISSUED)
        ok = not r["errors"] and r["fds_after"] <= r["fds_before"] + 2 and r["drift_kib"] < 8 * 1024 and r["chats"] > 0
        report(f"short soak (200 clients, {seconds:g} s; the 45-minute soak is soak.py)", describe(r),
               "no errors, fds back to baseline, RSS drift after warm-up < 8 MiB", ok)
    finally:
        s.stop()


def logs_free_of_tokens():
    logs = [os.path.join(WORK, f) for f in os.listdir(WORK) if f.endswith(".log")]
    text = "".join(open(f, errors="replace").read() for f in logs)
    lines = text.count("\n")
    hits = [t for t in ISSUED if t in text]
    report("no token in any log line (all servers of this run at LOG_LEVEL=trace)",
           f"{len(ISSUED)} tokens issued, {len(logs)} logs, {lines} lines, {len(hits)} tokens found",
           "0 tokens found", not hits)


SCENARIOS = {"flood": message_flood, "hostile_json": hostile_json, "oversized": oversized,
             "connection_flood": connection_flood, "token_guessing": token_guessing,
             "resume_guessing": resume_guessing_limited,
             "shutdown": shutdown_under_load, "slowloris": slowloris, "slow_consumer": slow_consumer,
             "dead_peer": dead_peer, "reconnect_storm": reconnect_storm, "idle_capacity": idle_capacity,
             "soak": short_soak}


def raise_fd_limit():
    """Idle capacity holds thousands of sockets on both ends (the server inherits this)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


async def main():
    chosen = []
    for arg in sys.argv[2:] or list(SCENARIOS):
        name, _, size = arg.partition("=")
        if size:
            SIZES[name] = int(size)
        chosen.append(name)
    limit = raise_fd_limit()
    if SIZES.get("idle_capacity", 2000) + 1100 > limit:
        print(f"note: open-file limit {limit} is below idle_capacity's needs", flush=True)
    for name in chosen:
        t = time.monotonic()
        try:
            await asyncio.wait_for(SCENARIOS[name](), 180 if name not in SIZES else 3600)
        except Exception as e:  # a scenario that breaks is a failure, not a crash of the suite
            report(name, f"error {type(e).__name__}: {e}", "runs to the end", False)
        print(f"      ({name}: {time.monotonic() - t:.1f} s)", flush=True)
    logs_free_of_tokens()
    print(f"{sum(RESULTS)} passed, {len(RESULTS) - sum(RESULTS)} failed; logs in {WORK}")
    return 0 if all(RESULTS) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
