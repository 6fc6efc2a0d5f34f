import { join } from 'node:path';
import { ManagedBinary } from './binary.js';
import { freePort } from './ports.js';

/** The real Pushgateway (Debian prometheus-pushgateway) on loopback. */
export class Pushgateway {
  private constructor(
    readonly port: number,
    private readonly bin: ManagedBinary,
  ) {}

  static async start(port?: number): Promise<Pushgateway> {
    const p = port ?? (await freePort());
    const bin = new ManagedBinary(
      process.env.PUSHGATEWAY_BIN ?? 'prometheus-pushgateway',
      // Debian's build persists to /var/lib/prometheus/pushgateway.data by default, which every
      // test run would share (and load stale groups from): keep it in this run's own directory.
      (dir) => [`--web.listen-address=127.0.0.1:${p}`, `--persistence.file=${join(dir, 'pushgateway.data')}`, '--log.level=warn'],
      `http://127.0.0.1:${p}/-/ready`,
      'pushgateway',
    );
    await bin.start();
    return new Pushgateway(p, bin);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async metricsText(): Promise<string> {
    return (await fetch(`${this.url}/metrics`)).text();
  }

  async stop(): Promise<void> {
    await this.bin.destroy();
  }
}
