import { z } from 'zod';
import type { CheckType } from '../../check-type.js';
import { checkBaseShape, resolveBase } from '../base.js';
import { runHttpProbe } from '../http.js';
import { loadTls } from '../http-options.js';
import { awsCredentialsShape, presetRequest, presetTransportShape, sigv4Signer } from './preset-request.js';

/**
 * S3-compatible object storage (AWS S3, Hetzner Object Storage, MinIO...): SigV4-signed
 * `HeadBucket`. 200 = reachable, credentials valid, bucket exists and is ours.
 */
export const s3CheckSchema = z
  .strictObject({
    ...checkBaseShape('dependency'),
    type: z.literal('s3'),
    /** e.g. https://fsn1.your-objectstorage.com (Hetzner), https://s3.eu-central-1.amazonaws.com */
    endpoint: z.url(),
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid bucket name'),
    /** Signing region (Hetzner: fsn1, nbg1, hel1). @defaultValue us-east-1 */
    region: z.string().min(1).default('us-east-1'),
    /** virtual: https://<bucket>.<endpoint host>/ ; path: https://<endpoint host>/<bucket> @defaultValue virtual */
    addressing: z.enum(['virtual', 'path']).default('virtual'),
    ...awsCredentialsShape,
    ...presetTransportShape,
  })
  .transform((raw, ctx) => ({ ...resolveBase(raw, ctx), tls: loadTls(raw.tls, ctx) }));

export type S3Check = z.output<typeof s3CheckSchema>;

export function headBucketUrl(check: Pick<S3Check, 'endpoint' | 'bucket' | 'addressing'>): string {
  const url = new URL(check.endpoint);
  if (check.addressing === 'virtual') url.hostname = `${check.bucket}.${url.hostname}`;
  url.pathname = check.addressing === 'path' ? `/${check.bucket}` : '/';
  return url.toString();
}

export const s3Check: CheckType<S3Check> = {
  type: 's3',
  schema: s3CheckSchema,
  probe(check, ctx) {
    const sign = sigv4Signer({ service: 's3', region: check.region, credentials: check, uriEscapePath: false });
    return runHttpProbe(presetRequest(check, ctx, { url: headBucketUrl(check), method: 'HEAD', sign }), { status: [200], json: [] });
  },
};
