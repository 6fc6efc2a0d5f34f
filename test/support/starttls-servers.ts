import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { TLSSocket, createSecureContext, type SecureContext } from 'node:tls';

/**
 * Local stand-ins for servers that upgrade to TLS in-band: each speaks the real opening of its
 * protocol (SMTP RFC 3207, IMAP RFC 3501, POP3 RFC 2595, PostgreSQL's SSLRequest), then runs
 * a real TLS handshake with the certificate chain it was given. `refuse` makes it answer the
 * way a server without TLS does.
 */
export type StartTlsProtocol = 'smtp' | 'imap' | 'pop3' | 'postgres';

export interface StartTlsServerOptions {
  chainPem: string;
  keyPem: string;
  refuse?: boolean;
}

type Reply = { write: string; upgrade?: boolean };
type Dialog = { greeting?: string; answer(line: string): Reply | undefined };

function dialog(protocol: Exclude<StartTlsProtocol, 'postgres'>, refuse: boolean): Dialog {
  switch (protocol) {
    case 'smtp':
      return {
        greeting: '220 mail.test ESMTP ready\r\n',
        answer: (line) => {
          if (/^EHLO /i.test(line)) return { write: `250-mail.test greets you\r\n250-SIZE 10240000\r\n${refuse ? '' : '250-STARTTLS\r\n'}250 HELP\r\n` };
          if (/^STARTTLS$/i.test(line))
            return refuse ? { write: '502 5.5.1 command not implemented\r\n' } : { write: '220 2.0.0 Ready to start TLS\r\n', upgrade: true };
          return { write: '500 5.5.2 unknown command\r\n' };
        },
      };
    case 'imap':
      return {
        greeting: `* OK [CAPABILITY IMAP4rev1${refuse ? '' : ' STARTTLS'}] imap.test ready\r\n`,
        answer: (line) => {
          const [tag, command] = line.split(' ');
          if (command?.toUpperCase() === 'STARTTLS')
            return refuse ? { write: `${tag} NO STARTTLS is not available\r\n` } : { write: `${tag} OK Begin TLS negotiation now\r\n`, upgrade: true };
          return { write: `${tag} BAD unknown command\r\n` };
        },
      };
    case 'pop3':
      return {
        greeting: '+OK pop3.test ready\r\n',
        answer: (line) => {
          if (/^STLS$/i.test(line)) return refuse ? { write: '-ERR STLS not supported\r\n' } : { write: '+OK Begin TLS negotiation\r\n', upgrade: true };
          return { write: '-ERR unknown command\r\n' };
        },
      };
  }
}

export class StartTlsServer {
  private readonly sockets = new Set<Socket>();
  /** Commands the server received before the handshake, in order. */
  readonly received: string[] = [];

  private constructor(
    private readonly server: Server,
    private readonly context: SecureContext,
  ) {}

  static async start(protocol: StartTlsProtocol, options: StartTlsServerOptions): Promise<StartTlsServer> {
    const context = createSecureContext({ cert: options.chainPem, key: options.keyPem });
    let self: StartTlsServer | undefined;
    const server = createServer((socket) => self?.accept(socket, protocol, options.refuse ?? false));
    self = new StartTlsServer(server, context);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return self;
  }

  get target(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private accept(socket: Socket, protocol: StartTlsProtocol, refuse: boolean): void {
    this.sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
    if (protocol === 'postgres') return this.acceptPostgres(socket, refuse);
    const talk = dialog(protocol, refuse);
    if (talk.greeting) socket.write(talk.greeting);
    let pending = '';
    const onData = (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      let end: number;
      while ((end = pending.indexOf('\r\n')) !== -1) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + 2);
        this.received.push(line);
        const reply = talk.answer(line);
        if (!reply) continue;
        socket.write(reply.write);
        if (reply.upgrade) {
          socket.removeListener('data', onData);
          this.upgrade(socket);
          return;
        }
      }
    };
    socket.on('data', onData);
  }

  private acceptPostgres(socket: Socket, refuse: boolean): void {
    socket.once('data', (chunk: Buffer) => {
      const isSslRequest = chunk.length === 8 && chunk.readUInt32BE(0) === 8 && chunk.readUInt32BE(4) === 80877103;
      this.received.push(isSslRequest ? 'SSLRequest' : `unexpected ${chunk.length} bytes`);
      if (!isSslRequest || refuse) {
        socket.write('N'); // as PostgreSQL does: the connection stays open for a plain startup
        return;
      }
      socket.write('S');
      this.upgrade(socket);
    });
  }

  private upgrade(socket: Socket): void {
    const secure = new TLSSocket(socket, { isServer: true, secureContext: this.context });
    secure.on('error', () => undefined);
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
