import { AsyncLocalStorage } from 'node:async_hooks';

/** Correlation fields that every log line written inside a request or a job carries. */
export interface LogContext {
  request_id?: string;
  job_id?: string;
  queue?: string;
  action?: string;
  check?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

export function withLogContext<T>(fields: LogContext, fn: () => T): T {
  const parent = storage.getStore();
  return storage.run({ ...parent, ...fields }, fn);
}

export function currentLogContext(): LogContext | undefined {
  return storage.getStore();
}
