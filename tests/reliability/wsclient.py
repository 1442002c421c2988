"""A minimal asyncio WebSocket client (RFC 6455) for the reliability suite:
no third-party package, and raw frames when a scenario needs them."""
import asyncio, base64, json, os, struct


class Closed(Exception):
    def __init__(self, code):
        super().__init__(f"closed {code}")
        self.code = code


def frame(payload: bytes, opcode=1, fin=True, length=None):
    mask = os.urandom(4)
    n = len(payload) if length is None else length
    head = bytes([(0x80 if fin else 0) | opcode])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack(">H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack(">Q", n)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return head + mask + masked


class WS:
    def __init__(self, reader, writer, status):
        self.reader, self.writer, self.status = reader, writer, status
        self.close_code = None

    @classmethod
    async def connect(cls, port, host="127.0.0.1", local=None, headers=""):
        kw = {"local_addr": (local, 0)} if local else {}
        reader, writer = await asyncio.open_connection(host, port, limit=4 << 20, **kw)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write((f"GET /ws HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                      f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                      f"Sec-WebSocket-Version: 13\r\n{headers}\r\n").encode())
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        ws = cls(reader, writer, status)
        if status != 101:
            writer.close()
        return ws

    def send_raw(self, data: bytes):
        self.writer.write(data)

    def send(self, obj):
        text = obj if isinstance(obj, (str, bytes)) else json.dumps(obj)
        self.writer.write(frame(text.encode() if isinstance(text, str) else text))

    async def recv_frame(self):
        h = await self.reader.readexactly(2)
        op, n = h[0] & 0x0F, h[1] & 0x7F
        if n == 126:
            n = struct.unpack(">H", await self.reader.readexactly(2))[0]
        elif n == 127:
            n = struct.unpack(">Q", await self.reader.readexactly(8))[0]
        return op, await self.reader.readexactly(n)

    async def recv(self):
        """The next text message as JSON; answers pings; raises Closed."""
        while True:
            try:
                op, data = await self.recv_frame()
            except (asyncio.IncompleteReadError, ConnectionError):
                self.close_code = self.close_code or 1006
                raise Closed(self.close_code)
            if op == 1:
                return json.loads(data)
            if op == 9:
                self.writer.write(frame(data, opcode=10))
            elif op == 8:
                self.close_code = struct.unpack(">H", data[:2])[0] if len(data) >= 2 else 1005
                # Answer the close handshake, as a browser does, and let go.
                try:
                    self.writer.write(frame(data[:2], opcode=8))
                    self.writer.close()
                except Exception:
                    pass
                raise Closed(self.close_code)

    async def recv_type(self, kind, timeout=5):
        async def loop():
            while True:
                m = await self.recv()
                if m.get("type") == kind:
                    return m
        return await asyncio.wait_for(loop(), timeout)

    async def drain_until_closed(self, timeout=10):
        """Reads until the server closes; returns (messages, close code)."""
        got = []
        try:
            async def loop():
                while True:
                    got.append(await self.recv())
            await asyncio.wait_for(loop(), timeout)
        except Closed as c:
            return got, c.code
        except asyncio.TimeoutError:
            return got, None

    def close(self):
        try:
            self.writer.write(frame(struct.pack(">H", 1000), opcode=8))
            self.writer.close()
        except Exception:
            pass
