import { callbackData } from '../../kernel/chat/callback-data.js';

/** A resident taking part in a campaign: `eval:<campaign>` (the trigger of the evaluation flow). */
export const evaluationButton = callbackData('eval', { campaign: 'int' });
