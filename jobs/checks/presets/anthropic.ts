import { z } from 'zod';
import type { CheckType } from '../../check-type.js';
import { checkBaseShape, resolveBase } from '../base.js';
import { runHttpProbe } from '../http.js';
import { loadTls } from '../http-options.js';
import { joinUrl, presetRequest, presetTransportShape, secretString } from './preset-request.js';

/** Anthropic API: `GET /v1/models` with `x-api-key` and `anthropic-version`; 200 with a `data` list. */
export const anthropicCheckSchema = z
  .strictObject({
    ...checkBaseShape('dependency'),
    type: z.literal('anthropic'),
    apiKey: secretString,
    /** @defaultValue 2023-06-01 */
    apiVersion: z.string().default('2023-06-01'),
    /** API base URL (without /v1). @defaultValue https://api.anthropic.com */
    endpoint: z.url().default('https://api.anthropic.com'),
    ...presetTransportShape,
  })
  .transform((raw, ctx) => ({ ...resolveBase(raw, ctx), tls: loadTls(raw.tls, ctx) }));

export type AnthropicCheck = z.output<typeof anthropicCheckSchema>;

export const anthropicCheck: CheckType<AnthropicCheck> = {
  type: 'anthropic',
  schema: anthropicCheckSchema,
  probe(check, ctx) {
    const headers = { 'x-api-key': check.apiKey, 'anthropic-version': check.apiVersion, accept: 'application/json' };
    return runHttpProbe(presetRequest(check, ctx, { url: joinUrl(check.endpoint, 'v1/models'), headers }), { status: [200], json: [{ path: '$.data', exists: true }] });
  },
};
