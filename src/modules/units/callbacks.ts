import { callbackData } from '../../kernel/chat/callback-data.js';

/** A committee member's or grid worker's decision on a resident's claim: `uc:<claim>:<approve|reject>`. */
export const claimDecisionButton = callbackData('uc', { claim: 'int', decision: ['approve', 'reject'] });
