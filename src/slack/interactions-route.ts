import type { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { RedisClient as Redis } from '../redis.js';
import type { AppConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import { withTimeout } from '../redis.js';
import type { QueueSet } from '../queue/queues.js';
import { INTERACTIONS_QUEUE, InteractionIntake } from './interaction-intake.js';
import { countInteraction } from './metrics.js';
import { interactivityMode } from './settings.js';
import { refusalLog } from './refusal-log.js';
import { verifySlackSignature } from './signature.js';

/** Slack's payloads carry the whole message; larger bodies are not clicks on ours. */
const MAX_BODY_BYTES = 256 * 1024;
/** Slack gives up after 3 seconds; we answer before that either way. */
const ANSWER_WITHIN_MS = 2_000;

/**
 * POST /hooks/slack/interactions: Slack's interactivity request URL. Signed with the app's
 * signing secret (that is its auth, so no bearer token); answered 200 as soon as the click is
 * stored as a job, 401 for a bad or stale signature, 409 for a replay, 503 when it cannot be
 * stored. Mounted only in `http` interactivity mode.
 */
export function mountSlackInteractions(app: Hono, deps: { config: AppConfig; redis: Redis; queues: QueueSet; logger: Logger }): void {
  const { config, redis, queues, logger } = deps;
  const secret = config.slack.signingSecret;
  if (interactivityMode(config.slack) !== 'http' || !secret) return;
  const log = logger.child({ endpoint: 'slack-interactions' });
  const intake = new InteractionIntake(redis, queues.add(INTERACTIONS_QUEUE), config.redis.prefix, log);
  const logRefusal = refusalLog(log, 'slack interaction refused: signature');

  app.post(
    '/hooks/slack/interactions',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => {
        countInteraction('unknown', 'bad_request');
        return c.json({ error: `body larger than ${MAX_BODY_BYTES} bytes` }, 413);
      },
    }),
    async (c) => {
      const raw = await c.req.text();
      const signature = c.req.header('x-slack-signature');
      const check = verifySlackSignature(secret, c.req.header('x-slack-request-timestamp'), signature, raw);
      if (!check.ok) {
        const outcome = check.reason === 'stale' ? 'stale' : 'invalid_signature';
        countInteraction('unknown', outcome);
        logRefusal(check.reason);
        return c.json({ error: check.reason === 'stale' ? 'request timestamp outside the 5-minute window' : 'signature missing or invalid' }, 401);
      }
      let payload: unknown;
      try {
        payload = JSON.parse(new URLSearchParams(raw).get('payload') ?? '');
      } catch {
        countInteraction('unknown', 'bad_request');
        return c.json({ error: 'form field payload is not JSON' }, 400);
      }
      try {
        const result = await withTimeout(intake.accept(payload, signature!, 'http'), ANSWER_WITHIN_MS, 'storing the click');
        if (result.kind === 'replayed') return c.json({ error: 'request already received (replay)' }, 409);
        if (result.kind === 'rejected') return c.json({ error: result.reason }, 400);
        return c.body(null, 200);
      } catch (err) {
        countInteraction('unknown', 'unavailable');
        log.warn({ err }, 'could not store a slack interaction');
        return c.json({ error: 'cannot store the click right now; try again' }, 503);
      }
    },
  );
}
