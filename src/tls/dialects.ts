import type { TlsDialect } from './sources.js';
import { starttlsDialects } from './starttls.js';

/** Every pre-TLS protocol the tls check can speak; adding one is one file and one line here. */
export const tlsDialects: readonly TlsDialect[] = [...starttlsDialects];

export function findDialect(name: string): TlsDialect | undefined {
  return tlsDialects.find((d) => d.name === name);
}

/** The dialect a port implies (e.g. 587 -> smtp), if any. */
export function dialectForPort(port: number): TlsDialect | undefined {
  return tlsDialects.find((d) => d.ports.includes(port));
}
