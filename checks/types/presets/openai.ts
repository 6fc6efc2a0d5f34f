import { z } from 'zod';
import { defineCheckType } from '../../check-type.js';
import { HTTP_PHASES, HTTP_PROBE_METRICS, HTTP_REASONS, runHttpProbe } from '../http.js';
import { loadTls } from '../http-options.js';
import { joinUrl, presetRequest, presetTransportShape, secretString } from './preset-request.js';

/** OpenAI API: `GET /v1/models` with `Authorization: Bearer <key>`; 200 with a `data` list. */
const fields = {
  apiKey: secretString,
  /** Sent as OpenAI-Organization when set. */
  organization: z.string().optional(),
  /** API base URL. @defaultValue https://api.openai.com/v1 */
  endpoint: z.url().default('https://api.openai.com/v1'),
  ...presetTransportShape,
};

export const openaiCheck = defineCheckType({
  type: 'openai',
  kind: 'dependency',
  fields,
  resolve: (own, ctx) => ({ ...own, tls: loadTls(own.tls, ctx) }),
  phases: HTTP_PHASES,
  reasons: HTTP_REASONS,
  metrics: HTTP_PROBE_METRICS,
  example: { apiKey: 'sk-example-not-a-key' },
  probe(check, ctx) {
    const headers: Record<string, string> = { authorization: `Bearer ${check.apiKey}`, accept: 'application/json' };
    if (check.organization) headers['openai-organization'] = check.organization;
    return runHttpProbe(presetRequest(check, ctx, { url: joinUrl(check.endpoint, 'models'), headers }), {
      status: [200],
      json: [{ path: '$.data', exists: true }],
    });
  },
});
