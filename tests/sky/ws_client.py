#!/usr/bin/python3
"""Minimal WebSocket client for tests/sky/websocket.sh (standard library only).

ws_client.py PORT PATH [HEADER...] -> prints the first N text messages
(N = $WS_MESSAGES, default 1), one per line; exit 2 when the server refuses
the upgrade, 3 on timeout.
"""
import base64
import os
import socket
import sys


def read_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def main():
    port, path = int(sys.argv[1]), sys.argv[2]
    extra = "".join(h + "\r\n" for h in sys.argv[3:])
    key = base64.b64encode(os.urandom(16)).decode()
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                  f"Sec-WebSocket-Version: 13\r\n{extra}\r\n").encode())
    head = b""
    try:
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(1)
            if not chunk:
                return 2
            head += chunk
    except (ConnectionResetError, socket.timeout):
        return 2
    if b" 101 " not in head.split(b"\r\n")[0]:
        return 2
    for _ in range(int(os.environ.get("WS_MESSAGES", "1"))):
        try:
            b0, b1 = read_exact(sock, 2)
            n = b1 & 0x7F
            if n == 126:
                n = int.from_bytes(read_exact(sock, 2), "big")
            elif n == 127:
                n = int.from_bytes(read_exact(sock, 8), "big")
            payload = read_exact(sock, n)
        except socket.timeout:
            return 3
        except EOFError:
            return 2
        if b0 & 0x0F == 1:
            print(payload.decode(), flush=True)
    sock.close()
    return 0


sys.exit(main())
