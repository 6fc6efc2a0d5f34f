/**
 * A probe's deadline: aborts `ms` from now, with a `TimeoutError` as `AbortSignal.timeout` does,
 * or when `outer` aborts, whichever comes first.
 *
 * Not `AbortSignal.any([outer, AbortSignal.timeout(ms)])`: on Node 20 a composite signal holds
 * its sources only weakly, and the timer holds a timeout signal only weakly too, so the first
 * garbage collection while a probe waits takes the timeout signal away and the deadline never
 * comes (nodejs/node#57736). A probe of a server that accepts and never answers then waits
 * forever, and its check's job with it. Here the timer holds the controller until it fires.
 */
export function probeDeadline(outer: AbortSignal, ms: number): AbortSignal {
  const controller = new AbortController();
  // Unref'd like AbortSignal.timeout's: a pending deadline alone keeps no process alive.
  setTimeout(() => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), ms).unref();
  return AbortSignal.any([outer, controller.signal]);
}
