import { describe, expect, it } from 'vitest';
import { cleanName, parseClick } from './interaction-payload.js';

const ID = 'a'.repeat(32);
const click = (over: Record<string, unknown> = {}, action: Record<string, unknown> = {}) => ({
  type: 'block_actions',
  user: { id: 'U0ABCDEF1', username: 'alice' },
  channel: { id: 'C0OPS00001' },
  actions: [{ type: 'button', action_id: 'aw_0', value: ID, ...action }],
  ...over,
});

describe('parseClick: only the record id, the user and the channel survive', () => {
  it('reads a block_actions click', () => {
    expect(parseClick(click())).toEqual({ ok: true, click: { buttonId: ID, user: { id: 'U0ABCDEF1', name: 'alice' }, channel: 'C0OPS00001' } });
    expect(parseClick(click({ container: { message_ts: '1764756000.000100', thread_ts: '1764755000.000001' } }))).toMatchObject({
      click: { message: { ts: '1764756000.000100', threadTs: '1764755000.000001' } },
    });
    expect(parseClick(click({ container: { message_ts: '../../x' } }))).not.toHaveProperty('click.message');
  });

  const scenarios: [string, unknown, string, boolean?][] = [
    ['not an object', 'payload', 'payload is not an object'],
    ['another interaction type', click({ type: 'view_submission' }), 'unsupported interaction type "view_submission"'],
    ['no user id', click({ user: { username: 'x' } }), 'user.id missing or malformed'],
    ['user id with markup', click({ user: { id: '<!channel>' } }), 'user.id missing or malformed'],
    ['no actions', click({ actions: [] }), 'no actions'],
    ['value that is not an issued id', click({}, { value: 'resize 4711 to 10240' }), 'button value is not an id alertworks issued', true],
    ['value missing', click({}, { value: undefined }), 'button value is not an id alertworks issued', true],
  ];
  it.each(scenarios)('refuses %s', (_n, payload, reason, unknownButton) => {
    expect(parseClick(payload)).toEqual({ ok: false, reason, ...(unknownButton ? { unknownButton } : {}) });
  });

  it('ignores a malformed channel and cleans the display name', () => {
    const parsed = parseClick(click({ channel: { id: 'http://evil' }, user: { id: 'U0ABCDEF1', username: '<@U999|boss> *admin*\n' + 'x'.repeat(200) } }));
    expect(parsed.ok && parsed.click.channel).toBe(undefined);
    expect(parsed.ok && parsed.click.user.name).toBe(cleanName('<@U999|boss> *admin*\n' + 'x'.repeat(200)));
    expect(parsed.ok && parsed.click.user.name).not.toMatch(/[<>*|@\n]/);
    expect(parsed.ok && parsed.click.user.name.length).toBeLessThanOrEqual(80);
  });
});
