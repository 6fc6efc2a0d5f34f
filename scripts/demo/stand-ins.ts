import { FakeSlack } from '../../test/fakes/slack.js';
import { startStandIn, type StandIn } from './stand-in-server.js';

/**
 * Local stand-ins for Slack, Hetzner Cloud and GitHub, following the shapes of the real APIs
 * closely enough for alertworks' own clients (only the base URL differs). Every call they
 * answer is printed with a label that says it is a stand-in.
 */

export interface SlackStandIn {
  label: string;
  url: string;
  messages: readonly { text: string; thread_ts?: string }[];
  close(): Promise<void>;
}

/**
 * The Slack Web API fake of the test suite (test/fakes/slack.ts), with every message and
 * update printed as it arrives.
 */
export async function startSlackStandIn(print: (line: string) => void, token: string): Promise<SlackStandIn> {
  const label = '[stand-in Slack]';
  const slack = await new FakeSlack(token).start();
  const printed = new Map<string, number>();
  const names = Object.fromEntries(Object.entries(slack.channels).map(([name, id]) => [id, name.startsWith('#') ? name : `#${name}`]));
  const flush = () => {
    for (const m of slack.messages) {
      const seen = printed.get(m.ts);
      if (seen === undefined) print(`${label} ${names[m.channel] ?? m.channel}${m.thread_ts ? ' (thread reply)' : ''}: ${oneLine(m.text)}`);
      for (const u of m.updates.slice(seen ?? 0)) print(`${label} updated thread start: ${oneLine(u.text)}`);
      printed.set(m.ts, m.updates.length);
    }
  };
  const timer = setInterval(flush, 100);
  return {
    label,
    url: slack.apiUrl,
    messages: slack.messages,
    async close() {
      clearInterval(timer);
      flush();
      await slack.stop();
    },
  };
}

export interface HetznerVolume {
  id: number;
  name: string;
  size: number;
}

export async function startHetznerStandIn(print: (line: string) => void, volumes: HetznerVolume[]): Promise<StandIn & { volumes: HetznerVolume[] }> {
  const label = '[stand-in Hetzner Cloud API]';
  const actions = new Map<number, { id: number; command: string; volumeId: number; started: string }>();
  let nextAction = 1000;
  const volumeJson = (v: HetznerVolume) => ({
    id: v.id, name: v.name, size: v.size, status: 'available', server: 42, format: 'ext4', labels: {}, protection: { delete: false },
    linux_device: `/dev/disk/by-id/scsi-0HC_Volume_${v.id}`, created: '2025-01-01T00:00:00+00:00',
    location: { id: 1, name: 'fsn1', description: 'Falkenstein DC Park 1', country: 'DE', city: 'Falkenstein', network_zone: 'eu-central' },
  });
  const actionJson = (a: { id: number; command: string; volumeId: number; started: string }) => ({
    id: a.id, command: a.command, status: 'success', progress: 100, started: a.started, finished: a.started, error: null,
    resources: [{ id: a.volumeId, type: 'volume' }],
  });
  const find = (id: string) => volumes.find((v) => v.id === Number(id));
  const notFound = { status: 404, body: { error: { code: 'not_found', message: 'resource not found', details: null } } };
  const standIn = await startStandIn({
    label,
    print,
    base: '/v1',
    notFound: () => notFound,
    routes: [
      {
        method: 'GET',
        path: /^\/volumes\/(\d+)$/,
        handler: ({ params }) => {
          const v = find(params[0] ?? '');
          if (!v) return notFound;
          print(`${label} GET volume ${v.id}: ${v.size} GB`);
          return { status: 200, body: { volume: volumeJson(v) } };
        },
      },
      {
        method: 'GET',
        path: /^\/volumes$/,
        handler: ({ query }) => {
          const name = query.get('name');
          const list = volumes.filter((v) => !name || v.name === name).map(volumeJson);
          return { status: 200, body: { volumes: list, meta: { pagination: { page: 1, per_page: 25, previous_page: null, next_page: null, last_page: 1, total_entries: list.length } } } };
        },
      },
      {
        method: 'POST',
        path: /^\/volumes\/(\d+)\/actions\/resize$/,
        handler: ({ params, body }) => {
          const v = find(params[0] ?? '');
          if (!v) return notFound;
          const size = Number((body as { size?: number }).size);
          if (!Number.isInteger(size) || size <= v.size) {
            return { status: 422, body: { error: { code: 'invalid_input', message: `size must be larger than ${v.size}`, details: { fields: [{ name: 'size' }] } } } };
          }
          print(`${label} RESIZE volume ${v.id}: ${v.size} GB -> ${size} GB`);
          v.size = size;
          const action = { id: ++nextAction, command: 'resize_volume', volumeId: v.id, started: new Date().toISOString() };
          actions.set(action.id, action);
          return { status: 201, body: { action: { ...actionJson(action), status: 'running', progress: 0, finished: null } } };
        },
      },
      {
        method: 'GET',
        path: /^\/(?:volumes\/)?actions\/(\d+)$/,
        handler: ({ params }) => {
          const a = actions.get(Number(params[0]));
          return a ? { status: 200, body: { action: actionJson(a) } } : notFound;
        },
      },
    ],
  });
  return Object.assign(standIn, { volumes });
}

export async function startGitHubStandIn(print: (line: string) => void, files: Record<string, string>): Promise<StandIn> {
  const label = '[stand-in GitHub API]';
  const notFound = { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' } };
  const sha = (s: string) => Buffer.from(s).toString('hex').padEnd(40, '0').slice(0, 40);
  let pulls = 0;
  const repo = String.raw`\/repos\/([^/]+)\/([^/]+)`;
  return startStandIn({
    label,
    print,
    notFound: () => notFound,
    routes: [
      {
        method: 'POST',
        path: new RegExp(`^${repo}\\/actions\\/workflows\\/([^/]+)\\/dispatches$`),
        handler: ({ params, body }) => {
          print(`${label} workflow_dispatch ${params[0]}/${params[1]} ${params[2]} ref=${(body as { ref?: string }).ref} inputs=${JSON.stringify((body as { inputs?: unknown }).inputs ?? {})}`);
          return { status: 204 };
        },
      },
      { method: 'GET', path: new RegExp(`^${repo}$`), handler: ({ params }) => ({ status: 200, body: { id: 1, name: params[1], full_name: `${params[0]}/${params[1]}`, default_branch: 'main' } }) },
      {
        method: 'GET',
        path: new RegExp(`^${repo}\\/git\\/ref\\/heads\\/(.+)$`),
        handler: ({ params }) => ({ status: 200, body: { ref: `refs/heads/${params[2]}`, object: { sha: sha(`head-${params[2]}`), type: 'commit' } } }),
      },
      {
        method: 'POST',
        path: new RegExp(`^${repo}\\/git\\/refs$`),
        handler: ({ body }) => {
          const b = body as { ref: string; sha: string };
          print(`${label} created branch ${b.ref}`);
          return { status: 201, body: { ref: b.ref, object: { sha: b.sha, type: 'commit' } } };
        },
      },
      {
        method: 'GET',
        path: new RegExp(`^${repo}\\/contents\\/(.+)$`),
        handler: ({ params }) => {
          const path = decodeURIComponent(params[2] ?? '');
          const text = files[path];
          if (text === undefined) return notFound;
          return { status: 200, body: { type: 'file', encoding: 'base64', path, name: path.split('/').pop(), sha: sha(text), content: Buffer.from(text).toString('base64') } };
        },
      },
      {
        method: 'PUT',
        path: new RegExp(`^${repo}\\/contents\\/(.+)$`),
        handler: ({ params, body }) => {
          const path = decodeURIComponent(params[2] ?? '');
          const b = body as { content: string; message: string; branch?: string };
          files[path] = Buffer.from(b.content, 'base64').toString('utf8');
          print(`${label} commit on ${b.branch ?? 'default branch'}: ${b.message} (${path})`);
          return { status: 200, body: { content: { path, sha: sha(files[path] ?? '') }, commit: { sha: sha(b.message) } } };
        },
      },
      { method: 'GET', path: new RegExp(`^${repo}\\/pulls$`), handler: () => ({ status: 200, body: [] }) },
      {
        method: 'POST',
        path: new RegExp(`^${repo}\\/pulls$`),
        handler: ({ params, body }) => {
          const b = body as { title: string; head: string; base: string };
          const number = ++pulls;
          const url = `https://github.com/${params[0]}/${params[1]}/pull/${number} (stand-in)`;
          print(`${label} opened pull request #${number} "${b.title}" (${b.head} -> ${b.base})`);
          return { status: 201, body: { number, html_url: url, state: 'open', title: b.title, head: { ref: b.head }, base: { ref: b.base } } };
        },
      },
    ],
  });
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}
