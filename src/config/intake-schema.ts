import { z } from 'zod';
import { durationMs } from './duration.js';
import { fromEnv, secret } from './field-marks.js';

const MiB = 1024 * 1024;
/** An HTTP header name (RFC 9110 token). */
const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be an HTTP header name');

/**
 * Grafana's webhook request signing (contact point "HMAC signature"): lowercase hex
 * HMAC-SHA256 of the raw body, or of `<timestamp>:<raw body>` when a timestamp header is set.
 * Without a secret, signatures are not checked. Env: GRAFANA_WEBHOOK_SECRET.
 */
export const webhookHmacSchema = z
  .strictObject({
    secret: secret(
      z
        .string()
        .optional()
        .transform((v) => v || undefined),
      { env: 'GRAFANA_WEBHOOK_SECRET' },
    ),
    /** @defaultValue X-Grafana-Alerting-Signature */
    header: headerName.default('X-Grafana-Alerting-Signature'),
    /** Set it as in Grafana (conventionally X-Grafana-Alerting-Timestamp) to refuse replays. @defaultValue none */
    timestampHeader: z
      .union([z.literal(''), headerName])
      .optional()
      .transform((v) => v || undefined),
    /** A signed timestamp further than this from our clock is refused. @defaultValue 5m */
    maxSkew: durationMs.refine((ms) => ms >= 1_000, 'must be at least 1s').default(300_000),
  })
  .refine((h) => !h.secret || h.secret.length >= 16, { message: 'must be at least 16 characters', path: ['secret'] })
  .prefault({});
export type WebhookHmacConfig = z.infer<typeof webhookHmacSchema>;

/**
 * Where webhook bodies wait while Redis is unreachable (Grafana never retries a failed
 * delivery). Default directory: one per Redis URL and prefix under the OS temp directory.
 */
export const spoolSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /**
     * Put it on a persistent volume in production (the image sets ALERTWORKS_SPOOL_DIR to
     * /var/lib/alertworks/spool, which docker-compose.yml mounts). Env: ALERTWORKS_SPOOL_DIR.
     * @defaultValue <tmpdir>/alertworks-spool/<redis hash>
     */
    dir: fromEnv(z.string().min(1).optional(), 'ALERTWORKS_SPOOL_DIR'),
    /** Bodies beyond this are refused with 503 (and logged). @defaultValue 64 MiB */
    maxBytes: z
      .number()
      .int()
      .positive()
      .default(64 * MiB),
    /** @defaultValue 10000 */
    maxFiles: z.number().int().positive().default(10_000),
    /** Which senders are spooled; Alertmanager retries 503 by itself. @defaultValue [grafana] */
    senders: z.array(z.enum(['grafana', 'alertmanager'])).default(['grafana']),
    /** How often a non-empty spool is tried again. @defaultValue 1s */
    replayInterval: durationMs.refine((ms) => ms >= 100, 'must be at least 100ms').default(1_000),
  })
  .prefault({});
export type SpoolConfig = z.infer<typeof spoolSchema>;

/** Refused webhooks: one warn line per reason per interval, with a count. @defaultValue 60s */
export const rejectionLogIntervalSchema = durationMs.refine((ms) => ms >= 1_000, 'must be at least 1s').default(60_000);
