import { z } from 'zod';
import { defineCheckType } from '../../check-type.js';
import { HTTP_PHASES, HTTP_PROBE_METRICS, HTTP_REASONS, runHttpProbe } from '../http.js';
import { loadTls } from '../http-options.js';
import { awsCredentialsShape, joinUrl, presetRequest, presetTransportShape, sigv4Signer } from './preset-request.js';

/**
 * AWS SES: SES v2 `GetAccount` (`GET /v2/email/account`), SigV4-signed. Proves the endpoint
 * answers, the credentials are valid and (by default) that sending is enabled for the account.
 */
const fields = {
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-central-1'),
  ...awsCredentialsShape,
  /** @defaultValue https://email.<region>.amazonaws.com */
  endpoint: z.url().optional(),
  /** Fail (reason assertion) when the account's SendingEnabled is false. @defaultValue true */
  requireSendingEnabled: z.boolean().default(true),
  ...presetTransportShape,
};

export const sesCheck = defineCheckType({
  type: 'ses',
  kind: 'dependency',
  fields,
  resolve: (own, ctx) => ({ ...own, tls: loadTls(own.tls, ctx), endpoint: own.endpoint ?? `https://email.${own.region}.amazonaws.com` }),
  phases: HTTP_PHASES,
  reasons: HTTP_REASONS,
  metrics: HTTP_PROBE_METRICS,
  example: { region: 'eu-central-1', accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'example-secret' },
  probe(check, ctx) {
    const sign = sigv4Signer({ service: 'ses', region: check.region, credentials: check });
    const request = presetRequest(check, ctx, { url: joinUrl(check.endpoint, '/v2/email/account'), headers: { accept: 'application/json' }, sign });
    return runHttpProbe(request, { status: [200], json: check.requireSendingEnabled ? [{ path: '$.SendingEnabled', equals: true }] : [] });
  },
});
