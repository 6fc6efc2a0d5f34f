import { z } from 'zod';
import type { CheckType } from '../../check-type.js';
import { checkBaseShape, resolveBase } from '../base.js';
import { runHttpProbe } from '../http.js';
import { loadTls } from '../http-options.js';
import { awsCredentialsShape, joinUrl, presetRequest, presetTransportShape, sigv4Signer } from './preset-request.js';

/**
 * AWS SES: SES v2 `GetAccount` (`GET /v2/email/account`), SigV4-signed. Proves the endpoint
 * answers, the credentials are valid and (by default) that sending is enabled for the account.
 */
export const sesCheckSchema = z
  .strictObject({
    ...checkBaseShape('dependency'),
    type: z.literal('ses'),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-central-1'),
    ...awsCredentialsShape,
    /** @defaultValue https://email.<region>.amazonaws.com */
    endpoint: z.url().optional(),
    /** Fail (reason assertion) when the account's SendingEnabled is false. @defaultValue true */
    requireSendingEnabled: z.boolean().default(true),
    ...presetTransportShape,
  })
  .transform((raw, ctx) => ({ ...resolveBase(raw, ctx), tls: loadTls(raw.tls, ctx), endpoint: raw.endpoint ?? `https://email.${raw.region}.amazonaws.com` }));

export type SesCheck = z.output<typeof sesCheckSchema>;

export const sesCheck: CheckType<SesCheck> = {
  type: 'ses',
  schema: sesCheckSchema,
  probe(check, ctx) {
    const sign = sigv4Signer({ service: 'ses', region: check.region, credentials: check });
    const request = presetRequest(check, ctx, { url: joinUrl(check.endpoint, '/v2/email/account'), headers: { accept: 'application/json' }, sign });
    return runHttpProbe(request, { status: [200], json: check.requireSendingEnabled ? [{ path: '$.SendingEnabled', equals: true }] : [] });
  },
};
