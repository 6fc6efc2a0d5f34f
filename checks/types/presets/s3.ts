import { z } from 'zod';
import { defineCheckType } from '../../check-type.js';
import { HTTP_PHASES, HTTP_PROBE_METRICS, HTTP_REASONS, runHttpProbe } from '../http.js';
import { loadTls } from '../http-options.js';
import { awsCredentialsShape, presetRequest, presetTransportShape, sigv4Signer } from './preset-request.js';

/**
 * S3-compatible object storage (AWS S3, Hetzner Object Storage, MinIO...): SigV4-signed
 * `HeadBucket`. 200 = reachable, credentials valid, bucket exists and is ours.
 */
const fields = {
  /** e.g. https://fsn1.your-objectstorage.com (Hetzner), https://s3.eu-central-1.amazonaws.com */
  endpoint: z.url(),
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid bucket name'),
  /** Signing region (Hetzner: fsn1, nbg1, hel1). @defaultValue us-east-1 */
  region: z.string().min(1).default('us-east-1'),
  /** virtual: https://<bucket>.<endpoint host>/ ; path: https://<endpoint host>/<bucket> @defaultValue virtual */
  addressing: z.enum(['virtual', 'path']).default('virtual'),
  ...awsCredentialsShape,
  ...presetTransportShape,
};

function headBucketUrl(check: { endpoint: string; bucket: string; addressing: 'virtual' | 'path' }): string {
  const url = new URL(check.endpoint);
  if (check.addressing === 'virtual') url.hostname = `${check.bucket}.${url.hostname}`;
  url.pathname = check.addressing === 'path' ? `/${check.bucket}` : '/';
  return url.toString();
}

export const s3Check = defineCheckType({
  type: 's3',
  kind: 'dependency',
  fields,
  resolve: (own, ctx) => ({ ...own, tls: loadTls(own.tls, ctx) }),
  phases: HTTP_PHASES,
  reasons: HTTP_REASONS,
  metrics: HTTP_PROBE_METRICS,
  example: { endpoint: 'https://fsn1.your-objectstorage.com', bucket: 'backups', accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'example-secret' },
  probe(check, ctx) {
    const sign = sigv4Signer({ service: 's3', region: check.region, credentials: check, uriEscapePath: false });
    return runHttpProbe(presetRequest(check, ctx, { url: headBucketUrl(check), method: 'HEAD', sign }), { status: [200], json: [] });
  },
});
