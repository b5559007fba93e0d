import type { CcEvent, LoggedEvent } from '../../contract/event.js';
import type { Counters } from '../../metrics/counters.js';
import { addCounts } from '../../metrics/wait-histogram.js';
import type { Checkpoint, CheckpointCommit, DeadLetter, QaLevel, RollupCell, RollupQuery, Storage } from '../storage.js';
import { MIGRATIONS } from './migrations/index.js';
import type { SqlClient } from './sql-client.js';

const MS = `'epoch'::timestamptz + x.%s * interval '1 millisecond'`;
const toMs = (col: string) => `round(extract(epoch from ${col}) * 1000)::float8`;

const EVENT_COLUMNS = `seq::float8 AS seq, tenant, id, type, ${toMs('ts')} AS ts, appeal_id, channel, queue, operator_id, status, direction, campaign_id, attrs`;

/** Storage on the PostgreSQL dialect: PostgreSQL itself, and PGlite (PostgreSQL in WASM). */
export class SqlStorage implements Storage {
  constructor(
    readonly backend: string,
    private readonly db: SqlClient,
  ) {}

  /** Applies the numbered migrations not yet applied, under a lock so concurrent starts do not race. */
  async migrate(): Promise<void> {
    await this.db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    await this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(7406211)`);
      const done = new Set((await tx.query<{ version: number }>(`SELECT version FROM schema_migrations`)).map((r) => Number(r.version)));
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        await tx.exec(m.sql);
        await tx.query(`INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      }
    });
  }

  async append(events: ReadonlyArray<{ tenant: string; event: CcEvent }>): Promise<Array<number | null>> {
    if (events.length === 0) return [];
    const rows = events.map(({ tenant, event: e }) => ({
      tenant,
      id: e.id,
      type: e.type,
      ts: e.ts,
      appeal_id: e.appealId ?? null,
      channel: e.channel ?? null,
      queue: e.queue ?? null,
      operator_id: e.operatorId ?? null,
      status: e.status ?? null,
      direction: e.direction ?? null,
      campaign_id: e.campaignId ?? null,
      attrs: e.attrs ?? null,
    }));
    const inserted = await this.db.query<{ seq: number; tenant: string; id: string }>(
      `INSERT INTO events (tenant, id, type, ts, appeal_id, channel, queue, operator_id, status, direction, campaign_id, attrs)
       SELECT x.tenant, x.id, x.type, ${MS.replace('%s', 'ts')}, x.appeal_id, x.channel, x.queue, x.operator_id, x.status, x.direction, x.campaign_id, x.attrs
       FROM json_to_recordset($1::text::json) AS x(tenant text, id text, type text, ts bigint, appeal_id text, channel text, queue text,
            operator_id text, status text, direction text, campaign_id text, attrs jsonb)
       ON CONFLICT (tenant, id) DO NOTHING
       RETURNING seq::float8 AS seq, tenant, id`,
      [JSON.stringify(rows)],
    );
    const seqOf = new Map(inserted.map((r) => [`${r.tenant}\u0000${r.id}`, Number(r.seq)]));
    return events.map(({ tenant, event }) => seqOf.get(`${tenant}\u0000${event.id}`) ?? null);
  }

  async readLog(afterSeq: number, limit: number): Promise<LoggedEvent[]> {
    const rows = await this.db.query(`SELECT ${EVENT_COLUMNS} FROM events WHERE seq > $1 ORDER BY seq LIMIT $2`, [afterSeq, limit]);
    return rows.map(toLoggedEvent);
  }

  async readEventsByTime(tenant: string, from: number, to: number): Promise<LoggedEvent[]> {
    const rows = await this.db.query(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE tenant = $1 AND ts >= $2::timestamptz AND ts < $3::timestamptz ORDER BY seq`,
      [tenant, iso(from), iso(to)],
    );
    return rows.map(toLoggedEvent);
  }

  async readAppealEvents(tenant: string, appealIds: string[], maxSeq: number): Promise<LoggedEvent[]> {
    if (appealIds.length === 0) return [];
    const rows = await this.db.query(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE tenant = $1 AND appeal_id = ANY($2::text[]) AND seq <= $3 ORDER BY seq`,
      [tenant, appealIds, maxSeq],
    );
    return rows.map(toLoggedEvent);
  }

  async loadCheckpoint(name: string): Promise<Checkpoint | null> {
    // json comes back as text and is parsed here: drivers differ in whether they parse json themselves
    const [row] = await this.db.query<{ position: number; state: string; commit_id: number }>(
      `SELECT position::float8 AS position, state::text AS state, commit_id::float8 AS commit_id FROM checkpoints WHERE name = $1`,
      [name],
    );
    if (!row) return null;
    const entries = await this.db.query<{ key: string; value: string }>(
      `SELECT key, value::text AS value FROM processor_state WHERE name = $1`,
      [name],
    );
    return {
      name,
      commitId: Number(row.commit_id),
      position: Number(row.position),
      state: JSON.parse(row.state),
      entries: entries.map((e) => ({ key: e.key, value: JSON.parse(e.value) })),
    };
  }

  async commitCheckpoint(c: CheckpointCommit): Promise<void> {
    await this.db.transaction(async (tx) => {
      const [stored] = await tx.query<{ commit_id: number }>(`SELECT commit_id::float8 AS commit_id FROM checkpoints WHERE name = $1 FOR UPDATE`, [c.name]);
      const last = stored ? Number(stored.commit_id) : 0;
      if (last === c.commitId) return; // applied already: only its acknowledgement was lost
      if (last !== c.commitId - 1) throw new Error(`checkpoint ${c.name}: commit ${c.commitId} does not follow the stored ${last} (another writer?)`);
      if (c.rollupDeltas.length) await upsertRollupDeltas(tx, c.rollupDeltas);
      if (c.deadLetters.length) {
        await tx.query(
          `INSERT INTO dead_letters (tenant, event_id, seq, step, reason, payload)
           SELECT tenant, event_id, seq, step, reason, payload FROM json_to_recordset($1::text::json)
             AS x(tenant text, event_id text, seq bigint, step text, reason text, payload jsonb)`,
          [JSON.stringify(c.deadLetters.map((d) => ({ tenant: d.tenant, event_id: d.eventId, seq: d.seq, step: d.step, reason: d.reason, payload: d.payload })))],
        );
      }
      if (c.deletes.length) {
        await tx.query(`DELETE FROM processor_state WHERE name = $1 AND key = ANY($2::text[])`, [c.name, c.deletes]);
      }
      if (c.upserts.length) {
        await tx.query(
          `INSERT INTO processor_state (name, key, value)
           SELECT $1, x.key, x.value FROM json_to_recordset($2::text::json) AS x(key text, value json)
           ON CONFLICT (name, key) DO UPDATE SET value = excluded.value`,
          [c.name, `[${c.upserts.map((u) => `{"key":${JSON.stringify(u.key)},"value":${u.value}}`).join(',')}]`],
        );
      }
      await tx.query(
        `INSERT INTO checkpoints (name, position, state, commit_id, updated_at) VALUES ($1, $2, $3::text::json, $4, now())
         ON CONFLICT (name) DO UPDATE SET position = excluded.position, state = excluded.state, commit_id = excluded.commit_id, updated_at = excluded.updated_at`,
        [c.name, c.position, c.state, c.commitId],
      );
    });
  }

  async queryRollups(q: RollupQuery): Promise<RollupCell[]> {
    const params: unknown[] = [iso(q.from), iso(q.to)];
    let where = `bucket >= $1::timestamptz AND bucket < $2::timestamptz AND operator ${q.level === 'queue' ? "= ''" : "<> ''"}`;
    for (const [col, v] of [['tenant', q.tenant], ['queue', q.queue], ['channel', q.channel], ['operator', q.operator]] as const) {
      if (v === undefined) continue;
      params.push(v);
      where += ` AND ${col} = $${params.length}`;
    }
    const rows = await this.db.query<Record<string, unknown>>(
      `SELECT tenant, queue, channel, operator, ${toMs('bucket')} AS bucket, offered, aa, ha, missed,
              wait_sum_ms::float8 AS wait_sum_ms, wait_count, handle_sum_ms::float8 AS handle_sum_ms, handle_count, qa_delta,
              wait_hist, abandon_hist, repairs
       FROM rollups WHERE ${where} ORDER BY bucket`,
      params,
    );
    return rows.map((r) => ({
      tenant: r.tenant as string,
      queue: r.queue as string,
      channel: r.channel as string,
      operator: r.operator as string,
      bucket: Number(r.bucket),
      counters: {
        offered: Number(r.offered),
        aa: Number(r.aa),
        ha: Number(r.ha),
        missed: Number(r.missed),
        waitSumMs: Number(r.wait_sum_ms),
        waitCount: Number(r.wait_count),
        handleSumMs: Number(r.handle_sum_ms),
        handleCount: Number(r.handle_count),
        qaDelta: Number(r.qa_delta),
        waitHist: json(r.wait_hist),
        abandonHist: json(r.abandon_hist),
        repairs: json(r.repairs),
      },
    }));
  }

  async qaLevels(q: { tenant: string; at: number; queue?: string; channel?: string }): Promise<QaLevel[]> {
    const params: unknown[] = [q.tenant, iso(q.at)];
    let where = `tenant = $1 AND bucket < $2::timestamptz AND operator = ''`;
    for (const [col, v] of [['queue', q.queue], ['channel', q.channel]] as const) {
      if (v === undefined) continue;
      params.push(v);
      where += ` AND ${col} = $${params.length}`;
    }
    const rows = await this.db.query<{ queue: string; channel: string; qa: number }>(
      `SELECT queue, channel, sum(qa_delta)::float8 AS qa FROM rollups WHERE ${where} GROUP BY queue, channel`,
      params,
    );
    return rows.map((r) => ({ queue: r.queue, channel: r.channel, qa: Number(r.qa) }));
  }

  async listDeadLetters(q: { tenant?: string; limit: number; afterId?: number; notReplayed?: boolean }): Promise<DeadLetter[]> {
    const rows = await this.db.query(
      `SELECT ${DLQ_COLUMNS} FROM dead_letters
       WHERE ($1::text IS NULL OR tenant = $1) AND id > $2 AND (NOT $4::boolean OR replayed_at IS NULL) ORDER BY id LIMIT $3`,
      [q.tenant ?? null, q.afterId ?? 0, q.limit, q.notReplayed ?? false],
    );
    return rows.map(toDeadLetter);
  }

  async getDeadLetter(id: number): Promise<DeadLetter | null> {
    const [row] = await this.db.query(`SELECT ${DLQ_COLUMNS} FROM dead_letters WHERE id = $1`, [id]);
    return row ? toDeadLetter(row) : null;
  }

  async deadLetteredSeqs(seqs: number[]): Promise<number[]> {
    if (seqs.length === 0) return [];
    const rows = await this.db.query<{ seq: number }>(`SELECT DISTINCT seq::float8 AS seq FROM dead_letters WHERE seq = ANY($1::bigint[])`, [seqs]);
    return rows.map((r) => Number(r.seq));
  }

  async markDeadLettersReplayed(ids: number[]): Promise<void> {
    if (ids.length) await this.db.query(`UPDATE dead_letters SET replayed_at = now() WHERE id = ANY($1::bigint[])`, [ids]);
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

const DLQ_COLUMNS = `id::float8 AS id, tenant, event_id, seq::float8 AS seq, step, reason, payload, ${toMs('created_at')} AS created_at, ${toMs('replayed_at')} AS replayed_at`;

/**
 * Adds deltas to rollup cells. Counts are added in SQL; the sparse count maps (histograms, repairs) are
 * merged here, after reading the current ones under a row lock: merging JSON in SQL costs ~10× more.
 */
async function upsertRollupDeltas(tx: SqlClient, cells: RollupCell[]): Promise<void> {
  const keyOf = (c: { tenant: string; queue: string; channel: string; operator: string; bucket: number }) =>
    `${c.tenant}\u0001${c.queue}\u0001${c.channel}\u0001${c.operator}\u0001${c.bucket}`;
  const current = await tx.query<{ tenant: string; queue: string; channel: string; operator: string; bucket: number; wait_hist: unknown; abandon_hist: unknown; repairs: unknown }>(
    `SELECT r.tenant, r.queue, r.channel, r.operator, ${toMs('r.bucket')} AS bucket, r.wait_hist, r.abandon_hist, r.repairs
     FROM rollups r
     JOIN json_to_recordset($1::text::json) AS k(tenant text, bucket bigint, queue text, channel text, operator text)
       ON r.tenant = k.tenant AND r.bucket = 'epoch'::timestamptz + k.bucket * interval '1 millisecond'
      AND r.queue = k.queue AND r.channel = k.channel AND r.operator = k.operator
     FOR UPDATE OF r`,
    [JSON.stringify(cells.map(({ tenant, queue, channel, operator, bucket }) => ({ tenant, queue, channel, operator, bucket })))],
  );
  const maps = new Map(current.map((r) => [keyOf({ ...r, bucket: Number(r.bucket) }), r]));
  const merged = (now: unknown, delta: Record<string, number>) => {
    const into = { ...json(now) };
    addCounts(into, delta);
    return into;
  };
  const rows = cells.map((cell) => {
    const { tenant, queue, channel, operator, bucket, counters: c } = cell;
    const was = maps.get(keyOf(cell));
    return {
      tenant, queue, channel, operator, bucket,
      offered: c.offered, aa: c.aa, ha: c.ha, missed: c.missed,
      wait_sum_ms: c.waitSumMs, wait_count: c.waitCount, handle_sum_ms: c.handleSumMs, handle_count: c.handleCount, qa_delta: c.qaDelta,
      wait_hist: merged(was?.wait_hist, c.waitHist),
      abandon_hist: merged(was?.abandon_hist, c.abandonHist),
      repairs: merged(was?.repairs, c.repairs),
    };
  });
  const add = (col: string) => `${col} = r.${col} + excluded.${col}`;
  const set = (col: string) => `${col} = excluded.${col}`;
  await tx.query(
    `INSERT INTO rollups AS r (tenant, bucket, queue, channel, operator, offered, aa, ha, missed, wait_sum_ms, wait_count,
                               handle_sum_ms, handle_count, qa_delta, wait_hist, abandon_hist, repairs)
     SELECT x.tenant, ${MS.replace('%s', 'bucket')}, x.queue, x.channel, x.operator, x.offered, x.aa, x.ha, x.missed,
            x.wait_sum_ms, x.wait_count, x.handle_sum_ms, x.handle_count, x.qa_delta, x.wait_hist, x.abandon_hist, x.repairs
     FROM json_to_recordset($1::text::json) AS x(tenant text, bucket bigint, queue text, channel text, operator text, offered int, aa int,
          ha int, missed int, wait_sum_ms bigint, wait_count int, handle_sum_ms bigint, handle_count int, qa_delta int,
          wait_hist jsonb, abandon_hist jsonb, repairs jsonb)
     ON CONFLICT (tenant, bucket, queue, channel, operator) DO UPDATE SET
       ${['offered', 'aa', 'ha', 'missed', 'wait_sum_ms', 'wait_count', 'handle_sum_ms', 'handle_count', 'qa_delta'].map(add).join(', ')},
       ${['wait_hist', 'abandon_hist', 'repairs'].map(set).join(', ')}`,
    [JSON.stringify(rows)],
  );
}

const iso = (ms: number) => new Date(ms).toISOString();
const json = (v: unknown): Record<string, number> => (typeof v === 'string' ? JSON.parse(v) : (v as Record<string, number>) ?? {});

function toLoggedEvent(r: Record<string, unknown>): LoggedEvent {
  const e: LoggedEvent = { seq: Number(r.seq), tenant: r.tenant as string, id: r.id as string, type: r.type as LoggedEvent['type'], ts: Number(r.ts) };
  if (r.appeal_id != null) e.appealId = r.appeal_id as string;
  if (r.channel != null) e.channel = r.channel as string;
  if (r.queue != null) e.queue = r.queue as string;
  if (r.operator_id != null) e.operatorId = r.operator_id as string;
  if (r.status != null) e.status = r.status as LoggedEvent['status'];
  if (r.direction != null) e.direction = r.direction as LoggedEvent['direction'];
  if (r.campaign_id != null) e.campaignId = r.campaign_id as string;
  if (r.attrs != null) e.attrs = (typeof r.attrs === 'string' ? JSON.parse(r.attrs) : r.attrs) as Record<string, unknown>;
  return e;
}

function toDeadLetter(r: Record<string, unknown>): DeadLetter {
  return {
    id: Number(r.id),
    tenant: r.tenant as string,
    eventId: (r.event_id as string | null) ?? null,
    seq: r.seq == null ? null : Number(r.seq),
    step: r.step as string,
    reason: r.reason as string,
    payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload,
    createdAt: Number(r.created_at),
    replayedAt: r.replayed_at == null ? null : Number(r.replayed_at),
  };
}

export type { Counters };
