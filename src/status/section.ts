import type { RedisClient } from '../redis.js';
import type { AppConfig } from '../config/schema.js';

/** What a status section may read: the frozen config and the shared Redis (read-only use). */
export interface StatusContext {
  config: AppConfig;
  redis: RedisClient;
  /** Epoch ms the page is rendered at, so "since" and "days left" agree within one page. */
  now: number;
}

/** ok/warn/crit colour a row; unknown = configured but no state recorded yet. */
export type RowLevel = 'ok' | 'warn' | 'crit' | 'unknown';

/** Markup a section built itself (a sparkline, a link), every outside value in it escaped. */
export interface TrustedHtml {
  html: string;
}

export type StatusCell = string | number | undefined | TrustedHtml;

export interface StatusRow {
  level: RowLevel;
  /** Cell text by column key (escaped when rendered); missing cells render as "—". */
  cells: Readonly<Record<string, StatusCell>>;
}

export interface StatusColumn {
  key: string;
  label: string;
}

/**
 * One block of the /status page. Adding one is one file exporting this and one line in
 * sections.ts. `load` must be read-only and fast (it runs on every page view).
 */
export interface StatusSection {
  readonly id: string;
  readonly title: string;
  readonly columns: readonly StatusColumn[];
  /** Shown when `load` returns no rows. */
  readonly empty: string;
  load(ctx: StatusContext): Promise<StatusRow[]>;
}

/** "3m ago", "2h ago", "4d ago": coarse on purpose, the exact time is in the title attribute. */
export function ago(thenMs: number, nowMs: number): string {
  const s = Math.max(0, Math.round((nowMs - thenMs) / 1000));
  if (s < 90) return `${s}s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)}m ago`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

/** An ISO timestamp plus a relative age, or undefined for a missing/invalid value. */
export function when(value: string | undefined, nowMs: number): string | undefined {
  if (!value) return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) return undefined;
  return `${new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')} (${ago(ms, nowMs)})`;
}

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

const memos = new WeakMap<StatusContext, Map<string, Promise<unknown>>>();

/** Loads a thing once per page render, however many sections ask for it. */
export function oncePerRender<T>(ctx: StatusContext, key: string, load: () => Promise<T>): Promise<T> {
  let memo = memos.get(ctx);
  if (!memo) memos.set(ctx, (memo = new Map()));
  let value = memo.get(key) as Promise<T> | undefined;
  if (!value) memo.set(key, (value = load()));
  return value;
}
