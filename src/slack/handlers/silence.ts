import { formatDuration } from '../../config/duration.js';
import { silenceMatchers } from '../../alertmanager/matchers.js';
import { AlertworksError } from '../../errors.js';
import { withButtons } from '../button-store.js';
import { defineHandler, slackTime, who } from './handler.js';

/**
 * Silence: creates a silence in Alertmanager (equality matchers from the alert's labels minus
 * volatile ones, createdBy = the Slack user, a comment linking the thread) and offers Expire.
 */
export const silenceHandler = defineHandler({
  kind: 'silence',
  action: 'silence',
  async handle(ctx, record, click, clickId) {
    const am = ctx.alertmanager;
    if (!am)
      return {
        outcome: 'failed',
        thread: { text: `:warning: ${who(click)} clicked Silence, but no Alertmanager is configured (\`alertmanager.url\`). Nothing was done.` },
      };
    const matchers = silenceMatchers(record.labels);
    if (!matchers)
      return {
        outcome: 'failed',
        thread: { text: `:warning: ${who(click)} clicked Silence, but the alert has no labels a silence could match. Nothing was done.` },
      };
    // A retried click job finds the silence it already made instead of making a second one.
    const now = Date.now();
    const endsAt = now + record.durationMs;
    let id = await ctx.buttons.silenceMadeBy(clickId);
    if (!id) {
      const root = await ctx.threads.get(record.incident);
      const link = root ? ` thread https://slack.com/archives/${root.channel}/p${root.ts.replace('.', '')}` : '';
      try {
        id = await am.createSilence({
          matchers,
          startsAt: new Date(now).toISOString(),
          endsAt: new Date(endsAt).toISOString(),
          createdBy: `${click.user.name} (${click.user.id}) via alertworks`,
          comment: `Silenced from Slack for ${formatDuration(record.durationMs)} by ${click.user.name} (${click.user.id});${link}`,
        });
      } catch (err) {
        if (err instanceof AlertworksError && err.retryable) throw err;
        return {
          outcome: 'failed',
          thread: { text: `:x: ${who(click)} clicked Silence, but Alertmanager refused it: ${err instanceof AlertworksError ? err.code : 'error'}.` },
        };
      }
      await ctx.buttons.recordSilenceMade(clickId, id);
    }
    const expire = await ctx.buttons.issue({ kind: 'expire-silence', incident: record.incident, silenceId: id }, record.durationMs + 86_400_000);
    const text = `:mute: Silenced by ${who(click)} for ${formatDuration(record.durationMs)}, until ${slackTime(endsAt)}: silence \`${id}\` (${matchers.length} matchers).`;
    return { outcome: 'done', thread: withButtons({ text }, [{ text: 'Expire silence', id: expire }]) };
  },
});

/** Expire silence: DELETE /api/v2/silence/{id}. */
export const expireSilenceHandler = defineHandler({
  kind: 'expire-silence',
  action: 'expire_silence',
  async handle(ctx, record, click) {
    const am = ctx.alertmanager;
    if (!am)
      return { outcome: 'failed', thread: { text: `:warning: ${who(click)} clicked Expire silence, but no Alertmanager is configured. Nothing was done.` } };
    try {
      await am.expireSilence(record.silenceId);
    } catch (err) {
      // Already expired (Alertmanager answers an error for that): say so rather than fail.
      const state = await am.getSilence(record.silenceId).then(
        (s) => s.status?.state,
        () => undefined,
      );
      if (state !== 'expired') {
        if (err instanceof AlertworksError && err.retryable) throw err;
        return {
          outcome: 'failed',
          thread: { text: `:x: ${who(click)} clicked Expire silence, but Alertmanager refused: ${err instanceof AlertworksError ? err.code : 'error'}.` },
        };
      }
      return {
        outcome: 'already_decided',
        thread: { text: `:information_source: ${who(click)} clicked Expire silence: silence \`${record.silenceId}\` had already expired.` },
      };
    }
    return { outcome: 'done', thread: { text: `:loud_sound: Silence \`${record.silenceId}\` expired by ${who(click)}: notifications resume.` } };
  },
});
