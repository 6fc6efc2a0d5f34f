import { randomBytes } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A local stand-in for Slack's Socket Mode websocket (api.slack.com/apis/socket-mode):
 * apps.connections.open hands out its ws:// URL; on connect it sends `hello`; it delivers
 * envelopes `{envelope_id, type, payload, accepts_response_payload}` and records the client's
 * acknowledgements `{envelope_id, payload}`.
 */
export class SocketModeStandIn {
  private server?: WebSocketServer;
  private readonly sockets = new Set<WebSocket>();
  readonly acks: { envelope_id: string }[] = [];
  port = 0;

  async start(): Promise<this> {
    this.server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => this.server!.once('listening', () => resolve()));
    this.port = (this.server.address() as { port: number }).port;
    this.server.on('connection', (ws) => {
      this.sockets.add(ws);
      // Slack pings every few seconds; clients reconnect when pings stop (serverPingTimeout).
      const pinger = setInterval(() => ws.ping('standin'), 5_000);
      ws.on('close', () => {
        clearInterval(pinger);
        this.sockets.delete(ws);
      });
      ws.on('message', (data) => {
        try {
          const msg = JSON.parse(String(data)) as { envelope_id?: string };
          if (msg.envelope_id) this.acks.push({ envelope_id: msg.envelope_id });
        } catch {
          /* not ours to judge */
        }
      });
      ws.send(JSON.stringify({ type: 'hello', num_connections: this.sockets.size, debug_info: { host: 'applink-standin', approximate_connection_time: 18060 }, connection_info: { app_id: 'A0ALERTWRK' } }));
    });
    return this;
  }

  /** A fresh URL per apps.connections.open, like Slack's ticketed URLs. */
  url(): string {
    return `ws://127.0.0.1:${this.port}/link/?ticket=${randomBytes(8).toString('hex')}&app_id=A0ALERTWRK`;
  }

  get connections(): number {
    return this.sockets.size;
  }

  /** Sends an `interactive` envelope to one connected client; returns its envelope id. */
  deliver(payload: unknown, envelopeId = randomBytes(12).toString('hex')): string {
    const [ws] = this.sockets;
    if (!ws) throw new Error('no Socket Mode client is connected');
    ws.send(JSON.stringify({ envelope_id: envelopeId, payload, type: 'interactive', accepts_response_payload: false }));
    return envelopeId;
  }

  async stop(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
