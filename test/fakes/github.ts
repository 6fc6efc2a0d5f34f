import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local fake of the GitHub REST API for what volume resizing calls, following the docs:
 * workflow dispatches (204), git refs (get/create/update, 422 "Reference already exists"),
 * repository contents (GET base64 + blob sha, PUT with sha -> 409 on a stale sha), pulls
 * (list by `head=owner:branch`, create, update; 422 when one is already open), error bodies
 * `{message, documentation_url, status}`, and x-ratelimit-* headers. Every call is recorded.
 */

export interface GitHubCall {
  method: string;
  path: string;
  status: number;
  body?: unknown;
}

export interface FakePull {
  number: number;
  state: 'open' | 'closed';
  title: string;
  body: string;
  head: string;
  base: string;
  html_url: string;
}

interface Branch {
  sha: string;
  files: Map<string, string>;
}

interface FakeRepo {
  branches: Map<string, Branch>;
  workflows: Set<string>;
  pulls: FakePull[];
}

export class FakeGitHub {
  readonly calls: GitHubCall[] = [];
  readonly dispatches: { repo: string; workflow: string; ref: string; inputs: Record<string, string> }[] = [];
  readonly token: string;
  private readonly repos = new Map<string, FakeRepo>();
  private readonly faults: { status: 500 | 502 | 429; match: RegExp }[] = [];
  private server?: Server;
  private remaining = 5000;
  private nextPull = 1;
  url = '';

  constructor(token = 'ghp_faketoken0123456789abcdefABCDEF') {
    this.token = token;
  }

  static async start(token?: string): Promise<FakeGitHub> {
    const fake = new FakeGitHub(token);
    fake.server = createServer((req, res) => void fake.handle(req, res));
    await new Promise<void>((resolve) => fake.server!.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  addRepo(fullName: string, files: Record<string, string>, options: { defaultBranch?: string; workflows?: string[] } = {}): void {
    const branches = new Map<string, Branch>([[options.defaultBranch ?? 'main', { sha: commitSha(), files: new Map(Object.entries(files)) }]]);
    this.repos.set(fullName, { branches, workflows: new Set(options.workflows ?? []), pulls: [] });
  }

  fileAt(fullName: string, branch: string, path: string): string | undefined {
    return this.repos.get(fullName)?.branches.get(branch)?.files.get(path);
  }

  pulls(fullName: string): FakePull[] {
    return this.repos.get(fullName)?.pulls ?? [];
  }

  failNext(count: number, status: 500 | 502 | 429, match: RegExp = /.*/): void {
    for (let i = 0; i < count; i++) this.faults.push({ status, match });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = (raw ? JSON.parse(raw) : undefined) as Record<string, unknown> | undefined;
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = decodeURIComponent(url.pathname);
    const method = req.method ?? 'GET';
    const reset = String(Math.floor(Date.now() / 1000) + 3600);
    const send = (status: number, payload?: unknown, extra: Record<string, string> = {}) => {
      this.calls.push({ method, path, status, body });
      if (this.remaining > 0) this.remaining--;
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': String(this.remaining),
        'x-ratelimit-used': String(5000 - this.remaining),
        'x-ratelimit-reset': reset,
        'x-ratelimit-resource': 'core',
        ...extra,
      });
      res.end(payload === undefined ? '' : JSON.stringify(payload));
    };
    const error = (status: number, message: string, extra: Record<string, string> = {}) =>
      send(status, { message, documentation_url: 'https://docs.github.com/rest', status: String(status) }, extra);

    const auth = req.headers.authorization ?? '';
    if (auth !== `token ${this.token}` && auth !== `Bearer ${this.token}`) return error(401, 'Bad credentials');
    const fi = this.faults.findIndex((f) => f.match.test(`${method} ${path}`));
    if (fi >= 0) {
      const [f] = this.faults.splice(fi, 1);
      if (f!.status === 429) return error(429, 'You have exceeded a secondary rate limit.', { 'retry-after': '1' });
      return error(f!.status, 'Server Error');
    }

    const m = /^\/repos\/([^/]+)\/([^/]+)\/(.*)$/.exec(path);
    const repo = m ? this.repos.get(`${m[1]}/${m[2]}`) : undefined;
    if (!m || !repo) return error(404, 'Not Found');
    const owner = m[1] as string;
    const fullName = `${owner}/${m[2]}`;
    const rest = m[3] as string;
    let r: RegExpExecArray | null;

    if ((r = /^actions\/workflows\/([^/]+)\/dispatches$/.exec(rest)) && method === 'POST') {
      const workflow = r[1] as string;
      if (!repo.workflows.has(workflow)) return error(404, 'Not Found');
      const ref = String(body?.ref ?? '');
      if (!repo.branches.has(ref.replace(/^refs\/heads\//, ''))) return error(422, `No ref found for: ${ref}`);
      this.dispatches.push({ repo: fullName, workflow, ref, inputs: (body?.inputs ?? {}) as Record<string, string> });
      return send(204);
    }
    if ((r = /^git\/ref\/heads\/(.+)$/.exec(rest)) && method === 'GET') {
      const b = repo.branches.get(r[1] as string);
      return b ? send(200, refObject(fullName, r[1] as string, b.sha)) : error(404, 'Not Found');
    }
    if (rest === 'git/refs' && method === 'POST') {
      const name = String(body?.ref ?? '').replace(/^refs\/heads\//, '');
      if (!String(body?.ref ?? '').startsWith('refs/')) return error(422, 'Reference name must start with refs/');
      if (repo.branches.has(name)) return error(422, 'Reference already exists');
      const from = [...repo.branches.values()].find((b) => b.sha === body?.sha);
      if (!from) return error(422, 'Object does not exist');
      repo.branches.set(name, { sha: from.sha, files: new Map(from.files) });
      return send(201, refObject(fullName, name, from.sha));
    }
    if ((r = /^git\/refs\/heads\/(.+)$/.exec(rest)) && method === 'PATCH') {
      const b = repo.branches.get(r[1] as string);
      const from = [...repo.branches.values()].find((x) => x.sha === body?.sha);
      if (!b || !from) return error(422, 'Reference does not exist');
      repo.branches.set(r[1] as string, { sha: from.sha, files: new Map(from.files) });
      return send(200, refObject(fullName, r[1] as string, from.sha));
    }
    if ((r = /^contents\/(.+)$/.exec(rest))) {
      const filePath = r[1] as string;
      if (method === 'GET') {
        const branch = repo.branches.get(url.searchParams.get('ref') ?? 'main');
        const text = branch?.files.get(filePath);
        if (text === undefined) return error(404, 'Not Found');
        const b64 = Buffer.from(text)
          .toString('base64')
          .replace(/(.{60})/g, '$1\n');
        return send(200, {
          type: 'file',
          encoding: 'base64',
          size: Buffer.byteLength(text),
          name: filePath.split('/').pop(),
          path: filePath,
          content: b64,
          sha: blobSha(text),
        });
      }
      if (method === 'PUT') {
        const branch = repo.branches.get(String(body?.branch ?? 'main'));
        if (!branch) return error(404, 'Branch not found');
        if (typeof body?.message !== 'string' || typeof body?.content !== 'string') return error(422, 'Invalid request.');
        const current = branch.files.get(filePath);
        if (current !== undefined && body?.sha === undefined) return error(422, `Invalid request.\n\n"sha" wasn't supplied.`);
        if (current !== undefined && body?.sha !== blobSha(current)) return error(409, `${filePath} does not match ${String(body?.sha)}`);
        const text = Buffer.from(body.content, 'base64').toString('utf8');
        branch.files.set(filePath, text);
        branch.sha = commitSha();
        return send(current === undefined ? 201 : 200, { content: { path: filePath, sha: blobSha(text) }, commit: { sha: branch.sha, message: body.message } });
      }
    }
    if (rest === 'pulls' && method === 'GET') {
      const state = url.searchParams.get('state') ?? 'open';
      const head = url.searchParams.get('head');
      const list = repo.pulls.filter((p) => (state === 'all' || p.state === state) && (!head || `${owner}:${p.head}` === head));
      return send(
        200,
        list.map((p) => pullObject(p)),
      );
    }
    if (rest === 'pulls' && method === 'POST') {
      const head = String(body?.head ?? '');
      const base = String(body?.base ?? '');
      if (!repo.branches.has(head) || !repo.branches.has(base)) return error(422, 'Validation Failed');
      if (repo.pulls.some((p) => p.state === 'open' && p.head === head)) return error(422, `A pull request already exists for ${owner}:${head}.`);
      const pull: FakePull = {
        number: this.nextPull++,
        state: 'open',
        title: String(body?.title ?? ''),
        body: String(body?.body ?? ''),
        head,
        base,
        html_url: `https://github.com/${fullName}/pull/${this.nextPull - 1}`,
      };
      repo.pulls.push(pull);
      return send(201, pullObject(pull));
    }
    if ((r = /^pulls\/(\d+)$/.exec(rest)) && method === 'PATCH') {
      const pull = repo.pulls.find((p) => p.number === Number(r![1]));
      if (!pull) return error(404, 'Not Found');
      if (typeof body?.title === 'string') pull.title = body.title;
      if (typeof body?.body === 'string') pull.body = body.body;
      if (body?.state === 'closed' || body?.state === 'open') pull.state = body.state;
      return send(200, pullObject(pull));
    }
    return error(404, 'Not Found');
  }
}

function blobSha(text: string): string {
  const buf = Buffer.from(text);
  return createHash('sha1').update(`blob ${buf.length}\0`).update(buf).digest('hex');
}

function commitSha(): string {
  return randomBytes(20).toString('hex');
}

function refObject(repo: string, branch: string, sha: string) {
  return {
    ref: `refs/heads/${branch}`,
    node_id: 'REF_x',
    url: `https://api.github.com/repos/${repo}/git/refs/heads/${branch}`,
    object: { type: 'commit', sha, url: `https://api.github.com/repos/${repo}/git/commits/${sha}` },
  };
}

function pullObject(p: FakePull) {
  return { number: p.number, state: p.state, title: p.title, body: p.body, html_url: p.html_url, head: { ref: p.head }, base: { ref: p.base } };
}
