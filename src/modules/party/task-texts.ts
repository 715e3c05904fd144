import type { Locale } from '../../flows/flow-schema.js';
import { CHINA_TIME_ZONE } from '../../kernel/time/zone.js';
import { taskAcceptButton, taskDeclineButton, taskDoneButton } from './callbacks.js';
import { partyTexts } from './texts.js';

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

/** The buttons of the task messages, in a locale: accept and complete run as flows, decline in chat.ts. */
export const taskButtons = {
  accept: (id: number, l: Locale) => ({
    label: partyTexts(l).buttons.accept,
    payload: taskAcceptButton.write({ task: id }),
  }),
  decline: (id: number, l: Locale) => ({
    label: partyTexts(l).buttons.decline,
    payload: taskDeclineButton.write({ task: id }),
  }),
  done: (id: number, l: Locale) => ({
    label: partyTexts(l).buttons.done,
    payload: taskDoneButton.write({ task: id }),
  }),
};

/** A task as its messages name it. */
export const taskSubject = (t: { title: string; description: string; place: string; due_at: Date }) => ({
  title: t.title,
  description: t.description,
  place: t.place,
  due: fmt(t.due_at),
});
