import type { Queue } from 'bullmq';
import { formatDuration } from '../config/duration.js';
import type { IncidentThreads } from '../notify/threads.js';
import type { ApprovalRequest, ApprovalStore } from './approval-store.js';

export const EXPIRY_JOB = 'approval-expiry';

export interface ExpiryJobData {
  approvalId: string;
}

/**
 * The waiting is a delayed job in Redis, not a worker that sleeps: it survives restarts and
 * holds no worker slot. When it runs, a request still pending expires (said in the thread).
 */
export async function scheduleExpiry(queue: Queue, request: ApprovalRequest, now = Date.now()): Promise<void> {
  const data: ExpiryJobData = { approvalId: request.id };
  await queue.add(EXPIRY_JOB, data, { jobId: `approval-expiry-${request.id}`, delay: Math.max(0, request.expiresAt - now) });
}

export async function expireApproval(
  approvals: ApprovalStore,
  threads: IncidentThreads,
  data: ExpiryJobData,
  now = Date.now(),
): Promise<'expired' | 'decided' | 'gone'> {
  const request = await approvals.get(data.approvalId);
  if (!request) return 'gone';
  if (!(await approvals.decide(request, 'expired', undefined, now))) return 'decided';
  const waited = formatDuration(request.expiresAt - request.requestedAt);
  await threads.say(
    request.incident,
    { text: `:hourglass: Nobody approved within ${waited}: ${request.summary} was *not* done. A later alert asks again.` },
    { step: `approval-expired:${request.id}` },
  );
  return 'expired';
}
