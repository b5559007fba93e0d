import { toPairs } from '../postgres/rollups.js';
import type { Checkpoint, CheckpointCommit, RollupCell } from '../storage.js';
import type { ChClient } from './client.js';
import { sql } from './sql.js';

/** Row kinds of `commits` (migration 002). */
const CHECKPOINT = 1;
const STATE = 2;
const CELL = 3;
const DEAD_LETTER = 4;
import { COMMITS_PER_PARTITION } from './migrations/012_bounded_partitions.js';

/** Commits per partition of `commits` (migration 012): the older partitions of a checkpoint are dropped (prune). */
export { COMMITS_PER_PARTITION };

/**
 * Checkpoint commits on ClickHouse: one INSERT each, one part (see migration 002). A commit already
 * stored (its acknowledgement was lost) is not applied again; any other gap is an error, as on every
 * backend. An insert whose outcome is unknown is waited out before the error is reported, so a retry
 * reads the checkpoint as the server will keep it.
 */
export class ClickhouseCommits {
  private nextDeadLetter = 1;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly db: ChClient) {}

  async open(): Promise<void> {
    const [r] = await this.db.rows<{ id: string }>(sql`SELECT max(id) AS id FROM dead_letters`);
    this.nextDeadLetter = Number(r.id) + 1;
  }

  async load(name: string): Promise<Checkpoint | null> {
    const [cp] = await this.db.rows<{ commit_id: string; position: string; state: string }>(
      sql`SELECT commit_id, position, state FROM commits WHERE name = ${name} AND kind = ${CHECKPOINT} ORDER BY commit_id DESC LIMIT 1`,
    );
    if (!cp) return null;
    const entries = await this.db.rows<{ state_key: string; latest: string }>(
      sql`SELECT state_key, argMax(value, commit_id) AS latest, argMax(deleted, commit_id) AS gone
          FROM processor_state WHERE name = ${name} GROUP BY state_key HAVING gone = 0`,
    );
    return {
      name,
      commitId: Number(cp.commit_id),
      position: Number(cp.position),
      state: JSON.parse(cp.state),
      entries: entries.map((e) => ({ key: e.state_key, value: JSON.parse(e.latest) })),
    };
  }

  commit(c: CheckpointCommit): Promise<void> {
    const run = this.chain.then(() => this.commitNow(c));
    this.chain = run.catch(() => {});
    return run;
  }

  private async commitNow(c: CheckpointCommit): Promise<void> {
    const [stored] = await this.db.rows<{ n: string }>(sql`SELECT max(commit_id) AS n FROM commits WHERE name = ${c.name} AND kind = ${CHECKPOINT}`);
    const last = Number(stored.n);
    if (last === c.commitId) return; // applied already: only its acknowledgement was lost
    if (last !== c.commitId - 1) throw new Error(`checkpoint ${c.name}: commit ${c.commitId} does not follow the stored ${last} (another writer?)`);
    const at = Date.now();
    const base = { name: c.name, commit_id: c.commitId, committed_at: at };
    const rows: Record<string, unknown>[] = [{ ...base, kind: CHECKPOINT, position: c.position, state: c.state }];
    for (const u of c.upserts) rows.push({ ...base, kind: STATE, state_key: u.key, state: u.value, deleted: 0 });
    for (const key of c.deletes) rows.push({ ...base, kind: STATE, state_key: key, state: '', deleted: 1 });
    rows.push(...cellRows(c.rollupDeltas, base));
    for (const d of c.deadLetters) {
      rows.push({
        ...base, kind: DEAD_LETTER, dl_id: this.nextDeadLetter++, tenant: d.tenant, has_event_id: d.eventId === null ? 0 : 1, event_id: d.eventId ?? '',
        dl_seq: d.seq ?? -1, step: d.step, reason: d.reason, payload: JSON.stringify(d.payload ?? null),
      });
    }
    const queryId = `ccpulse-commit-${c.commitId}-${at}`;
    try {
      await this.db.insert('commits', rows, { queryId });
    } catch (err) {
      await this.db.waitQueryGone(queryId).catch(() => {});
      throw err;
    }
  }

  /**
   * Drops the partitions of `commits` older than the one before each checkpoint's latest: what they hold
   * lives on in the tables the views filled; the checkpoint is read from the latest partition.
   */
  async prune(): Promise<number> {
    const latest = new Map(
      (await this.db.rows<{ name: string; n: string }>(sql`SELECT name, max(commit_id) AS n FROM commits WHERE kind = ${CHECKPOINT} GROUP BY name`)).map((r) => [r.name, Number(r.n)]),
    );
    const parts = await this.db.rows<{ name: string; block: string }>(sql`SELECT DISTINCT name, intDiv(commit_id, ${COMMITS_PER_PARTITION}) AS block FROM commits`);
    let dropped = 0;
    for (const p of parts) {
      const last = latest.get(p.name);
      if (last === undefined || Number(p.block) >= Math.floor(last / COMMITS_PER_PARTITION) - 1) continue;
      await this.db.command(sql`ALTER TABLE commits DROP PARTITION (${p.name}, ${Number(p.block)})`);
      dropped++;
    }
    return dropped;
  }
}

/** Rollup deltas as rows of `commits` (kind 3): the views carry them into every resolution's rollups. */
export function cellRows(cells: readonly RollupCell[], base: { name: string; commit_id: number; committed_at: number }): Record<string, unknown>[] {
  return cells.map((cell) => {
    const k = cell.counters;
    const wait = toPairs(k.waitHist);
    const abandon = toPairs(k.abandonHist);
    const repairs = Object.entries(k.repairs).filter(([, n]) => n !== 0);
    return {
      ...base, kind: CELL, tenant: cell.tenant, bucket: cell.bucket, queue: cell.queue, channel: cell.channel, operator: cell.operator,
      offered: k.offered, aa: k.aa, ha: k.ha, missed: k.missed, wait_sum_ms: k.waitSumMs, wait_count: k.waitCount,
      handle_sum_ms: k.handleSumMs, handle_count: k.handleCount, qa_delta: k.qaDelta,
      wait_bins: wait.filter((_, i) => i % 2 === 0), wait_counts: wait.filter((_, i) => i % 2 === 1),
      abandon_bins: abandon.filter((_, i) => i % 2 === 0), abandon_counts: abandon.filter((_, i) => i % 2 === 1),
      repair_kinds: repairs.map(([kind]) => kind), repair_counts: repairs.map(([, n]) => n),
    };
  });
}
