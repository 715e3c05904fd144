import { CHINA_TIME_ZONE } from '../../kernel/time/zone.js';
import { taskAcceptButton, taskDeclineButton, taskDoneButton } from './callbacks.js';

/** A due time as the task messages show it: month, day, hour and minute, China time. */
export const fmt = (d: Date) =>
  new Intl.DateTimeFormat('zh-CN', {
    timeZone: CHINA_TIME_ZONE,
    month: 'numeric',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(d);

/** The buttons of the task messages: accept and complete run as flows, decline in chat.ts. */
export const taskButtons = {
  accept: (id: number) => ({ label: '接受', payload: taskAcceptButton.write({ task: id }) }),
  decline: (id: number) => ({ label: '婉拒', payload: taskDeclineButton.write({ task: id }) }),
  done: (id: number) => ({ label: '完成任务', payload: taskDoneButton.write({ task: id }) }),
};
