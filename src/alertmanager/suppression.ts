import { AlertworksError, errorCode } from '../errors.js';
import type { AlertmanagerClient } from './client.js';

/** What Alertmanager says about one alert before alertworks acts on it. */
export type Suppression =
  | { kind: 'suppressed'; silencedBy: string[]; inhibitedBy: string[]; mutedBy: string[] }
  /** Alertmanager knows the alert and would notify for it. */
  | { kind: 'active' }
  /** Alertmanager does not hold this alert (resolved and gone, or never sent to it). */
  | { kind: 'unknown' }
  /** The question could not be asked; `code` is a stable reason (alertmanager_unreachable, ...). */
  | { kind: 'unreachable'; code: string; retryable: boolean };

const MAX_IDS = 10;
const ID = /^[A-Za-z0-9:._-]{1,80}$/;

/**
 * Asks Alertmanager whether the alert with these labels is silenced, inhibited or muted
 * (GET /api/v2/alerts, status.state == suppressed). Never throws: a failure is `unreachable`,
 * and the caller decides (config `alertmanager.onUnreachable`).
 */
export async function suppressionOf(client: AlertmanagerClient, labels: Readonly<Record<string, string>>): Promise<Suppression> {
  try {
    const alert = await client.findAlert(labels);
    if (!alert) return { kind: 'unknown' };
    const s = alert.status;
    if (s?.state !== 'suppressed') return { kind: 'active' };
    return { kind: 'suppressed', silencedBy: ids(s.silencedBy), inhibitedBy: ids(s.inhibitedBy), mutedBy: ids(s.mutedBy) };
  } catch (err) {
    return { kind: 'unreachable', code: errorCode(err), retryable: err instanceof AlertworksError ? err.retryable : true };
  }
}

/** Ids from the answer, bounded and shaped before they reach a message or a log. */
function ids(list: unknown): string[] {
  return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string' && ID.test(x)).slice(0, MAX_IDS) : [];
}
