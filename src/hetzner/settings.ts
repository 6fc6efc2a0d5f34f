import { z } from 'zod';
import { fromEnv, secret } from '../config/field-marks.js';

/**
 * `hetzner:` — how the Hetzner Cloud API is reached (same variable names as the `hcloud` CLI).
 * A credential section: the actions that call Hetzner name it (src/action.ts `credentials`).
 */
export const hetznerCredentialsSchema = z
  .strictObject({
    /** Project API token (read/write). Without it resizes are dry runs. Env: HCLOUD_TOKEN. */
    token: secret(z.string().optional(), { env: 'HCLOUD_TOKEN' }),
    /** @defaultValue https://api.hetzner.cloud/v1. Env: HCLOUD_ENDPOINT. */
    endpoint: fromEnv(z.string().url().optional(), 'HCLOUD_ENDPOINT'),
  })
  .prefault({});
