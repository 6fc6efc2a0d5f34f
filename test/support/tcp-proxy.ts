import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on loopback in front of a server, able to freeze the connections open now:
 * they stay open but carry nothing more, as a half-open connection does after a failover or
 * a network partition (no RST, no FIN, so the client never learns it is dead). Connections
 * made after a freeze work normally.
 */
export class FreezingTcpProxy {
  private readonly pairs = new Set<{ client: Socket; upstream: Socket; frozen: boolean }>();
  private readonly server: Server;
  port = 0;

  private constructor(targetPort: number, targetHost: string) {
    this.server = createServer((client) => {
      const upstream = createConnection({ port: targetPort, host: targetHost });
      const pair = { client, upstream, frozen: false };
      this.pairs.add(pair);
      client.on('data', (d) => void (pair.frozen || upstream.write(d)));
      upstream.on('data', (d) => void (pair.frozen || client.write(d)));
      const end = () => {
        this.pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on('close', end).on('error', end);
      upstream.on('close', end).on('error', end);
    });
  }

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<FreezingTcpProxy> {
    const proxy = new FreezingTcpProxy(targetPort, targetHost);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', () => resolve()));
    const address = proxy.server.address();
    proxy.port = typeof address === 'object' && address ? address.port : 0;
    return proxy;
  }

  get connections(): number {
    return this.pairs.size;
  }

  /** From now on, every connection open now drops what either side sends; returns how many. */
  freezeAll(): number {
    for (const p of this.pairs) p.frozen = true;
    return this.pairs.size;
  }

  async stop(): Promise<void> {
    for (const p of this.pairs) {
      p.client.destroy();
      p.upstream.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
