import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseDocument } from 'yaml';
import { ConfigError } from '../errors.js';
import { coreSchema, routeSchema, type AppConfig, type RouteConfig } from './schema.js';
import { expandEnv } from './expand-env.js';
import { actions } from '../../workers/registry.js';
import { checkTypes } from '../../jobs/registry.js';
import { checkRunnerSchema } from '../../jobs/check-runner-settings.js';
import { isSecretName, registerSecret } from '../observability/redact.js';

export const DEFAULT_CONFIG_PATH = 'config/alertworks.yaml';

/**
 * Environment variables that override a config field (DESIGN.md: "the environment wins").
 * Applied to the parsed YAML before validation, so their values are validated too.
 */
const ENV_OVERRIDES: { env: string; path: string[]; parse?: (v: string) => unknown }[] = [
  { env: 'PORT', path: ['server', 'port'] },
  { env: 'HOST', path: ['server', 'host'] },
  { env: 'REDIS_URL', path: ['redis', 'url'] },
  { env: 'WEBHOOK_TOKEN', path: ['server', 'auth', 'bearerTokens'], parse: (v) => v.split(',').map((t) => t.trim()).filter(Boolean) },
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
];

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
  if (expanded.missing.length > 0) {
    throw new ConfigError(
      file,
      expanded.missing.map((m) => `line ${m.line}: environment variable ${m.name} is not set (write \${${m.name}:-default} to allow a default)`),
    );
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

  const result = buildRootSchema().safeParse(raw);
  if (!result.success) {
    throw new ConfigError(
      file,
      result.error.issues.map((issue) => {
        const path = formatPath(issue.path);
        const fromEnv = [...overridden].find(([p]) => path.startsWith(p))?.[1];
        return `${path}: ${issue.message}${fromEnv ? ` (set by ${fromEnv})` : ''}`;
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

  return deepFreeze({ ...(parsed as unknown as AppConfig), routes, sections, checks: core.checks, source: file });
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
