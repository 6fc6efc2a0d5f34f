import type { ButtonKind } from '../button-store.js';
import { acknowledgeHandler } from './acknowledge.js';
import { approveHandler, rejectHandler } from './approval.js';
import type { ClickHandler } from './handler.js';
import { expireSilenceHandler, silenceHandler } from './silence.js';

/** A handler of any one kind of button. */
export type AnyClickHandler = { [K in ButtonKind]: ClickHandler<K> }[ButtonKind];

/** Every kind of button alertworks issues, in one list. */
const clickHandlers: readonly AnyClickHandler[] = [approveHandler, rejectHandler, silenceHandler, expireSilenceHandler, acknowledgeHandler];

export function handlerFor(kind: ButtonKind): AnyClickHandler | undefined {
  return clickHandlers.find((h) => h.kind === kind);
}
