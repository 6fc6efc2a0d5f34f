import type { SignatureV4 } from '@smithy/signature-v4';
import { z } from 'zod';
import type { ProbeContext } from '../../check-type.js';
import { secret } from '../../../src/config/field-marks.js';
import type { HttpProbeRequest, RequestSigner, TlsClientOptions } from '../http-request.js';
import type { ResolvedBase } from '../base.js';
import { probeDeadline } from '../deadline.js';

/** Transport fields presets accept (a subset of http's: no method/body, they are fixed). */
export const presetTransportShape = {
  ipFamily: z.enum(['any', 'ipv4', 'ipv6']).default('any'),
  ipFallback: z.boolean().default(true),
  tls: z.strictObject({ insecureSkipVerify: z.boolean().default(false), caFile: z.string().optional(), serverName: z.string().optional() }).prefault({}),
};

/** A secret config value: marked, so loading the config registers it with the scrubber (src/config/field-marks.ts). */
export const secretString = secret(z.string().min(1));

export const awsCredentialsShape = {
  accessKeyId: secretString,
  secretAccessKey: secretString,
  /** For temporary credentials (STS). */
  sessionToken: secretString.optional(),
};

export interface PresetTransport {
  ipFamily: 'any' | 'ipv4' | 'ipv6';
  ipFallback: boolean;
  tls: TlsClientOptions;
}

export function presetRequest(
  check: ResolvedBase & PresetTransport,
  ctx: ProbeContext,
  req: { url: string; method?: string; headers?: Record<string, string>; sign?: RequestSigner },
): HttpProbeRequest {
  return {
    url: req.url,
    method: req.method ?? 'GET',
    headers: req.headers ?? {},
    followRedirects: false,
    maxRedirects: 0,
    ipFamily: check.ipFamily,
    ipFallback: check.ipFallback,
    tls: check.tls,
    maxBodyBytes: 256 * 1024,
    signal: probeDeadline(ctx.signal, check.timeoutMs),
    sign: req.sign,
  };
}

/**
 * AWS Signature Version 4 for one request, by @smithy/signature-v4 (the AWS SDK's own signer).
 * S3 wants its path not double-escaped (`uriEscapePath: false`).
 */
export function sigv4Signer(options: {
  service: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string | undefined };
  uriEscapePath?: boolean;
}): RequestSigner {
  // The signer is loaded on first use: a worker without SES/S3 checks never pays for it.
  let signerReady: Promise<SignatureV4> | undefined;
  const load = async () => {
    const [{ SignatureV4: Signer }, { Sha256 }] = await Promise.all([import('@smithy/signature-v4'), import('@aws-crypto/sha256-js')]);
    return new Signer({
      service: options.service,
      region: options.region,
      credentials: {
        accessKeyId: options.credentials.accessKeyId,
        secretAccessKey: options.credentials.secretAccessKey,
        sessionToken: options.credentials.sessionToken,
      },
      sha256: Sha256,
      uriEscapePath: options.uriEscapePath ?? true,
    });
  };
  return async ({ method, url, headers, body }) => {
    const signer = await (signerReady ??= load());
    const query: Record<string, string> = {};
    url.searchParams.forEach((v, k) => (query[k] = v));
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query,
      headers: { ...headers, host: url.host },
      body,
    });
    return signed.headers;
  };
}

/** Joins a base URL and a path without doubling or dropping the slash. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
