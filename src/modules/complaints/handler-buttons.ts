import type { Locale } from '../../flows/flow-schema.js';
import type { Choice } from '../../kernel/chat/port.js';
import { handlerButton, noteButton, returnButton, transferButton } from './callbacks.js';
import type { ComplaintRow } from './repository.js';
import { complaintTexts } from './texts.js';

/**
 * The buttons of a handler notice: accept (抢单 under the dispatch mode grab), add a note, resolved,
 * transfer, and return to dispatch once someone (or a role) has it.
 */
export function handlerChoices(c: ComplaintRow, l: Locale, grab: boolean): Choice[] {
  const b = complaintTexts(l).buttons;
  if (grab)
    return [
      {
        label: b.grab,
        payload: handlerButton.write({ complaint: c.id, action: 'grab', version: c.version }),
      },
      { label: b.note, payload: noteButton.write({ complaint: c.id }) },
    ];
  return [
    {
      label: b.accept,
      payload: handlerButton.write({ complaint: c.id, action: 'accept', version: c.version }),
    },
    { label: b.note, payload: noteButton.write({ complaint: c.id }) },
    {
      label: b.resolve,
      payload: handlerButton.write({ complaint: c.id, action: 'resolve', version: c.version }),
    },
    { label: b.transfer, payload: transferButton.write({ complaint: c.id }) },
    ...(c.assignee_id !== null || c.assigned_role !== null
      ? [{ label: b.return, payload: returnButton.write({ complaint: c.id }) }]
      : []),
  ];
}

/**
 * The buttons for whoever just took a complaint (受理 or 抢单 pressed): what they can do next —
 * add a note, mark it resolved, hand it on, give it back.
 */
export function heldChoices(c: ComplaintRow, l: Locale): Choice[] {
  const b = complaintTexts(l).buttons;
  return [
    { label: b.note, payload: noteButton.write({ complaint: c.id }) },
    {
      label: b.resolve,
      payload: handlerButton.write({ complaint: c.id, action: 'resolve', version: c.version }),
    },
    { label: b.transfer, payload: transferButton.write({ complaint: c.id }) },
    { label: b.return, payload: returnButton.write({ complaint: c.id }) },
  ];
}
