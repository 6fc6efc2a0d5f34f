import { z } from 'zod';
import { fromEnv, secret } from '../config/field-marks.js';

/**
 * `github:` — how the GitHub REST API is reached (filesystem workflows, Terraform PRs).
 * A credential section: the actions that call GitHub name it (src/action.ts `credentials`).
 */
export const githubCredentialsSchema = z
  .strictObject({
    /** Token with `actions:write` and `contents`/`pull-requests` write. Env: GITHUB_TOKEN. */
    token: secret(z.string().optional(), { env: 'GITHUB_TOKEN' }),
    /** @defaultValue https://api.github.com. Env: GITHUB_API_URL. */
    apiUrl: fromEnv(z.string().url().optional(), 'GITHUB_API_URL'),
  })
  .prefault({});
