import { z } from 'zod';
import { durationMs } from '../src/config/duration.js';

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/**
 * A maintenance window: either one absolute interval (`start`/`end`, ISO 8601) or a recurring
 * daily/weekly one (`at` "HH:MM" UTC + `duration`, optionally only on some `weekdays`).
 */
export const maintenanceWindowSchema = z
  .strictObject({
    /** Shown in the entering/leaving messages. */
    reason: z.string().default('maintenance'),
    start: z.iso.datetime({ offset: true }).optional(),
    end: z.iso.datetime({ offset: true }).optional(),
    /** Recurring start, "HH:MM" in UTC. */
    at: z.string().regex(HHMM, 'must be "HH:MM" (UTC)').optional(),
    duration: durationMs.optional(),
    /** Days the recurring window starts on. @defaultValue every day */
    weekdays: z.array(z.enum(WEEKDAYS)).optional(),
  })
  .superRefine((w, ctx) => {
    const absolute = w.start !== undefined || w.end !== undefined;
    const recurring = w.at !== undefined || w.duration !== undefined || w.weekdays !== undefined;
    if (absolute && recurring) ctx.addIssue({ code: 'custom', message: 'use either start/end or at/duration, not both' });
    else if (absolute) {
      if (!w.start || !w.end) ctx.addIssue({ code: 'custom', message: 'needs both start and end' });
      else if (Date.parse(w.end) <= Date.parse(w.start)) ctx.addIssue({ code: 'custom', path: ['end'], message: 'must be after start' });
    } else if (!w.at || !w.duration) ctx.addIssue({ code: 'custom', message: 'needs start/end, or at + duration' });
  });

export type MaintenanceWindow = z.infer<typeof maintenanceWindowSchema>;

/** The active occurrence of a window at `now`: its start (identifies the occurrence) and end. */
export interface ActiveWindow {
  startMs: number;
  endMs: number;
  reason: string;
}

export function activeWindow(windows: readonly MaintenanceWindow[] | undefined, now: number): ActiveWindow | undefined {
  for (const w of windows ?? []) {
    const hit = occurrenceAt(w, now);
    if (hit) return hit;
  }
  return undefined;
}

function occurrenceAt(w: MaintenanceWindow, now: number): ActiveWindow | undefined {
  if (w.start && w.end) {
    const startMs = Date.parse(w.start),
      endMs = Date.parse(w.end);
    return now >= startMs && now < endMs ? { startMs, endMs, reason: w.reason } : undefined;
  }
  if (!w.at || !w.duration) return undefined;
  const [h, m] = w.at.split(':').map(Number) as [number, number];
  const day = 86_400_000;
  // A window may have started on an earlier day and still be running (duration > 1 day is allowed).
  const lookBackDays = Math.ceil(w.duration / day);
  const today = Math.floor(now / day) * day;
  for (let back = 0; back <= lookBackDays; back++) {
    const startMs = today - back * day + (h * 60 + m) * 60_000;
    const weekday = WEEKDAYS[new Date(startMs).getUTCDay()] as (typeof WEEKDAYS)[number];
    if (w.weekdays && !w.weekdays.includes(weekday)) continue;
    if (now >= startMs && now < startMs + w.duration) return { startMs, endMs: startMs + w.duration, reason: w.reason };
  }
  return undefined;
}
