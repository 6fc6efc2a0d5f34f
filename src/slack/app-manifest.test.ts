import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/** The shipped manifest must ask for what the code uses and point at the endpoint it serves. */
describe('config/slack/app-manifest.yaml', () => {
  const manifest = parse(readFileSync('config/slack/app-manifest.yaml', 'utf8')) as {
    oauth_config: { scopes: { bot: string[] } };
    settings: { interactivity: { is_enabled: boolean; request_url: string }; socket_mode_enabled: boolean };
  };

  it('has the bot scopes alertworks calls need', () => {
    // chat.postMessage/update/postEphemeral, conversations.history/replies, usergroups.users.list
    expect(manifest.oauth_config.scopes.bot.sort()).toEqual(['channels:history', 'chat:write', 'groups:history', 'usergroups:read']);
  });

  it('turns interactivity on at the path the receiver serves', () => {
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(new URL(manifest.settings.interactivity.request_url).pathname).toBe('/hooks/slack/interactions');
    expect(manifest.settings.socket_mode_enabled).toBe(false);
  });
});
