import type { CcEvent } from '../contract/event.js';

/**
 * Appeal lifecycle checker, used by the simulator's tests and usable by anyone who wants to know
 * whether an event stream is well-formed: NEW → SENT_DISTRIBUTION → APPOINTED → TRANSFERRED* → CLOSED
 * (→ RETURNED → SENT_DISTRIBUTION → …), or → MISSED while waiting.
 */

type State = 'start' | 'new' | 'queued' | 'handled' | 'closed' | 'missed';

const NEXT: Record<State, Partial<Record<CcEvent['type'], State>>> = {
  start: { APPEAL_NEW: 'new' },
  new: { APPEAL_SENT_DISTRIBUTION: 'queued' },
  queued: { APPEAL_APPOINTED: 'handled', APPEAL_MISSED: 'missed' },
  handled: { APPEAL_TRANSFERRED: 'handled', APPEAL_CLOSED: 'closed' },
  closed: { APPEAL_RETURNED: 'new' },
  missed: {},
};

/** Extra transitions when SENT_DISTRIBUTION, APPOINTED or CLOSED may have been lost. */
const LOSSY: Record<State, Partial<Record<CcEvent['type'], State>>> = {
  start: {},
  new: { APPEAL_APPOINTED: 'handled', APPEAL_MISSED: 'missed', APPEAL_CLOSED: 'closed', APPEAL_TRANSFERRED: 'handled' },
  queued: { APPEAL_CLOSED: 'closed', APPEAL_TRANSFERRED: 'handled' },
  handled: { APPEAL_RETURNED: 'new' },
  closed: {},
  missed: {},
};

/** Violations of the lifecycle, one message each (empty when the stream is valid). Events must be in ts order. */
export function checkAppealOrder(events: readonly CcEvent[], opts: { lossy?: boolean } = {}): string[] {
  const state = new Map<string, { s: State; op?: string }>();
  const errors: string[] = [];
  for (const e of events) {
    if (e.type === 'OPERATOR_STATUS') {
      if (!e.operatorId || !e.status) errors.push(`${e.id}: OPERATOR_STATUS without operatorId/status`);
      continue;
    }
    if (!e.appealId || !e.queue || !e.channel) {
      errors.push(`${e.id}: ${e.type} without appealId/queue/channel`);
      continue;
    }
    const cur = state.get(e.appealId) ?? { s: 'start' as State };
    const to = NEXT[cur.s][e.type] ?? (opts.lossy ? LOSSY[cur.s][e.type] : undefined);
    if (!to) {
      errors.push(`${e.id}: ${e.type} after ${cur.s} for ${e.appealId}`);
      continue;
    }
    const needsOp = e.type === 'APPEAL_APPOINTED' || e.type === 'APPEAL_TRANSFERRED' || e.type === 'APPEAL_CLOSED';
    if (needsOp && !e.operatorId) errors.push(`${e.id}: ${e.type} without operatorId`);
    if (e.type === 'APPEAL_TRANSFERRED' && cur.op === e.operatorId) errors.push(`${e.id}: transfer to the same operator`);
    if (e.type === 'APPEAL_CLOSED' && cur.op && cur.op !== e.operatorId && !opts.lossy) errors.push(`${e.id}: closed by ${e.operatorId}, handled by ${cur.op}`);
    state.set(e.appealId, { s: to, op: e.type === 'APPEAL_APPOINTED' || e.type === 'APPEAL_TRANSFERRED' ? e.operatorId : to === 'new' ? undefined : cur.op });
  }
  return errors;
}
