import { randomBytes } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A local stand-in for Slack's Socket Mode websocket (api.slack.com/apis/socket-mode):
 * apps.connections.open hands out its ws:// URL; on connect it sends `hello`; it delivers
 * envelopes `{envelope_id, type, payload, accepts_response_payload}` and records the client's
 * acknowledgements `{envelope_id, payload}`.
 */
const RETRY_AFTER_MS = 3_000;
const MAX_RETRIES = 3;

export class SocketModeStandIn {
  private server?: WebSocketServer;
  private readonly sockets = new Set<WebSocket>();
  private readonly retries = new Set<NodeJS.Timeout>();
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
      ws.send(
        JSON.stringify({
          type: 'hello',
          num_connections: this.sockets.size,
          debug_info: { host: 'applink-standin', approximate_connection_time: 18060 },
          connection_info: { app_id: 'A0ALERTWRK' },
        }),
      );
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

  /**
   * Sends an `interactive` envelope to the newest open connection; returns its envelope id.
   * Like Slack, an envelope not acknowledged within RETRY_AFTER_MS is sent again (same id,
   * `retry_attempt` counting up, at most MAX_RETRIES times): a client that was reconnecting
   * when it was first sent (under load its ping checks can time out) still gets the click.
   */
  deliver(payload: unknown, envelopeId = randomBytes(12).toString('hex')): string {
    this.send(envelopeId, payload, 0);
    return envelopeId;
  }

  private send(envelopeId: string, payload: unknown, attempt: number): void {
    const open = [...this.sockets].filter((ws) => ws.readyState === ws.OPEN);
    const ws = open.at(-1);
    if (!ws && attempt === 0) throw new Error('no Socket Mode client is connected');
    ws?.send(
      JSON.stringify({
        envelope_id: envelopeId,
        payload,
        type: 'interactive',
        accepts_response_payload: false,
        retry_attempt: attempt,
        retry_reason: attempt > 0 ? 'timeout' : '',
      }),
    );
    if (attempt >= MAX_RETRIES) return;
    const retry = setTimeout(() => {
      this.retries.delete(retry);
      if (!this.acks.some((a) => a.envelope_id === envelopeId)) this.send(envelopeId, payload, attempt + 1);
    }, RETRY_AFTER_MS);
    this.retries.add(retry);
  }

  async stop(): Promise<void> {
    for (const retry of this.retries) clearTimeout(retry);
    for (const ws of this.sockets) ws.terminate();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
