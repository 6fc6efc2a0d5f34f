import type { Action } from '../src/action.js';
import { notifyAction } from './notify.js';
import { tlsVerifyAction } from './tls-verify.js';
import { volumeResizeAction } from './volume-resize/index.js';

/** Every alert-driven action, in one list: its name is both a route target and a queue. */
export const actions: readonly Action<unknown>[] = [notifyAction, tlsVerifyAction, volumeResizeAction];
