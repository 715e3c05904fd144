import { callbackData } from '../../kernel/chat/callback-data.js';

/** A branch secretary's decision on a member's registration: `pm:<member>:<approve|reject>`. */
export const memberDecisionButton = callbackData('pm', { member: 'int', decision: ['approve', 'reject'] });
/** A party member taking a task: `tkok:<task>` (also the trigger of the task-accept flow). */
export const taskAcceptButton = callbackData('tkok', { task: 'int' });
/** A party member declining a task: `tkno:<task>`. */
export const taskDeclineButton = callbackData('tkno', { task: 'int' });
/** A party member reporting a task done: `tkdone:<task>` (the trigger of the task-complete flow). */
export const taskDoneButton = callbackData('tkdone', { task: 'int' });
