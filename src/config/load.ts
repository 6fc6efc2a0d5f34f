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
import { envOverrides, markedFields, registerMarkedSecrets, type MarkedField } from './field-marks.js';
import type { Action } from '../action.js';
import type { ActionSections } from '../../actions/registry.js';
import { knownKeysAt } from './known-keys.js';
import { closest } from './suggest.js';

export const DEFAULT_CONFIG_PATH = 'config/alertworks.yaml';

/**
 * The root schema, built from the registries: the core sections, each action's own section and
 * credential sections, the checks of every registered type. `registered` is the actions list
 * (a test may add one of its own); built once per list.
 */
function buildRootSchema(registered: readonly Action[]) {
  const sections: Record<string, z.ZodType> = {};
  for (const action of registered) {
    if (action.settings) sections[action.settings.key] = action.settings.schema.optional();
    for (const [key, schema] of Object.entries(action.credentials ?? {})) {
      if (key in sections && sections[key] !== schema)
        throw new Error(`action ${action.name}: config section "${key}" is already declared with another schema`);
      sections[key] = schema;
    }
  }
  for (const key of Object.keys(sections)) {
    if (key in coreSchema.shape || key === 'checks' || key === 'checkRunner')
      throw new Error(`config section "${key}" of an action clashes with a core section`);
  }
  const [firstType, ...otherTypes] = checkTypes.map((t) => t.schema);
  const checkSchema = firstType
    ? // Discriminated on `type`, so an error names the field of the right type (a union reports every option).
      z.discriminatedUnion('type', [firstType, ...otherTypes])
    : z.never({ message: 'no check types are registered' });
  const schema = coreSchema.extend({ ...sections, checks: z.array(checkSchema).default([]), checkRunner: checkRunnerSchema });
  // Where the environment wins, from the fields' own marks (config/field-marks.ts).
  return { schema, sectionKeys: Object.keys(sections), overrides: envOverrides(schema) };
}

const rootSchemas = new WeakMap<readonly Action[], ReturnType<typeof buildRootSchema>>();

function rootSchemaFor(registered: readonly Action[]): ReturnType<typeof buildRootSchema> {
  let root = rootSchemas.get(registered);
  if (!root) rootSchemas.set(registered, (root = buildRootSchema(registered)));
  return root;
}

/** Every marked field of the root schema (variables and secrets), for the contract tests and docs. */
export function configFieldMarks(registered: readonly Action[] = actions): MarkedField[] {
  return markedFields(rootSchemaFor(registered).schema);
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${String(part)}` : String(part);
  return out || '(root)';
}

/** Parses and validates config text; throws ConfigError naming `file`, the field and the reason. */
export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env, registered: readonly Action[] = actions): AppConfig {
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
    throw new ConfigError(
      file,
      doc.errors.map((e) => `YAML: ${e.message.split('\n')[0]}`),
    );
  }
  const raw = (doc.toJS() ?? {}) as unknown;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(file, ['(root): must be a mapping of sections (server, redis, routes, ...)']);
  }

  const { schema: rootSchema, sectionKeys, overrides } = rootSchemaFor(registered);
  const overridden = new Map<string, string>();
  for (const o of overrides) {
    const value = env[o.env];
    if (value === undefined || value === '') continue;
    setPath(raw as Record<string, unknown>, o.path, o.parse ? o.parse(value) : value);
    overridden.set(o.path.join('.'), o.env);
  }

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
  registerMarkedSecrets(rootSchema, result.data);
  const { checks, checkRunner, ...parsed } = result.data;
  // The action sections leave the root for `sections` (absent ones get their schema's defaults).
  const sections: Record<string, unknown> = {};
  const byKey: Record<string, unknown> = parsed;
  for (const key of sectionKeys) {
    sections[key] = byKey[key];
    delete byKey[key];
  }
  for (const action of registered) {
    if (action.settings && sections[action.settings.key] === undefined) {
      const defaults = action.settings.schema.safeParse({});
      if (defaults.success) sections[action.settings.key] = defaults.data;
    }
  }

  const problems: string[] = [];
  const actionNames = new Set(registered.map((a) => a.name));
  const routes: RouteConfig[] = parsed.routes ?? defaultRoutes(registered);
  routes.forEach((route, i) => {
    if (!actionNames.has(route.action)) {
      problems.push(`routes[${i}].action: unknown action "${route.action}" (known: ${[...actionNames].join(', ')})`);
    }
  });
  if (parsed.server.headersTimeout > parsed.server.requestTimeout) {
    problems.push(`server.headersTimeout: must not be longer than server.requestTimeout (${parsed.server.requestTimeout}ms)`);
  }
  const names = new Set<string>();
  checks.forEach((check, i) => {
    if (names.has(check.name)) problems.push(`checks[${i}].name: duplicate check name "${check.name}"`);
    names.add(check.name);
  });
  if (checkRunner.canary !== undefined && !names.has(checkRunner.canary)) problems.push(`checkRunner.canary: no check named "${checkRunner.canary}"`);
  if (problems.length > 0) throw new ConfigError(file, problems);

  const dryRunSource = overridden.has('dryRun')
    ? `DRY_RUN=${env.DRY_RUN} in the environment`
    : 'dryRun' in raw
      ? `dryRun: ${String(parsed.dryRun)} in ${file}`
      : 'the default (dryRun: false)';
  // The one place the registry's types meet its values: each key was just parsed by the schema its action declared.
  return deepFreeze({ ...parsed, routes, sections: sections as ActionSections, checks, checkRunner, source: file, dryRunSource });
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

export function defaultRoutes(registered: readonly Action[] = actions): RouteConfig[] {
  return registered.flatMap((a) => (a.defaultRoutes ?? []).map((r) => routeSchema.parse({ ...r, action: a.name })));
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
