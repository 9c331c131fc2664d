"""Forwards 127.0.0.1:LOCAL_PORT to HOST:PORT, byte for byte.

TensorBoard's --grpc_data_provider client uses gRPC local channel credentials, which refuse any
peer that is not a loopback address. When the data provider (the Metrics query service) runs in
another container or pod, TensorBoard connects to this forwarder on loopback instead.

Usage: python loopback_forward.py LOCAL_PORT HOST:PORT
"""

import asyncio
import sys


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(1 << 16):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def _serve(local_port: int, host: str, port: int) -> None:
    async def handle(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(host, port)
        except OSError as error:
            print(f"loopback_forward: cannot reach {host}:{port}: {error}", file=sys.stderr, flush=True)
            client_writer.close()
            return
        await asyncio.gather(_pipe(client_reader, upstream_writer), _pipe(upstream_reader, client_writer))

    server = await asyncio.start_server(handle, "127.0.0.1", local_port)
    async with server:
        await server.serve_forever()


def main() -> None:
    local_port = int(sys.argv[1])
    host, _, port = sys.argv[2].rpartition(":")
    asyncio.run(_serve(local_port, host, int(port)))


if __name__ == "__main__":
    main()
