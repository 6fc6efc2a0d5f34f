import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';

/** Records a name answers with; a name not listed answers NXDOMAIN, a listed name without the type NOERROR/no data. */
export interface Zone {
  [name: string]: { A?: string[]; MX?: [number, string][]; TXT?: string[] };
}

const TYPE = { A: 1, MX: 15, TXT: 16 } as const;

function encodeName(name: string): Buffer {
  const parts = name.replace(/\.$/, '').split('.').filter(Boolean);
  return Buffer.concat([...parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'ascii')])), Buffer.from([0])]);
}

/**
 * A tiny authoritative DNS server over UDP (RFC 1035 wire format) for the dns check's tests:
 * A, MX and TXT answers, NXDOMAIN for unknown names, and `silent` to drop queries (timeouts).
 */
export class FakeDns {
  silent = false;
  port = 0;
  private socket?: Socket;
  constructor(public zone: Zone) {}

  async start(): Promise<this> {
    this.socket = createSocket('udp4');
    this.socket.on('message', (msg, rinfo) => {
      if (this.silent) return;
      const reply = this.answer(msg);
      if (reply) this.socket!.send(reply, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => this.socket!.bind(0, '127.0.0.1', resolve));
    this.port = (this.socket.address() as AddressInfo).port;
    return this;
  }

  get server(): string {
    return `127.0.0.1:${this.port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.socket?.close(() => resolve()) ?? resolve());
  }

  private answer(query: Buffer): Buffer | undefined {
    if (query.length < 17) return undefined;
    let offset = 12;
    const labels: string[] = [];
    while (query[offset]! > 0) {
      const len = query[offset]!;
      labels.push(query.subarray(offset + 1, offset + 1 + len).toString('ascii'));
      offset += len + 1;
    }
    const questionEnd = offset + 5;
    const qtype = query.readUInt16BE(offset + 1);
    const name = labels.join('.').toLowerCase();
    const records = this.zone[name];
    const answers: Buffer[] = [];
    const rr = (type: number, rdata: Buffer) => {
      const head = Buffer.alloc(12);
      head.writeUInt16BE(0xc00c, 0); // pointer to the question's name
      head.writeUInt16BE(type, 2);
      head.writeUInt16BE(1, 4);
      head.writeUInt32BE(60, 6);
      head.writeUInt16BE(rdata.length, 10);
      answers.push(head, rdata);
    };
    let count = 0;
    if (records && qtype === TYPE.A)
      for (const ip of records.A ?? []) {
        rr(TYPE.A, Buffer.from(ip.split('.').map(Number)));
        count++;
      }
    if (records && qtype === TYPE.MX) {
      for (const [pref, host] of records.MX ?? []) {
        const p = Buffer.alloc(2);
        p.writeUInt16BE(pref);
        rr(TYPE.MX, Buffer.concat([p, encodeName(host)]));
        count++;
      }
    }
    if (records && qtype === TYPE.TXT)
      for (const t of records.TXT ?? []) {
        rr(TYPE.TXT, Buffer.concat([Buffer.from([t.length]), Buffer.from(t)]));
        count++;
      }
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2); // id
    header.writeUInt16BE(0x8400 | (query.readUInt16BE(2) & 0x0100) | (records ? 0 : 3), 2); // QR, AA, RD echoed, NXDOMAIN if unknown
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(count, 6);
    return Buffer.concat([header, query.subarray(12, questionEnd), ...answers]);
  }
}
