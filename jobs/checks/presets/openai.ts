import { z } from 'zod';
import type { CheckType } from '../../check-type.js';
import { checkBaseShape, resolveBase } from '../base.js';
import { runHttpProbe } from '../http.js';
import { loadTls } from '../http-options.js';
import { joinUrl, presetRequest, presetTransportShape, secretString } from './preset-request.js';

/** OpenAI API: `GET /v1/models` with `Authorization: Bearer <key>`; 200 with a `data` list. */
export const openaiCheckSchema = z
  .strictObject({
    ...checkBaseShape('dependency'),
    type: z.literal('openai'),
    apiKey: secretString,
    /** Sent as OpenAI-Organization when set. */
    organization: z.string().optional(),
    /** API base URL. @defaultValue https://api.openai.com/v1 */
    endpoint: z.url().default('https://api.openai.com/v1'),
    ...presetTransportShape,
  })
  .transform((raw, ctx) => ({ ...resolveBase(raw, ctx), tls: loadTls(raw.tls, ctx) }));

export type OpenAiCheck = z.output<typeof openaiCheckSchema>;

export const openaiCheck: CheckType<OpenAiCheck> = {
  type: 'openai',
  schema: openaiCheckSchema,
  probe(check, ctx) {
    const headers: Record<string, string> = { authorization: `Bearer ${check.apiKey}`, accept: 'application/json' };
    if (check.organization) headers['openai-organization'] = check.organization;
    return runHttpProbe(presetRequest(check, ctx, { url: joinUrl(check.endpoint, 'models'), headers }), { status: [200], json: [{ path: '$.data', exists: true }] });
  },
};
