"""A bare ZMTP 3.0 SUB peer with the NULL mechanism and no keys, in plain stdlib (no pyzmq), so it
runs under any user's system Python. It prints "connected" or "refused: <reason>", the peer's
security mechanism, then one line per frame ("command …" or "message …") until its standard input
closes or the peer hangs up ("closed").

Usage: zmtp_subscriber.py tcp://HOST:PORT | ipc:///path
"""

import select
import socket
import sys


def _connect(endpoint: str) -> socket.socket:
    if endpoint.startswith("ipc://"):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(endpoint[len("ipc://"):])
        return sock
    host, port = endpoint[len("tcp://"):].rsplit(":", 1)
    return socket.create_connection((host.strip("[]"), int(port)), timeout=10)


def _read_frame(sock: socket.socket, buffer: bytearray):
    """One (is_command, body) frame from `buffer`, reading more as needed; None when the peer closed."""
    while True:
        if len(buffer) >= 2:
            head = 9 if buffer[0] & 0x02 else 2
            if len(buffer) >= head:
                size = int.from_bytes(buffer[1:head], "big")
                if len(buffer) >= head + size:
                    frame = (bool(buffer[0] & 0x04), bytes(buffer[head:head + size]))
                    del buffer[:head + size]
                    return frame
        data = sock.recv(65536)
        if not data:
            return None
        buffer += data


def main(endpoint: str) -> None:
    try:
        sock = _connect(endpoint)
    except OSError as exc:
        print(f"refused: {exc.strerror or exc}", flush=True)
        return
    print("connected", flush=True)
    buffer = bytearray()
    try:
        # Each step waits for the peer's answer: libzmq reads a greeting in stages.
        sock.sendall(b"\xff" + bytes(8) + b"\x7f" + b"\x03\x00" + b"NULL".ljust(20, b"\0") + bytes(32))
        while len(buffer) < 64:
            data = sock.recv(64)
            if not data:
                raise ConnectionError
            buffer += data
        print(f"peer mechanism {bytes(buffer[12:32]).rstrip(bytes(1)).decode()}", flush=True)
        del buffer[:64]
        ready = b"\x05READY" + b"\x0bSocket-Type" + (3).to_bytes(4, "big") + b"SUB"
        sock.sendall(bytes([0x04, len(ready)]) + ready)
        answer = _read_frame(sock, buffer)
        if answer is None:
            raise ConnectionError
        print(f"command {answer[1][:60]!r}", flush=True)
        sock.sendall(b"\x00\x01\x01")  # a one-byte message: subscribe to every topic
    except OSError:
        print("closed", flush=True)
        return
    sock.settimeout(None)
    while True:
        readable, _, _ = select.select([sock, sys.stdin], [], [], 1.0)
        if sys.stdin in readable and not sys.stdin.readline():
            return
        if sock in readable:
            frame = _read_frame(sock, buffer)
            if frame is None:
                print("closed", flush=True)
                return
            print(f"{'command' if frame[0] else 'message'} {frame[1][:60]!r}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
