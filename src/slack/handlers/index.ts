import type { ButtonKind } from '../button-store.js';
import { acknowledgeHandler } from './acknowledge.js';
import { approveHandler, rejectHandler } from './approval.js';
import type { ClickHandler } from './handler.js';
import { expireSilenceHandler, silenceHandler } from './silence.js';

/** Every kind of button alertworks issues, in one list. */
export const clickHandlers: readonly ClickHandler<any>[] = [approveHandler, rejectHandler, silenceHandler, expireSilenceHandler, acknowledgeHandler];

export function handlerFor(kind: ButtonKind): ClickHandler<any> | undefined {
  return clickHandlers.find((h) => h.kind === kind);
}
