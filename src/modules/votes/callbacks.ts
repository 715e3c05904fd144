import { callbackData } from '../../kernel/chat/callback-data.js';

/** An owner's ballot button: `vt:<proposal>:<option number, from 1>`. */
export const ballotButton = callbackData('vt', { proposal: 'int', option: 'int' });
/** "How many have voted": `vtt:<proposal>`. */
export const turnoutButton = callbackData('vtt', { proposal: 'int' });
