import type { ArchivedDay, Campaign, DeadLetter, RollupCell, StoredRecommendation } from '../storage.js';
import { listApiKeys } from '../postgres/api-keys.js';
import { KEY_TS_OF_ROW } from '../postgres/migrations/011_event_key_time.js';
import { RECOMMENDATION_COLUMNS, toStored } from '../postgres/recommendations.js';
import { listSettings, putSettings } from '../postgres/settings.js';
import * as notify from '../postgres/notify.js';
import { CELL_RECORD, cellRow, coarsen, readMinuteCells, toMs } from '../postgres/rollups.js';
import { DLQ_COLUMNS, toDeadLetter } from '../postgres/sql-storage.js';
import type { SqlClient } from '../postgres/sql-client.js';
import type { CheckpointRow, EventRow, LogicalStore, StateRow, TransitionRow } from './logical.js';

type Query = Pick<SqlClient, 'query'>;
const DAY = 86_400_000;
const ts = (ms: string) => `'epoch'::timestamptz + ${ms} * interval '1 millisecond'`;

/**
 * A store of the PostgreSQL dialect (PostgreSQL, the embedded store's two databases) as the logical copy
 * sees it. Every write is one statement (the embedded store's databases are reached over a port that
 * runs no transactions): a day of rollup cells goes into the minute, hour and day tables and the QA
 * totals at once, through data-modifying WITH clauses.
 */
export function sqlLogicalStore(name: string, log: Query, store: Query): LogicalStore {
  const one = async (db: Query, text: string, params: unknown[] = []) => Number((await db.query<{ n: string | number | null }>(text, params))[0]?.n ?? 0);
  return {
    name,
    async readMark() {
      await store.query(`CREATE TABLE IF NOT EXISTS ccpulse_migration (id int PRIMARY KEY, source text NOT NULL, started_at timestamptz NOT NULL DEFAULT now(), finished_at timestamptz)`);
      const [m] = await store.query<{ source: string; finished_at: unknown }>(`SELECT source, finished_at FROM ccpulse_migration WHERE id = 1`);
      return m ? { source: m.source, finished: m.finished_at !== null } : null;
    },
    async writeMark(source, finished) {
      await store.query(
        `INSERT INTO ccpulse_migration (id, source, finished_at) VALUES (1, $1, CASE WHEN $2::boolean THEN now() END)
         ON CONFLICT (id) DO UPDATE SET finished_at = excluded.finished_at`,
        [source, finished],
      );
    },
    async holdsData() {
      return (await one(log, `SELECT count(*) AS n FROM (SELECT 1 FROM events LIMIT 1) x`)) + (await one(store, `SELECT count(*) AS n FROM checkpoints`)) > 0;
    },

    events: {
      count: () => one(log, `SELECT count(*)::bigint AS n FROM events`),
      lastKey: async () => (await one(log, `SELECT max(seq)::float8 AS n FROM events`)) || null,
      async page(after, limit) {
        const rows = await log.query<Record<string, unknown>>(
          `SELECT seq::float8 AS seq, ${toMs('received_at')} AS arrived, tenant, id, type, ${toMs('ts')} AS ts, ${toMs(KEY_TS_OF_ROW)} AS key_ts,
                  appeal_id, channel, queue, operator_id, status, direction, campaign_id, attrs::text AS attrs
           FROM events WHERE seq > $1 ORDER BY seq LIMIT $2`,
          [after ?? 0, limit],
        );
        return rows.map((r) => {
          const row: EventRow = {
            seq: Number(r.seq), arrived: Number(r.arrived), tenant: r.tenant as string, id: r.id as string, type: r.type as string, ts: Number(r.ts), keyTs: Number(r.key_ts),
            appealId: (r.appeal_id as string | null) ?? null, channel: (r.channel as string | null) ?? null, queue: (r.queue as string | null) ?? null,
            operatorId: (r.operator_id as string | null) ?? null, status: (r.status as string | null) ?? null, direction: (r.direction as string | null) ?? null,
            campaignId: (r.campaign_id as string | null) ?? null, attrs: (r.attrs as string | null) ?? null,
          };
          return { key: row.seq, row };
        });
      },
      async write(rows) {
        await log.query(
          `INSERT INTO events (seq, received_at, tenant, id, type, ts, key_ts, appeal_id, channel, queue, operator_id, status, direction, campaign_id, attrs)
           SELECT x.seq, ${ts('x.arrived')}, x.tenant, x.id, x.type, ${ts('x.ts')}, ${ts('x.key_ts')}, x.appeal_id, x.channel, x.queue, x.operator_id,
                  x.status, x.direction, x.campaign_id, x.attrs::jsonb
           FROM json_to_recordset($1::text::json) AS x(seq bigint, arrived bigint, tenant text, id text, type text, ts bigint, key_ts bigint, appeal_id text,
                channel text, queue text, operator_id text, status text, direction text, campaign_id text, attrs text)`,
          [JSON.stringify(rows.map((e) => ({ ...e, key_ts: e.keyTs, appeal_id: e.appealId, operator_id: e.operatorId, campaign_id: e.campaignId })))],
        );
      },
    },

    cells: {
      count: () => one(store, `SELECT count(*)::bigint AS n FROM rollups`),
      lastKey: async () => {
        const last = await store.query<{ n: number | null }>(`SELECT ${toMs('max(bucket)')} AS n FROM rollups`);
        return last[0]?.n == null ? null : Math.floor(Number(last[0].n) / DAY);
      },
      async page(after, limit) {
        const [next] =
          after === null
            ? await store.query<{ n: number | null }>(`SELECT ${toMs('min(bucket)')} AS n FROM rollups`)
            : await store.query<{ n: number | null }>(`SELECT ${toMs('min(bucket)')} AS n FROM rollups WHERE bucket >= ${ts('$1::float8')}`, [(after + 1) * DAY]);
        if (next?.n == null) return [];
        const from = Math.floor(Number(next.n) / DAY) * DAY;
        const to = from + limit * DAY;
        const cells = [...(await readMinuteCells(store as SqlClient, { from, to, level: 'queue' })), ...(await readMinuteCells(store as SqlClient, { from, to, level: 'operator' }))];
        return cells.map((row) => ({ key: Math.floor(row.bucket / DAY), row }));
      },
      async write(cells) {
        if (cells.length === 0) return;
        const qa = new Map<string, { tenant: string; queue: string; channel: string; qa: number }>();
        for (const c of cells) {
          if (c.operator !== '' || !c.counters.qaDelta) continue;
          const key = JSON.stringify([c.tenant, c.queue, c.channel]);
          const t = qa.get(key) ?? { tenant: c.tenant, queue: c.queue, channel: c.channel, qa: 0 };
          t.qa += c.counters.qaDelta;
          qa.set(key, t);
        }
        const insert = (table: string, param: string) =>
          `INSERT INTO ${table} (tenant, bucket, queue, channel, operator, offered, aa, ha, missed, wait_sum_ms, wait_count, handle_sum_ms, handle_count, qa_delta, wait_hist, abandon_hist, repairs)
           SELECT tenant, ${ts('bucket')}, queue, channel, operator, offered, aa, ha, missed, wait_sum_ms, wait_count, handle_sum_ms, handle_count, qa_delta, wait_hist, abandon_hist, repairs
           FROM json_to_recordset(${param}::text::json) AS x(${CELL_RECORD})`;
        // one statement: a day of cells (whole UTC days, so its hours and its day are its own) and its QA
        await store.query(
          `WITH m AS (${insert('rollups', '$1')}), h AS (${insert('rollups_hour', '$2')}), d AS (${insert('rollups_day', '$3')}),
                q AS (INSERT INTO qa_totals AS t (tenant, queue, channel, qa)
                      SELECT x.tenant, x.queue, x.channel, x.qa FROM json_to_recordset($4::text::json) AS x(tenant text, queue text, channel text, qa bigint)
                      ON CONFLICT (tenant, queue, channel) DO UPDATE SET qa = t.qa + excluded.qa)
           SELECT 1`,
          [
            JSON.stringify(cells.map(cellRow)),
            JSON.stringify(coarsen(cells, 'hour').map(cellRow)),
            JSON.stringify(coarsen(cells, 'day').map(cellRow)),
            JSON.stringify([...qa.values()].filter((t) => t.qa !== 0)),
          ],
        );
      },
    },

    deadLetters: {
      count: () => one(store, `SELECT count(*)::bigint AS n FROM dead_letters`),
      lastKey: async () => (await one(store, `SELECT max(id)::float8 AS n FROM dead_letters`)) || null,
      async page(after, limit) {
        const rows = await store.query<Record<string, unknown>>(`SELECT ${DLQ_COLUMNS} FROM dead_letters WHERE id > $1 ORDER BY id LIMIT $2`, [after ?? 0, limit]);
        return rows.map((r) => ({ key: Number(r.id), row: toDeadLetter(r) }));
      },
      async write(rows: DeadLetter[]) {
        await store.query(
          `INSERT INTO dead_letters (id, tenant, event_id, seq, step, reason, payload, created_at, replayed_at)
           SELECT x.id, x.tenant, x.event_id, x.seq, x.step, x.reason, x.payload, ${ts('x.created_at')}, ${ts('x.replayed_at')}
           FROM json_to_recordset($1::text::json) AS x(id bigint, tenant text, event_id text, seq bigint, step text, reason text, payload jsonb, created_at bigint, replayed_at bigint)`,
          [JSON.stringify(rows.map((d) => ({ id: d.id, tenant: d.tenant, event_id: d.eventId, seq: d.seq, step: d.step, reason: d.reason, payload: d.payload ?? null, created_at: d.createdAt, replayed_at: d.replayedAt ?? null })))],
        );
      },
    },

    recommendations: {
      count: () => one(store, `SELECT count(*)::bigint AS n FROM recommendations`),
      lastKey: async () => (await one(store, `SELECT max(num)::float8 AS n FROM recommendations`)) || null,
      async page(after, limit) {
        const rows = await store.query<Record<string, unknown>>(`SELECT ${RECOMMENDATION_COLUMNS} FROM recommendations WHERE num > $1 ORDER BY num LIMIT $2`, [after ?? 0, limit]);
        return rows.map((r) => ({ key: Number(r.num), row: toStored(r) }));
      },
      async write(items: StoredRecommendation[]) {
        await store.query(
          `INSERT INTO recommendations (num, tenant, key, kind, state, severity, reason, data, opened_at, updated_at, acknowledged_at, acknowledged_by, resolved_at)
           SELECT num, tenant, key, kind, state, severity, reason, data, ${ts('opened_at')}, ${ts('updated_at')}, ${ts('acknowledged_at')}, acknowledged_by, ${ts('resolved_at')}
           FROM json_to_recordset($1::text::json) AS x(num bigint, tenant text, key text, kind text, state text, severity text, reason text, data jsonb,
             opened_at bigint, updated_at bigint, acknowledged_at bigint, acknowledged_by text, resolved_at bigint)`,
          [JSON.stringify(items.map((i) => ({ ...i, opened_at: i.openedAt, updated_at: i.updatedAt, acknowledged_at: i.acknowledgedAt ?? null, acknowledged_by: i.acknowledgedBy ?? null, resolved_at: i.resolvedAt ?? null })))],
        );
      },
    },

    transitions: {
      async all() {
        const rows = await store.query<Record<string, unknown>>(`SELECT tenant, num::float8 AS num, from_state, to_state, ${toMs('at')} AS at FROM recommendation_transitions ORDER BY num, at`);
        return rows.map((r): TransitionRow => ({ tenant: r.tenant as string, num: Number(r.num), from: (r.from_state as string | null) ?? null, to: r.to_state as string, at: Number(r.at) }));
      },
      async write(rows) {
        await store.query(
          `INSERT INTO recommendation_transitions (tenant, num, from_state, to_state, at)
           SELECT tenant, num, from_state, to_state, ${ts('at')} FROM json_to_recordset($1::text::json) AS x(tenant text, num bigint, from_state text, to_state text, at bigint)`,
          [JSON.stringify(rows.map((t) => ({ tenant: t.tenant, num: t.num, from_state: t.from, to_state: t.to, at: t.at })))],
        );
      },
    },

    campaigns: {
      async all() {
        const rows = await store.query<Record<string, unknown>>(
          `SELECT tenant, id, queue, list_size, ${toMs('deadline')} AS deadline, drop_cap_pct::float8 AS drop_cap_pct, answer_rate::float8 AS answer_rate, ${toMs('registered_at')} AS registered_at
           FROM campaigns ORDER BY tenant, id`,
        );
        return rows.map((r) => {
          const c: Campaign = { tenant: r.tenant as string, id: r.id as string, listSize: Number(r.list_size), deadline: Number(r.deadline), dropCapPct: Math.round(Number(r.drop_cap_pct) * 1000) / 1000, registeredAt: Number(r.registered_at) };
          if (r.queue != null) c.queue = r.queue as string;
          if (r.answer_rate != null) c.answerRate = Math.round(Number(r.answer_rate) * 1e6) / 1e6;
          return c;
        });
      },
      async write(rows) {
        await store.query(
          `INSERT INTO campaigns (tenant, id, queue, list_size, deadline, drop_cap_pct, answer_rate, registered_at)
           SELECT tenant, id, queue, list_size, ${ts('deadline')}, drop_cap_pct, answer_rate, ${ts('registered_at')}
           FROM json_to_recordset($1::text::json) AS x(tenant text, id text, queue text, list_size bigint, deadline bigint, drop_cap_pct float8, answer_rate float8, registered_at bigint)`,
          [JSON.stringify(rows.map((c) => ({ tenant: c.tenant, id: c.id, queue: c.queue ?? null, list_size: c.listSize, deadline: c.deadline, drop_cap_pct: c.dropCapPct, answer_rate: c.answerRate ?? null, registered_at: c.registeredAt })))],
        );
      },
    },

    destinations: {
      all: () => notify.listDestinations(store),
      write: (rows) => notify.insertDestinations(store, rows),
    },

    deliveries: {
      all: () => notify.allDeliveries(store),
      write: (rows) => notify.insertDeliveries(store, rows),
    },

    settings: {
      all: () => listSettings(store),
      async write(rows) {
        for (const r of rows) if (!(await putSettings(store, r, r.version - 1))) throw new Error(`tenant_settings: ${r.tenant} already holds settings`);
      },
    },

    apiKeys: {
      all: () => listApiKeys(store),
      async write(rows) {
        // one statement: a run cut short leaves all of them or none
        await store.query(
          `INSERT INTO api_keys (id, tenant, role, name, hash, last4, created_at, revoked_at)
           SELECT id, tenant, role, name, hash, last4, ${ts('created_at')}, CASE WHEN revoked_at IS NULL THEN NULL ELSE ${ts('revoked_at')} END
           FROM json_to_recordset($1::text::json) AS x(id text, tenant text, role text, name text, hash text, last4 text, created_at bigint, revoked_at bigint)`,
          [JSON.stringify(rows.map((k) => ({ id: k.id, tenant: k.tenant, role: k.role, name: k.name, hash: k.hash, last4: k.last4, created_at: k.createdAt, revoked_at: k.revokedAt })))],
        );
      },
    },

    state: {
      async all() {
        return store.query<StateRow>(`SELECT name, key, value::text AS value FROM processor_state ORDER BY name, key`);
      },
      async write(rows) {
        await store.query(
          `INSERT INTO processor_state (name, key, value) SELECT name, key, value::json FROM json_to_recordset($1::text::json) AS x(name text, key text, value text)`,
          [JSON.stringify(rows)],
        );
      },
    },

    checkpoints: {
      async all() {
        const rows = await store.query<Record<string, unknown>>(`SELECT name, commit_id::float8 AS commit_id, position::float8 AS position, state::text AS state FROM checkpoints ORDER BY name`);
        return rows.map((r): CheckpointRow => ({ name: r.name as string, commitId: Number(r.commit_id), position: Number(r.position), state: r.state as string }));
      },
      async write(rows) {
        await store.query(
          `INSERT INTO checkpoints (name, position, state, commit_id) SELECT name, position, state::json, commit_id
           FROM json_to_recordset($1::text::json) AS x(name text, position bigint, state text, commit_id bigint)`,
          [JSON.stringify(rows.map((c) => ({ name: c.name, position: c.position, state: c.state, commit_id: c.commitId })))],
        );
      },
    },

    archivedDays: {
      async all() {
        const rows = await log.query<Record<string, unknown>>(
          `SELECT day::text AS day, part, file, events::float8 AS events, sha256, min_seq::float8 AS min_seq, max_seq::float8 AS max_seq, tenants::text AS tenants, ${toMs('archived_at')} AS archived_at
           FROM archived_days ORDER BY day, part`,
        );
        return rows.map((r): ArchivedDay => ({
          day: Date.parse(`${String(r.day).slice(0, 10)}T00:00:00Z`), part: Number(r.part), file: r.file as string, events: Number(r.events), sha256: r.sha256 as string,
          minSeq: Number(r.min_seq), maxSeq: Number(r.max_seq), tenants: JSON.parse(r.tenants as string) as ArchivedDay['tenants'], archivedAt: Number(r.archived_at),
        }));
      },
      async write(rows) {
        await log.query(
          `INSERT INTO archived_days (day, part, file, events, sha256, min_seq, max_seq, tenants, archived_at)
           SELECT ((${ts('x.day')}) AT TIME ZONE 'UTC')::date, x.part, x.file, x.events, x.sha256, x.min_seq, x.max_seq, x.tenants::jsonb, ${ts('x.archived_at')}
           FROM json_to_recordset($1::text::json) AS x(day bigint, part int, file text, events bigint, sha256 text, min_seq bigint, max_seq bigint, tenants text, archived_at bigint)`,
          [JSON.stringify(rows.map((a) => ({ day: a.day, part: a.part, file: a.file, events: a.events, sha256: a.sha256, min_seq: a.minSeq, max_seq: a.maxSeq, tenants: JSON.stringify(a.tenants), archived_at: a.archivedAt })))],
        );
      },
    },

    async heldDays() {
      const rows = await log.query<{ name: string }>(`SELECT relname AS name FROM pg_class WHERE relname LIKE 'archiving\\_events\\_%' AND relkind = 'r' ORDER BY relname`);
      return rows.map((r) => r.name);
    },

    async finish() {
      // the log's positions and the dead letters' numbers carry on after the copied ones
      for (const [db, table, col] of [[log, 'events', 'seq'], [store, 'dead_letters', 'id']] as const) {
        await db.query(`SELECT setval(pg_get_serial_sequence($1, $2), greatest((SELECT max(${col}) FROM ${table}), 1), (SELECT count(*) > 0 FROM ${table}))`, [table, col]);
      }
    },
  };
}
