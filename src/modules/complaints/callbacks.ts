import { callbackData } from '../../kernel/chat/callback-data.js';

/**
 * A handler's button on a complaint notice: `cp:<complaint>:<accept|grab|start|resolve>:v<version>`. The
 * status decides what a press does (a second accept is refused by the loop); the version only
 * identifies the notice.
 */
export const handlerButton = callbackData('cp', {
  complaint: 'int',
  action: ['accept', 'grab', 'start', 'resolve'],
  version: 'v',
});
/** A handler adding a note: `cpnote:<complaint>` (the trigger of the handler-note flow). */
export const noteButton = callbackData('cpnote', { complaint: 'int' });
/** The reporter rating a resolved complaint: `rate:<complaint>` (the trigger of the rating flow). */
export const ratingButton = callbackData('rate', { complaint: 'int' });
/** A handler handing a complaint on: `cpxfer:<complaint>` (the trigger of the transfer flow). */
export const transferButton = callbackData('cpxfer', { complaint: 'int' });
/** A handler giving a complaint back to dispatch: `cpret:<complaint>` (the trigger of the return flow). */
export const returnButton = callbackData('cpret', { complaint: 'int' });
