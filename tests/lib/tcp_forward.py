#!/usr/bin/python3
"""tcp_forward.py LISTEN_HOST:PORT TARGET_HOST:PORT [...] -- forwards TCP connections, for
tests that put a worker in a network namespace of its own: the worker reaches RabbitMQ and Redis
(which listen on loopback) through an address of the namespace's link, so cutting the link cuts
the worker off. Prints "ready" once every listener is up. Standard library only."""
import asyncio
import sys


async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def serve(listen, target):
    lhost, lport = listen.rsplit(":", 1)
    thost, tport = target.rsplit(":", 1)

    async def handle(reader, writer):
        try:
            treader, twriter = await asyncio.open_connection(thost, int(tport))
        except OSError:
            writer.close()
            return
        await asyncio.gather(pipe(reader, twriter), pipe(treader, writer))

    return await asyncio.start_server(handle, lhost, int(lport))


async def main(pairs):
    servers = [await serve(pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2)]
    print("ready", flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


if __name__ == "__main__":
    if len(sys.argv) < 3 or len(sys.argv) % 2 == 0:
        sys.exit(__doc__)
    asyncio.run(main(sys.argv[1:]))
