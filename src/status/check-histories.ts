import { CheckHistory, type CheckHistorySummary } from '../history/check-history.js';
import { oncePerRender, type StatusContext } from './section.js';

/** Every configured check's history summary, read once per page however many sections use it. */
export function checkHistories(ctx: StatusContext): Promise<CheckHistorySummary[]> {
  return oncePerRender(ctx, 'check-histories', () =>
    new CheckHistory(ctx.redis, ctx.config.redis.prefix).summaries(
      ctx.config.checks.map((c) => c.name),
      ctx.now,
    ),
  );
}
