import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { interactivityMode } from './settings.js';

describe('slack interactivity settings', () => {
  it.each([
    ['off without secrets', {}, 'off'],
    ['http with a signing secret', { SLACK_SIGNING_SECRET: 'sign-secret-000' }, 'http'],
    ['socket with only an app token', { SLACK_APP_TOKEN: 'xapp-1-A0-0-x' }, 'socket'],
    ['http wins when both are set', { SLACK_SIGNING_SECRET: 'sign-secret-000', SLACK_APP_TOKEN: 'xapp-1-A0-0-x' }, 'http'],
  ])('%s', (_n, env, mode) => {
    expect(interactivityMode(parseConfig('{}', 't.yaml', env).slack)).toBe(mode);
  });

  it.each([
    [
      'socket without app token',
      'slack: { interactivity: { mode: socket } }',
      {},
      'slack.appToken: interactivity mode socket needs an app-level token (SLACK_APP_TOKEN)',
    ],
    [
      'http without signing secret',
      'slack: { interactivity: { mode: http } }',
      {},
      'slack.signingSecret: interactivity mode http needs the signing secret (SLACK_SIGNING_SECRET)',
    ],
    [
      'a bot token as app token',
      '{}',
      { SLACK_APP_TOKEN: 'xoxb-123-456' },
      'slack.appToken: must be an app-level token (xapp-…), not a bot token (set by SLACK_APP_TOKEN)',
    ],
    ['approver that is not an id', 'slack: { approvers: ["@alice"] }', {}, 'slack.approvers[0]: must be a Slack user id'],
    [
      'silence duration too long',
      'slack: { interactivity: { silenceDurations: [60d] } }',
      {},
      'slack.interactivity.silenceDurations[0]: must be between 1m and 30d',
    ],
    ['alertmanager url not a URL', 'alertmanager: { url: "alertmanager:9093" }', {}, 'alertmanager.url: must be an http:// or https:// URL'],
  ])('config error names the field: %s', (_n, yaml, env, expected) => {
    expect(() => parseConfig(yaml, 'bad.yaml', env)).toThrow(expected);
  });
});
