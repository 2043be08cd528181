#!/usr/bin/env python3
"""A webhook receiver for `make bench`: answers every POST 200 at once and counts what came,
on asyncio so it costs little CPU next to the services it is measured with.

usage: receiver.py PORT
GET /stats answers {"requests": n, "deliveries": distinct Stockroom-Delivery ids}.
Bodies with a content-length only (what the events service sends); keep-alive honoured.
"""
import asyncio
import json
import sys

requests = 0
deliveries = set()


async def handle(reader, writer):
    global requests  # pylint: disable=global-statement
    try:
        while True:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            method = head[0].split(" ", 1)[0]
            headers = {}
            for line in head[1:]:
                name, sep, value = line.partition(":")
                if sep:
                    headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            if length:
                await reader.readexactly(length)
            body = b""
            if method == "POST":
                requests += 1
                deliveries.add(headers.get("stockroom-delivery"))
            else:
                body = json.dumps({"requests": requests, "deliveries": len(deliveries)}).encode()
            close = headers.get("connection", "").lower() == "close"
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n%s\r\n%s"
                         % (len(body), b"connection: close\r\n" if close else b"", body))
            await writer.drain()
            if close:
                return
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


async def main(port):
    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
