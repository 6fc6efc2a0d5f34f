import { z } from 'zod';
import { defineCheckType } from '../../check-type.js';
import { HTTP_PHASES, HTTP_PROBE_METRICS, HTTP_REASONS, runHttpProbe } from '../http.js';
import { loadTls } from '../http-options.js';
import { joinUrl, presetRequest, presetTransportShape, secretString } from './preset-request.js';

/** Anthropic API: `GET /v1/models` with `x-api-key` and `anthropic-version`; 200 with a `data` list. */
const fields = {
  apiKey: secretString,
  /** @defaultValue 2023-06-01 */
  apiVersion: z.string().default('2023-06-01'),
  /** API base URL (without /v1). @defaultValue https://api.anthropic.com */
  endpoint: z.url().default('https://api.anthropic.com'),
  ...presetTransportShape,
};

export const anthropicCheck = defineCheckType({
  type: 'anthropic',
  kind: 'dependency',
  fields,
  resolve: (own, ctx) => ({ ...own, tls: loadTls(own.tls, ctx) }),
  phases: HTTP_PHASES,
  reasons: HTTP_REASONS,
  metrics: HTTP_PROBE_METRICS,
  example: { apiKey: 'sk-ant-example-not-a-key' },
  probe(check, ctx) {
    const headers = { 'x-api-key': check.apiKey, 'anthropic-version': check.apiVersion, accept: 'application/json' };
    return runHttpProbe(presetRequest(check, ctx, { url: joinUrl(check.endpoint, 'v1/models'), headers }), {
      status: [200],
      json: [{ path: '$.data', exists: true }],
    });
  },
});
