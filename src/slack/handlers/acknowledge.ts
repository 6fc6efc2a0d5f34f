import type { ChatMessage } from '../../notify/notifier.js';
import { defineHandler, slackTime, who } from './handler.js';

/**
 * Acknowledge: marks the thread's first message "acknowledged by X" and records it, which
 * stops reminders for this incident until its state changes (a new thread).
 */
export const acknowledgeHandler = defineHandler({
  kind: 'acknowledge',
  action: 'acknowledge',
  async handle(ctx, record, click) {
    const now = Date.now();
    const result = await ctx.acks.acknowledge(record.incident, { by: click.user, at: now });
    if (!result.ok) {
      const by = result.existing ? ` by <@${result.existing.by.id}>` : '';
      return {
        outcome: 'already_decided',
        thread: { text: `:information_source: ${who(click)} clicked Acknowledge: ${result.existing ? `already acknowledged${by}` : 'this incident is over'}.` },
        ephemeral: result.existing ? `Already acknowledged${by}.` : 'This incident is over.',
      };
    }
    const root = await ctx.threads.get(record.incident);
    if (root) await ctx.notifier.update(root, acknowledged(record.root, click.buttonId, `:eyes: Acknowledged by ${who(click)} at ${slackTime(now)}`));
    return { outcome: 'done', thread: { text: `:eyes: ${record.what} acknowledged by ${who(click)}: reminders stop until its state changes.` } };
  },
});

/** The first message with the acknowledgement shown under it: its other buttons kept, Acknowledge gone. */
function acknowledged(message: ChatMessage, ackId: string, note: string): ChatMessage {
  const blocks = (message.blocks ?? [{ type: 'section', text: { type: 'mrkdwn', text: message.text.slice(0, 2900) } }]).flatMap((block) => {
    if (block.type !== 'actions' || !Array.isArray(block.elements)) return [block];
    const elements = (block.elements as { value?: string }[]).filter((e) => e.value !== ackId);
    return elements.length ? [{ ...block, elements }] : [];
  });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: note }] });
  return { text: `${message.text} (acknowledged)`, blocks };
}
