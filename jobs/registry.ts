import type { CheckType } from './check-type.js';
import { tlsCheck } from './checks/tls.js';

/** Every check type, in one list; the config's `checks` entries are validated against these. */
export const checkTypes: readonly CheckType<any>[] = [tlsCheck];
