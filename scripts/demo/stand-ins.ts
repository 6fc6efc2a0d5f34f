import { FakeGitHub } from '../../test/fakes/github.js';
import { FakeHetzner } from '../../test/fakes/hetzner.js';
import { FakeSlack } from '../../test/fakes/slack.js';

/**
 * The demo's Slack, Hetzner Cloud and GitHub are the test suite's fakes (test/fakes/*): local
 * servers that follow the real APIs' shapes, status codes and errors, reached by alertworks'
 * own clients with only the base URL changed. Here every call they answer is printed with a
 * "[stand-in ...]" label, so nobody mistakes them for the real services.
 */
export interface StandIn {
  label: string;
  /** Base URL for alertworks' config. */
  url: string;
  /** Token the stand-in accepts. */
  token: string;
  close(): Promise<void>;
}

/** Prints what `lines()` returns beyond what was printed already, every 100 ms and at close. */
function printer(print: (line: string) => void, lines: () => string[]): { flush(): void; stop(): void } {
  let printed = 0;
  const flush = () => {
    const all = lines();
    for (const line of all.slice(printed)) print(line);
    printed = all.length;
  };
  const timer = setInterval(flush, 100);
  return { flush, stop: () => (clearInterval(timer), flush()) };
}

export interface SlackStandIn extends StandIn {
  messages: readonly { text: string; thread_ts?: string }[];
}

export async function startSlackStandIn(print: (line: string) => void): Promise<SlackStandIn> {
  const label = '[stand-in Slack]';
  const slack = await new FakeSlack('xoxb-demo-stand-in-token').start();
  const names = Object.fromEntries(Object.entries(slack.channels).map(([name, id]) => [id, name.startsWith('#') ? name : `#${name}`]));
  // Messages and their later updates, in the order they happened.
  const out = printer(print, () =>
    slack.messages.flatMap((m) => [
      `${label} ${names[m.channel] ?? m.channel}${m.thread_ts ? ' (thread reply)' : ''}: ${oneLine(m.text)}`,
      ...m.updates.map((u) => `${label} updated thread start: ${oneLine(u.text)}`),
    ]),
  );
  return {
    label,
    url: slack.apiUrl,
    token: slack.token,
    messages: slack.messages,
    async close() {
      out.stop();
      await slack.stop();
    },
  };
}

export interface HetznerStandIn extends StandIn {
  volumeSize(id: number): number | undefined;
}

export async function startHetznerStandIn(print: (line: string) => void, volumes: { id: number; name: string; size: number }[]): Promise<HetznerStandIn> {
  const label = '[stand-in Hetzner Cloud API]';
  const hetzner = await FakeHetzner.start({ actionDurationMs: 500 });
  for (const v of volumes) hetzner.addVolume(v);
  const out = printer(print, () => hetzner.calls.map((c) => `${label} ${describeCall(c)}`));
  return {
    label,
    url: hetzner.url,
    token: hetzner.token,
    volumeSize: (id) => hetzner.volumes.get(id)?.size,
    async close() {
      out.stop();
      await hetzner.stop();
    },
  };
}

export async function startGitHubStandIn(print: (line: string) => void, repo: string, files: Record<string, string>, workflows: string[]): Promise<StandIn> {
  const label = '[stand-in GitHub API]';
  const github = await FakeGitHub.start();
  github.addRepo(repo, files, { workflows });
  const out = printer(print, () => github.calls.map((c) => `${label} ${describeCall(c)}`));
  return {
    label,
    url: github.url,
    token: github.token,
    async close() {
      out.stop();
      await github.stop();
    },
  };
}

function describeCall(c: { method: string; path: string; status: number; body?: unknown }): string {
  const body = c.body && typeof c.body === 'object' && Object.keys(c.body).length > 0 ? ` ${oneLine(JSON.stringify(c.body), 120)}` : '';
  return `${c.method} ${c.path}${body} -> ${c.status}`;
}

function oneLine(text: string, max = 160): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 3)}...` : line;
}
