import type { LoggedEvent } from '../contract/event.js';
import type { Storage } from '../storage/storage.js';
import type { StreamProcessor } from './processor.js';

/** What reconciling needs of the log: an appeal's events, and which positions were dead-lettered. */
export type AppealLogReader = Pick<Storage, 'readAppealEvents' | 'deadLetteredSeqs'>;

/**
 * One pass of the reconciliation of late events: the appeals they belong to are read back from the log
 * and the processor folds each late event into its appeal's whole story. Must run before anything else
 * is applied, so that the log up to the processor's position is exactly what the stream has applied.
 *
 * @param uncommittedDead positions of dead letters on their way to storage (taken from the processor by
 *   a checkpoint not yet committed). Together with the processor's own and storage's, gathered before
 *   storage is read, no dead letter is missed whichever way a commit races the read.
 */
export async function reconcileLateEvents(p: StreamProcessor, log: AppealLogReader, uncommittedDead: readonly number[]): Promise<void> {
  const byTenant = new Map<string, string[]>();
  for (const { tenant, appealId } of p.lateAppeals()) {
    const ids = byTenant.get(tenant);
    if (ids) ids.push(appealId);
    else byTenant.set(tenant, [appealId]);
  }
  const dead = new Set([...p.pendingDeadLetterSeqs(), ...uncommittedDead]);
  for (const [tenant, appealIds] of byTenant) {
    const logged = await log.readAppealEvents(tenant, appealIds, p.position);
    for (const seq of await log.deadLetteredSeqs(logged.map((e) => e.seq))) dead.add(seq);
    const byAppeal = new Map<string, LoggedEvent[]>(appealIds.map((id) => [id, []]));
    for (const e of logged) byAppeal.get(e.appealId!)?.push(e);
    for (const [appealId, events] of byAppeal) p.reconcile(tenant, appealId, events, dead);
  }
}
