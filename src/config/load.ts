import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseDocument } from 'yaml';
import { ConfigError } from '../errors.js';
import { coreSchema, routeSchema, type AppConfig, type RouteConfig } from './schema.js';
import { expandEnv } from './expand-env.js';
import { actions } from '../../actions/registry.js';
import { checkTypes } from '../../checks/registry.js';
import { checkRunnerSchema } from '../../checks/check-runner-settings.js';
import { isSecretName, registerSecret } from '../observability/redact.js';
import { knownKeysAt } from './known-keys.js';
import { closest } from './suggest.js';

export const DEFAULT_CONFIG_PATH = 'config/alertworks.yaml';

/**
 * Environment variables that override a config field (DESIGN.md: "the environment wins").
 * Applied to the parsed YAML before validation, so their values are validated too.
 */
const ENV_OVERRIDES: { env: string; path: string[]; parse?: (v: string) => unknown }[] = [
  { env: 'PORT', path: ['server', 'port'] },
  { env: 'HOST', path: ['server', 'host'] },
  { env: 'REDIS_URL', path: ['redis', 'url'] },
  { env: 'REDIS_PASSWORD', path: ['redis', 'password'] },
  { env: 'REDIS_SENTINELS', path: ['redis', 'sentinels'], parse: parseList },
  { env: 'REDIS_SENTINEL_NAME', path: ['redis', 'sentinelName'] },
  { env: 'REDIS_SENTINEL_PASSWORD', path: ['redis', 'sentinelPassword'] },
  { env: 'REDIS_CLUSTER_NODES', path: ['redis', 'cluster'], parse: parseList },
  { env: 'WEBHOOK_TOKEN', path: ['server', 'auth', 'bearerTokens'], parse: parseList },
  { env: 'GRAFANA_WEBHOOK_SECRET', path: ['server', 'auth', 'hmac', 'secret'] },
  { env: 'SLACK_BOT_TOKEN', path: ['slack', 'token'] },
  { env: 'SLACK_API_URL', path: ['slack', 'apiUrl'] },
  { env: 'SLACK_CHANNEL', path: ['slack', 'channel'] },
  { env: 'SLACK_SIGNING_SECRET', path: ['slack', 'signingSecret'] },
  { env: 'SLACK_APP_TOKEN', path: ['slack', 'appToken'] },
  { env: 'ALERTMANAGER_URL', path: ['alertmanager', 'url'] },
  { env: 'GITHUB_TOKEN', path: ['github', 'token'] },
  { env: 'GITHUB_API_URL', path: ['github', 'apiUrl'] },
  { env: 'HCLOUD_TOKEN', path: ['hetzner', 'token'] },
  { env: 'HCLOUD_ENDPOINT', path: ['hetzner', 'endpoint'] },
  { env: 'PUSHGATEWAY_URL', path: ['pushgateway', 'url'] },
  { env: 'DRY_RUN', path: ['dryRun'], parse: parseBool },
  { env: 'GRAFANA_URL', path: ['grafana', 'url'] },
  { env: 'GRAFANA_TOKEN', path: ['grafana', 'token'] },
];

function parseList(v: string): string[] {
  return v.split(',').map((t) => t.trim()).filter(Boolean);
}

function parseBool(v: string): unknown {
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  return v;
}

function buildRootSchema() {
  const sections: Record<string, z.ZodType> = {};
  for (const action of actions) {
    if (action.settings) sections[action.settings.key] = action.settings.schema.optional();
  }
  const checkSchema =
    checkTypes.length === 0
      ? z.never({ message: 'no check types are registered' })
      : // Discriminated on `type`, so an error names the field of the right type (a union reports every option).
        z.discriminatedUnion('type', checkTypes.map((t) => t.schema) as unknown as [z.core.$ZodTypeDiscriminable, ...z.core.$ZodTypeDiscriminable[]]);
  return coreSchema.extend({ ...sections, checks: z.array(checkSchema).default([]), checkRunner: checkRunnerSchema });
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${String(part)}` : String(part);
  return out || '(root)';
}

/** Parses and validates config text; throws ConfigError naming `file`, the field and the reason. */
export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): AppConfig {
  const expanded = expandEnv(text, env);
  if (expanded.missing.length > 0 || expanded.refused.length > 0) {
    throw new ConfigError(file, [
      ...expanded.missing.map((m) => `line ${m.line}: environment variable ${m.name} is not set (write \${${m.name}:-default} to allow a default)`),
      ...expanded.refused.map((r) => `line ${r.line}: environment variable ${r.name} cannot be used here: ${r.reason}`),
    ]);
  }
  for (const [name, value] of expanded.used) if (isSecretName(name)) registerSecret(value);

  const doc = parseDocument(expanded.text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(file, doc.errors.map((e) => `YAML: ${e.message.split('\n')[0]}`));
  }
  const raw = (doc.toJS() ?? {}) as unknown;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(file, ['(root): must be a mapping of sections (server, redis, routes, ...)']);
  }

  const overridden = new Map<string, string>();
  for (const o of ENV_OVERRIDES) {
    const value = env[o.env];
    if (value === undefined || value === '') continue;
    setPath(raw as Record<string, unknown>, o.path, o.parse ? o.parse(value) : value);
    overridden.set(o.path.join('.'), o.env);
  }

  const rootSchema = buildRootSchema();
  const result = rootSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(
      file,
      result.error.issues.map((issue) => {
        const path = formatPath(issue.path);
        const fromEnv = [...overridden].find(([p]) => path.startsWith(p))?.[1];
        return `${path}: ${issue.message}${didYouMean(rootSchema, issue)}${fromEnv ? ` (set by ${fromEnv})` : ''}`;
      }),
    );
  }
  const parsed = result.data as Record<string, unknown>;
  const core = parsed as unknown as z.infer<typeof coreSchema> & { checks: AppConfig['checks'] };

  const problems: string[] = [];
  const actionNames = new Set(actions.map((a) => a.name));
  const routes: RouteConfig[] = core.routes ?? defaultRoutes();
  routes.forEach((route, i) => {
    if (!actionNames.has(route.action)) {
      problems.push(`routes[${i}].action: unknown action "${route.action}" (known: ${[...actionNames].join(', ')})`);
    }
  });
  if (core.server.headersTimeout > core.server.requestTimeout) {
    problems.push(`server.headersTimeout: must not be longer than server.requestTimeout (${core.server.requestTimeout}ms)`);
  }
  const names = new Set<string>();
  core.checks.forEach((check, i) => {
    if (names.has(check.name)) problems.push(`checks[${i}].name: duplicate check name "${check.name}"`);
    names.add(check.name);
  });
  const canary = (parsed.checkRunner as { canary?: string } | undefined)?.canary;
  if (canary !== undefined && !names.has(canary)) problems.push(`checkRunner.canary: no check named "${canary}"`);

  const sections: Record<string, unknown> = {};
  for (const action of actions) {
    if (!action.settings) continue;
    const { key, schema } = action.settings;
    const value = parsed[key];
    if (value === undefined) {
      const defaults = schema.safeParse({});
      if (defaults.success) sections[key] = defaults.data;
    } else {
      sections[key] = value;
    }
    delete parsed[key];
  }
  if (problems.length > 0) throw new ConfigError(file, problems);

  const dryRunSource = overridden.has('dryRun')
    ? `DRY_RUN=${env.DRY_RUN} in the environment`
    : 'dryRun' in raw
      ? `dryRun: ${String(core.dryRun)} in ${file}`
      : 'the default (dryRun: false)';
  return deepFreeze({ ...(parsed as unknown as AppConfig), routes, sections, checks: core.checks, source: file, dryRunSource });
}

/** ` (did you mean "status"?)` for an unrecognized key close to a valid one at that place. */
function didYouMean(schema: z.ZodType, issue: z.core.$ZodIssue): string {
  if (issue.code !== 'unrecognized_keys') return '';
  const known = knownKeysAt(schema, issue.path);
  const hints = issue.keys.flatMap((k) => {
    const near = closest(k, known);
    return near && near !== k ? [`"${near}"`] : [];
  });
  return hints.length > 0 ? ` (did you mean ${hints.join(', ')}?)` : '';
}

export function loadConfig(file: string = DEFAULT_CONFIG_PATH, env: NodeJS.ProcessEnv = process.env): AppConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
  return parseConfig(text, file, env);
}

export function defaultRoutes(): RouteConfig[] {
  return actions.flatMap((a) => (a.defaultRoutes ?? []).map((r) => routeSchema.parse({ ...r, action: a.name })));
}

function setPath(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let node = obj;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
