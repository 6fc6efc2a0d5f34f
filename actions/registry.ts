import type { Action, SectionsOf } from '../src/action.js';
import { notifyAction } from './notify.js';
import { tlsVerifyAction } from './tls-verify.js';
import { volumeResizeAction } from './volume-resize/index.js';

/** Every alert-driven action, in one list: its name is both a route target and a queue. */
export const actions = [notifyAction, tlsVerifyAction, volumeResizeAction] as const satisfies readonly Action[];

type SectionsOfList<L> = L extends readonly [infer Head, ...infer Tail] ? SectionsOf<Head> & SectionsOfList<Tail> : unknown;

/** The config sections the registered actions own, by key, as their schemas parse them (AppConfig.sections). */
export type ActionSections = SectionsOfList<typeof actions>;
