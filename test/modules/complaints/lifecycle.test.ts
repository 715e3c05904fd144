import { describe, expect, it } from 'vitest';
import {
  ACTIONS,
  type ComplaintStatus,
  levelAbove,
  nextStatus,
  STATUSES,
  stageOf,
} from '../../../src/modules/complaints/lifecycle.js';

// The full transition table: every (status, action) pair, allowed or not.
const EXPECTED: Record<ComplaintStatus, Partial<Record<(typeof ACTIONS)[number], ComplaintStatus>>> = {
  submitted: {
    accept: 'accepted',
    grab: 'accepted',
    reject: 'rejected',
    withdraw: 'withdrawn',
    assign: 'submitted',
    transfer: 'submitted',
    return: 'submitted',
    note: 'submitted',
    escalate: 'submitted',
  },
  accepted: {
    grab: 'accepted',
    transfer: 'accepted',
    return: 'accepted',
    start: 'in_progress',
    resolve: 'resolved',
    reject: 'rejected',
    withdraw: 'withdrawn',
    assign: 'accepted',
    note: 'accepted',
    escalate: 'accepted',
  },
  in_progress: {
    resolve: 'resolved',
    reject: 'rejected',
    withdraw: 'withdrawn',
    assign: 'in_progress',
    transfer: 'in_progress',
    return: 'accepted',
    note: 'in_progress',
    escalate: 'in_progress',
  },
  resolved: { reopen: 'reopened', close: 'closed', assign: 'resolved', note: 'resolved' },
  closed: {},
  rejected: {
    appeal: 'submitted',
    close: 'closed',
    withdraw: 'withdrawn',
    assign: 'rejected',
    note: 'rejected',
  },
  reopened: {
    accept: 'accepted',
    grab: 'accepted',
    reject: 'rejected',
    withdraw: 'withdrawn',
    assign: 'reopened',
    transfer: 'reopened',
    return: 'reopened',
    note: 'reopened',
    escalate: 'reopened',
  },
  withdrawn: {},
};

describe('complaint lifecycle', () => {
  for (const status of STATUSES) {
    for (const action of ACTIONS) {
      const want = EXPECTED[status][action] ?? null;
      it(`${status} --${action}--> ${want ?? '(refused)'}`, () => {
        expect(nextStatus(status, action)).toBe(want);
      });
    }
  }

  it('knows which deadline runs, and the chain upward', () => {
    expect(stageOf('submitted')).toBe('ack');
    expect(stageOf('reopened')).toBe('ack');
    expect(stageOf('in_progress')).toBe('resolve');
    expect(stageOf('resolved')).toBeNull();
    expect(levelAbove('compound')).toBe('community');
    expect(levelAbove('district')).toBe('city');
    expect(levelAbove('city')).toBeNull();
  });
});
