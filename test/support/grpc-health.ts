import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/**
 * A real gRPC server (grpc-js, the reference Node implementation) serving the standard
 * grpc.health.v1 health service from health.proto: a service in `statuses` answers its status,
 * any other name NOT_FOUND (what the standard health server does). Plaintext or TLS.
 */
export type ServingStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

const definition = protoLoader.loadSync(fileURLToPath(new URL('./health.proto', import.meta.url)), { enums: String, defaults: true });
const health = (grpc.loadPackageDefinition(definition) as unknown as { grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } } }).grpc.health.v1
  .Health;

export class GrpcHealthServer {
  readonly requests: string[] = [];
  private constructor(
    private readonly server: grpc.Server,
    readonly port: number,
    /** Service name ("" = the whole server) -> status; change it between probes. */
    readonly statuses: Map<string, ServingStatus>,
  ) {}

  static async start(statuses: Record<string, ServingStatus>, tls?: { certPem: string; keyPem: string }): Promise<GrpcHealthServer> {
    const server = new grpc.Server();
    const map = new Map(Object.entries(statuses));
    let self: GrpcHealthServer | undefined;
    server.addService(health.service, {
      check: (call: grpc.ServerUnaryCall<{ service: string }, { status: ServingStatus }>, callback: grpc.sendUnaryData<{ status: ServingStatus }>) => {
        self?.requests.push(call.request.service);
        const status = map.get(call.request.service);
        if (status === undefined) callback({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
        else callback(null, { status });
      },
    });
    const credentials = tls
      ? grpc.ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(tls.certPem), private_key: Buffer.from(tls.keyPem) }], false)
      : grpc.ServerCredentials.createInsecure();
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', credentials, (err, p) => (err ? reject(err) : resolve(p))));
    self = new GrpcHealthServer(server, port, map);
    return self;
  }

  get target(): string {
    return `127.0.0.1:${this.port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.tryShutdown(() => resolve()));
  }
}
