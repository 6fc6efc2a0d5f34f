/**
 * Shapes of the Alertmanager API v2 (api/v2/openapi.yaml in prometheus/alertmanager), as far
 * as alertworks reads or writes them. Grafana's built-in Alertmanager serves the same API
 * under /api/alertmanager/grafana/api/v2.
 */

/** `matcher`: equality (`isEqual` true, `isRegex` false) is all alertworks creates. */
export interface Matcher {
  name: string;
  value: string;
  isRegex: boolean;
  /** Absent in Alertmanager < 0.22: read as true. */
  isEqual?: boolean;
}

/** `alertStatus`: `mutedBy` (time intervals) exists from Alertmanager 0.27 on. */
export interface AlertStatus {
  state: 'unprocessed' | 'active' | 'suppressed';
  silencedBy: string[];
  inhibitedBy: string[];
  mutedBy?: string[];
}

/** `gettableAlert` (only the fields read here). */
export interface GettableAlert {
  labels: Record<string, string>;
  fingerprint: string;
  startsAt: string;
  endsAt: string;
  status: AlertStatus;
}

/** `postableSilence`; `id` absent creates, present updates. */
export interface PostableSilence {
  id?: string;
  matchers: Matcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

/** `gettableSilence`. */
export interface GettableSilence extends PostableSilence {
  id: string;
  status: { state: 'expired' | 'active' | 'pending' };
  updatedAt: string;
}
