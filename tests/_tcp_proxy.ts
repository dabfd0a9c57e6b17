// Test helper: a TCP proxy on loopback in front of a real server, which a
// test can cut off without closing anything, as a network partition does:
// while cut, bytes in either direction are held (TCP would retransmit them
// once the network heals), and new connections are accepted but not
// passed on. Healing delivers what was held.

import * as net from "node:net";

/** A proxy; see the module comment. Dispose it to close every socket. */
export interface TcpProxy extends AsyncDisposable {
  /** The URL to give clients instead of the server's. */
  readonly url: string;
  /** The proxy's port on 127.0.0.1. */
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Stops forwarding, closing nothing. */
  cut(): void;
  /** Forwards again, held bytes first. */
  heal(): void;
  /** Sends new connections to the server at `port` (a failover). */
  retarget(port: number): void;
}

/** Starts a proxy to the server at `port` on 127.0.0.1. */
export async function startProxy(port: number): Promise<TcpProxy> {
  let target = port;
  const sockets = new Set<net.Socket>();
  const waiting: (() => void)[] = [];
  let cut = false;
  let accepted = 0;
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
  };
  const server = net.createServer((client) => {
    accepted++;
    track(client);
    client.pause();
    const connect = () => {
      if (client.destroyed) return;
      const upstream = net.connect({ host: "127.0.0.1", port: target });
      track(upstream);
      upstream.pause();
      pipe(client, upstream);
      pipe(upstream, client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    };
    if (cut) waiting.push(connect);
    else connect();
  });
  // Held while cut: each side is paused, so the kernel buffers hold its bytes.
  const pipe = (from: net.Socket, to: net.Socket) => {
    from.on("data", (data) => to.write(data));
    if (!cut) from.resume();
  };
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port: own } = server.address() as net.AddressInfo;
  return {
    url: `redis://127.0.0.1:${own}`,
    port: own,
    get accepted() {
      return accepted;
    },
    cut() {
      cut = true;
      for (const socket of sockets) socket.pause();
    },
    heal() {
      cut = false;
      for (const connect of waiting.splice(0)) connect();
      for (const socket of sockets) socket.resume();
    },
    retarget(port) {
      target = port;
    },
    async [Symbol.asyncDispose]() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
