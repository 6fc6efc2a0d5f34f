import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

/**
 * hono's bodyLimit reads `c.req.raw.body`, which makes @hono/node-server build a full fetch
 * Request (a web ReadableStream over the socket, an AbortController) for every webhook: a
 * fixed cost larger than parsing and storing a one-alert payload. A declared Content-Length is
 * checked from the headers alone; only chunked bodies (no length) go through the streaming
 * limit, which counts the bytes as they arrive.
 */
export function declaredBodyLimit(maxSize: number, onError: (c: Context) => Response | Promise<Response>): MiddlewareHandler {
  const streaming = bodyLimit({ maxSize, onError });
  return async function limitBody(c, next) {
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
      return Number.parseInt(length, 10) > maxSize ? onError(c) : next();
    }
    return streaming(c, next);
  };
}
