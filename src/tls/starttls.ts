import type { Socket } from 'node:net';
import { TlsUpgradeRefused, type TlsDialect } from './sources.js';

/**
 * STARTTLS for mail and database servers: the plain-text exchange that precedes the TLS
 * handshake on SMTP (RFC 3207), IMAP (RFC 3501 §6.2.1), POP3 (RFC 2595 §4) and PostgreSQL
 * (SSLRequest). Each reads only the server's answer, so the TLS bytes that follow are untouched.
 */

/** A server's reply is a few short lines; more is not the protocol we expect. */
const MAX_REPLY_BYTES = 16 * 1024;

/**
 * Collects bytes until `complete` says the reply is whole, then stops reading (the socket is
 * paused for the TLS layer). Rejects on close, error, abort or an oversized reply.
 */
function readReply(socket: Socket, signal: AbortSignal, complete: (text: Buffer) => boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buffer = Buffer.alloc(0);
    const cleanup = () => {
      socket.removeListener('data', onData);
      socket.removeListener('close', onClose);
      signal.removeEventListener('abort', onAbort);
      socket.pause();
    };
    const fail = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length > MAX_REPLY_BYTES) return fail(new Error(`reply longer than ${MAX_REPLY_BYTES} bytes`));
      if (complete(buffer)) {
        cleanup();
        resolve(buffer);
      }
    };
    const onClose = () => fail(new TlsUpgradeRefused('server closed the connection before the TLS handshake'));
    const onAbort = () => fail(new Error('aborted'));
    socket.on('data', onData);
    socket.once('close', onClose);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.resume();
  });
}

/** For error texts: the server's words, one line, bounded. */
function quote(reply: Buffer | string): string {
  return JSON.stringify(String(reply).replace(/\s+/g, ' ').trim().slice(0, 120));
}

/** An SMTP reply is complete at a line "NNN " (multi-line replies use "NNN-"). */
async function smtpReply(socket: Socket, signal: AbortSignal): Promise<{ code: number; text: string }> {
  const reply = await readReply(socket, signal, (b) => /(^|\r?\n)\d{3} [^\n]*\r?\n$/.test(b.toString('latin1')));
  const text = reply.toString('latin1');
  const last = text.trimEnd().split(/\r?\n/).at(-1) ?? '';
  return { code: Number(last.slice(0, 3)), text };
}

const smtp: TlsDialect = {
  name: 'smtp',
  ports: [25, 587, 2525],
  async negotiate(socket, signal) {
    const greeting = await smtpReply(socket, signal);
    if (greeting.code !== 220) throw new TlsUpgradeRefused(`greeting ${quote(greeting.text)}`);
    socket.write('EHLO alertworks\r\n');
    const ehlo = await smtpReply(socket, signal);
    if (ehlo.code !== 250) throw new TlsUpgradeRefused(`EHLO refused: ${quote(ehlo.text)}`);
    if (!/^250[ -]STARTTLS\s*$/im.test(ehlo.text)) throw new TlsUpgradeRefused('server does not offer STARTTLS');
    socket.write('STARTTLS\r\n');
    const ready = await smtpReply(socket, signal);
    if (ready.code !== 220) throw new TlsUpgradeRefused(`STARTTLS refused: ${quote(ready.text)}`);
  },
};

/** A line-based reply is complete at the first line that `done` accepts. */
function lineReply(socket: Socket, signal: AbortSignal, done: (line: string) => boolean): Promise<string> {
  return readReply(socket, signal, (b) => b.toString('latin1').split(/\r?\n/).slice(0, -1).some(done)).then((b) => b.toString('latin1'));
}

const imap: TlsDialect = {
  name: 'imap',
  ports: [143],
  async negotiate(socket, signal) {
    const greeting = await lineReply(socket, signal, (l) => l.startsWith('* '));
    if (!/^\* OK/i.test(greeting)) throw new TlsUpgradeRefused(`greeting ${quote(greeting)}`);
    socket.write('a1 STARTTLS\r\n');
    const answer = await lineReply(socket, signal, (l) => l.startsWith('a1 '));
    const tagged = answer.split(/\r?\n/).find((l) => l.startsWith('a1 ')) ?? '';
    if (!/^a1 OK/i.test(tagged)) throw new TlsUpgradeRefused(`STARTTLS refused: ${quote(tagged)}`);
  },
};

const pop3: TlsDialect = {
  name: 'pop3',
  ports: [110],
  async negotiate(socket, signal) {
    const greeting = await lineReply(socket, signal, () => true);
    if (!greeting.startsWith('+OK')) throw new TlsUpgradeRefused(`greeting ${quote(greeting)}`);
    socket.write('STLS\r\n');
    const answer = await lineReply(socket, signal, () => true);
    if (!answer.startsWith('+OK')) throw new TlsUpgradeRefused(`STLS refused: ${quote(answer)}`);
  },
};

/** PostgreSQL's SSLRequest: length 8, code 80877103; the server answers one byte, S or N. */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

const postgres: TlsDialect = {
  name: 'postgres',
  ports: [5432],
  async negotiate(socket, signal) {
    socket.write(SSL_REQUEST);
    const answer = await readReply(socket, signal, (b) => b.length >= 1);
    if (answer.length !== 1) throw new TlsUpgradeRefused(`unexpected answer to SSLRequest (${answer.length} bytes)`);
    if (answer[0] === 0x4e) throw new TlsUpgradeRefused('server does not accept SSL (answered N to SSLRequest)');
    if (answer[0] !== 0x53) throw new TlsUpgradeRefused(`unexpected answer to SSLRequest: 0x${answer[0]!.toString(16)}`);
  },
};

export const starttlsDialects: readonly TlsDialect[] = [smtp, imap, pop3, postgres];
