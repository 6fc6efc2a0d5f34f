import { isIP, type Socket } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';

export interface TlsUpgradeOptions {
  /** The host connected to: the SNI name and the name verified unless serverName is set. */
  host: string;
  /** @defaultValue host */
  serverName?: string;
  /** false: finish the handshake whatever the certificate (the caller judges it). */
  rejectUnauthorized: boolean;
  /** Trusted CAs; setting it replaces Node's bundled roots. */
  ca?: string | string[];
  /** ALPN protocols offered (gRPC: ['h2']). */
  alpn?: string[];
}

export interface TlsUpgrade {
  /** The TLS socket, at once: it owns the plain one, so it is the one to destroy. */
  socket: TLSSocket;
  /** Settles at the end of the handshake: resolves at secureConnect, rejects on its error. */
  ready: Promise<TLSSocket>;
}

/**
 * Starts TLS on an already connected socket: after a plain connect (tcp, grpc) or after a
 * STARTTLS exchange (sources.ts). An IP address is never sent as SNI (RFC 6066), but is still
 * the name the certificate is verified against. Errors after the handshake are the caller's.
 */
export function upgradeToTls(plain: Socket, options: TlsUpgradeOptions): TlsUpgrade {
  const name = options.serverName ?? options.host;
  const socket = connect({
    socket: plain,
    host: name,
    ...(isIP(name) ? {} : { servername: name }),
    rejectUnauthorized: options.rejectUnauthorized,
    ...(options.ca !== undefined ? { ca: options.ca } : {}),
    ...(options.alpn ? { ALPNProtocols: options.alpn } : {}),
  });
  socket.on('error', () => undefined); // the first error rejects `ready`; later ones must not crash
  const ready = new Promise<TLSSocket>((resolve, reject) => {
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
  });
  ready.catch(() => undefined); // a caller that gave up (timeout) no longer listens
  return { socket, ready };
}
