import type { Campaign, DeadLetter, RollupCell, StoredRecommendation } from '../storage.js';
import type { CheckpointRow, EventRow, LogicalStore, StateRow, TransitionRow } from '../migrate/logical.js';
import { cellRows, COMMITS_PER_PARTITION } from './commits.js';
import type { ChClient } from './client.js';
import { readMinuteCells } from './history.js';
import { ClickhouseArchiveDays } from './archive-days.js';
import { sql } from './sql.js';
import { listSettings } from './settings.js';
import { firstVersionRow, listApiKeys } from './api-keys.js';
import { ClickhouseNotify } from './notify.js';

const DAY = 86_400_000;
/** A tail read scans this many positions at a time (see log.ts). */
const WINDOW = 50_000;
/** The name migrated rollup cells are committed under in `commits` (their partitions are dropped at the end: the views hold them). */
const MIGRATE = '__migrate';

/**
 * A ClickHouse store as the logical copy sees it (migrate/logical.ts). Every write is one INSERT of one
 * partition, so a target holds a write whole or not at all: a page of the log split where its arrival
 * day changes, a day of rollup cells committed like a checkpoint's (the views fill the hour and day
 * rollups, QA totals and repairs from them).
 */
export function clickhouseLogicalStore(name: string, db: ChClient): LogicalStore {
  const one = async (q: ReturnType<typeof sql>) => Number((await db.rows<{ n: string | null }>(q))[0]?.n ?? 0);
  const notify = new ClickhouseNotify(db);
  return {
    name,
    async readMark() {
      await db.command(`CREATE TABLE IF NOT EXISTS ccpulse_migration (source String, finished UInt8, at Int64) ENGINE = ReplacingMergeTree(at) ORDER BY source`);
      const [m] = await db.rows<{ source: string; done: number }>(sql`SELECT argMax(source, at) AS source, argMax(finished, at) AS done FROM ccpulse_migration HAVING count() > 0`);
      return m ? { source: m.source, finished: Number(m.done) === 1 } : null;
    },
    async writeMark(source, finished) {
      await db.insert('ccpulse_migration', [{ source, finished: finished ? 1 : 0, at: Date.now() }]);
    },
    async holdsData() {
      return (await one(sql`SELECT count() AS n FROM events`)) + (await one(sql`SELECT count() AS n FROM commits WHERE kind = 1`)) > 0;
    },

    events: {
      count: () => one(sql`SELECT count() AS n FROM events`),
      lastKey: async () => (await one(sql`SELECT max(seq) AS n FROM events`)) || null,
      async page(after, limit) {
        const last = await one(sql`SELECT max(seq) AS n FROM events`);
        const out: Array<{ key: number; row: EventRow }> = [];
        for (let from = after ?? 0; out.length < limit && from < last; from += WINDOW) {
          const rows = await db.rows<Record<string, unknown>>(
            sql`SELECT * FROM events WHERE seq > ${from} AND seq <= ${from + WINDOW} ORDER BY seq LIMIT ${limit - out.length}`,
          );
          for (const r of rows) {
            const row: EventRow = {
              seq: Number(r.seq), arrived: Number(r.arrived), tenant: r.tenant as string, id: r.id as string, type: r.type as string, ts: Number(r.ts), keyTs: Number(r.key_ts),
              appealId: (r.appeal_id as string | null) ?? null, channel: (r.channel as string | null) ?? null, queue: (r.queue as string | null) ?? null,
              operatorId: (r.operator_id as string | null) ?? null, status: (r.status as string | null) ?? null, direction: (r.direction as string | null) ?? null,
              campaignId: (r.campaign_id as string | null) ?? null, attrs: (r.attrs as string | null) ?? null,
            };
            out.push({ key: row.seq, row });
          }
        }
        return out;
      },
      async write(rows) {
        // one INSERT per run of the same arrival day: one partition each, written whole, in position order
        for (let i = 0; i < rows.length; ) {
          const day = Math.floor(rows[i].arrived / DAY);
          let j = i;
          while (j < rows.length && Math.floor(rows[j].arrived / DAY) === day) j++;
          await db.insert(
            'events',
            rows.slice(i, j).map((e) => ({
              seq: e.seq, arrived: e.arrived, tenant: e.tenant, id: e.id, type: e.type, ts: e.ts, key_ts: e.keyTs, appeal_id: e.appealId, channel: e.channel,
              queue: e.queue, operator_id: e.operatorId, status: e.status, direction: e.direction, campaign_id: e.campaignId, attrs: e.attrs,
            })),
          );
          i = j;
        }
      },
    },

    cells: {
      count: () => one(sql`SELECT count() AS n FROM (SELECT 1 FROM rollups GROUP BY tenant, bucket, queue, channel, operator)`),
      lastKey: async () => {
        const [r] = await db.rows<{ n: string; c: string }>(sql`SELECT max(bucket) AS n, count() AS c FROM rollups`);
        return Number(r.c) ? Math.floor(Number(r.n) / DAY) : null;
      },
      async page(after, limit) {
        const [r] = await db.rows<{ n: string; c: string }>(sql`SELECT min(bucket) AS n, count() AS c FROM rollups WHERE bucket >= ${after === null ? -8.64e15 : (after + 1) * DAY}`);
        if (!Number(r.c)) return [];
        const from = Math.floor(Number(r.n) / DAY) * DAY;
        const to = from + limit * DAY;
        const cells = [...(await readMinuteCells(db, { from, to, level: 'queue' })), ...(await readMinuteCells(db, { from, to, level: 'operator' }))];
        return cells.map((row) => ({ key: Math.floor(row.bucket / DAY), row }));
      },
      async write(cells: RollupCell[]) {
        if (cells.length === 0) return;
        const day = Math.floor(cells[0].bucket / DAY);
        await db.insert('commits', cellRows(cells, { name: MIGRATE, commit_id: day - Math.floor(-8.64e15 / DAY), committed_at: Date.now() }));
      },
    },

    deadLetters: {
      count: () => one(sql`SELECT uniqExact(id) AS n FROM dead_letters`),
      lastKey: async () => (await one(sql`SELECT max(id) AS n FROM dead_letters`)) || null,
      async page(after, limit) {
        const rows = await db.rows<Record<string, unknown>>(
          sql`SELECT id, tenant, has_event_id, event_id, seq, step, reason, payload, created_at, max(replayed_at) AS replayed FROM dead_letters WHERE id > ${after ?? 0}
              GROUP BY id, tenant, has_event_id, event_id, seq, step, reason, payload, created_at ORDER BY id LIMIT ${limit}`,
        );
        return rows.map((r) => ({
          key: Number(r.id),
          row: {
            id: Number(r.id), tenant: r.tenant as string, eventId: Number(r.has_event_id) ? (r.event_id as string) : null, seq: Number(r.seq) < 0 ? null : Number(r.seq),
            step: r.step as string, reason: r.reason as string, payload: JSON.parse(r.payload as string), createdAt: Number(r.created_at), replayedAt: Number(r.replayed) || null,
          } satisfies DeadLetter,
        }));
      },
      async write(rows) {
        await db.insert(
          'dead_letters',
          rows.map((d) => ({
            id: d.id, version: 0, tenant: d.tenant, has_event_id: d.eventId === null ? 0 : 1, event_id: d.eventId ?? '', seq: d.seq ?? -1, step: d.step, reason: d.reason,
            payload: JSON.stringify(d.payload ?? null), created_at: d.createdAt ?? 0, replayed_at: d.replayedAt ?? 0,
          })),
        );
      },
    },

    recommendations: {
      count: () => one(sql`SELECT uniqExact(tenant, num) AS n FROM recommendations`),
      lastKey: async () => (await one(sql`SELECT max(num) AS n FROM recommendations`)) || null,
      async page(after, limit) {
        const rows = await db.rows<{ num: string; latest: string }>(
          sql`SELECT num, argMax(item, version) AS latest FROM recommendations WHERE num > ${after ?? 0} GROUP BY tenant, num ORDER BY num LIMIT ${limit}`,
        );
        return rows.map((r) => ({ key: Number(r.num), row: JSON.parse(r.latest) as StoredRecommendation }));
      },
      async write(items) {
        await db.insert(
          'recommendations',
          items.map((i) => ({ tenant: i.tenant, num: i.num, version: 0, state: i.state, opened_at: i.openedAt, resolved_at: i.resolvedAt ?? 8.64e15, item: JSON.stringify(i) })),
        );
      },
    },

    transitions: {
      async all() {
        const rows = await db.rows<Record<string, unknown>>(sql`SELECT tenant, num, from_state, to_state, at FROM recommendation_transitions ORDER BY num, at`);
        return rows.map((r): TransitionRow => ({ tenant: r.tenant as string, num: Number(r.num), from: r.from_state === '' ? null : (r.from_state as string), to: r.to_state as string, at: Number(r.at) }));
      },
      async write(rows) {
        await db.insert('recommendation_transitions', rows.map((t) => ({ tenant: t.tenant, num: t.num, from_state: t.from ?? '', to_state: t.to, at: t.at })));
      },
    },

    campaigns: {
      async all() {
        const rows = await db.rows<{ latest: string }>(sql`SELECT tenant, id, argMax(campaign, version) AS latest FROM campaigns GROUP BY tenant, id ORDER BY tenant, id`);
        return rows.map((r) => JSON.parse(r.latest) as Campaign);
      },
      async write(rows) {
        await db.insert('campaigns', rows.map((c) => ({ tenant: c.tenant, id: c.id, version: 0, campaign: JSON.stringify(c) })));
      },
    },

    destinations: {
      all: () => notify.listDestinations(),
      write: (rows) => notify.insertDestinations(rows),
    },

    deliveries: {
      all: () => notify.allDeliveries(),
      write: (rows) => notify.insertDeliveries(rows),
    },

    settings: {
      all: () => listSettings(db),
      async write(rows) {
        if (rows.length) await db.insert('tenant_settings', rows.map((r) => ({ tenant: r.tenant, version: r.version, settings: r.settings, updated_at: r.updatedAt })));
      },
    },

    apiKeys: {
      all: () => listApiKeys(db),
      async write(rows) {
        // one INSERT, each key at its first version (revoked or not, as in the source)
        if (rows.length) await db.insert('api_keys', rows.map(firstVersionRow));
      },
    },

    state: {
      async all() {
        const rows = await db.rows<{ name: string; state_key: string; latest: string }>(
          sql`SELECT name, state_key, argMax(value, commit_id) AS latest, argMax(deleted, commit_id) AS gone FROM processor_state GROUP BY name, state_key HAVING gone = 0 ORDER BY name, state_key`,
        );
        return rows.map((r): StateRow => ({ name: r.name, key: r.state_key, value: r.latest }));
      },
      async write(rows) {
        // commit 0: before any the copied checkpoint's writer will make
        await db.insert('processor_state', rows.map((s) => ({ name: s.name, state_key: s.key, commit_id: 0, deleted: 0, value: s.value })));
      },
    },

    checkpoints: {
      async all() {
        // (aliases unlike the columns: a ClickHouse alias stands for its column everywhere in the query)
        const rows = await db.rows<{ name: string; last: string; pos: string; st: string }>(
          sql`SELECT name, max(commit_id) AS last, argMax(position, commit_id) AS pos, argMax(state, commit_id) AS st
              FROM commits WHERE kind = 1 AND name != ${MIGRATE} GROUP BY name ORDER BY name`,
        );
        return rows.map((r): CheckpointRow => ({ name: r.name, commitId: Number(r.last), position: Number(r.pos), state: r.st }));
      },
      async write(rows) {
        // one INSERT a name (`commits` is partitioned by name); ccpulse keeps one checkpoint, so this is one atomic write
        for (const c of rows) await db.insert('commits', [{ name: c.name, commit_id: c.commitId, kind: 1, committed_at: Date.now(), position: c.position, state: c.state }]);
      },
    },

    archivedDays: {
      all: () => new ClickhouseArchiveDays(db).listArchivedDays(),
      async write(rows) {
        await db.insert(
          'archived_days',
          rows.map((a) => ({ day: a.day, part: a.part, file: a.file, events: a.events, sha256: a.sha256, min_seq: a.minSeq, max_seq: a.maxSeq, tenants: JSON.stringify(a.tenants), archived_at: a.archivedAt })),
        );
      },
    },

    async heldDays() {
      return []; // a day is never held apart here (archive-days.ts)
    },

    async finish() {
      // the migrated cells live on in the views' tables; their rows in `commits` are not needed
      const blocks = await db.rows<{ b: string }>(sql`SELECT DISTINCT intDiv(commit_id, ${COMMITS_PER_PARTITION}) AS b FROM commits WHERE name = ${MIGRATE}`);
      for (const { b } of blocks) await db.command(sql`ALTER TABLE commits DROP PARTITION (${MIGRATE}, ${Number(b)})`);
    },
  };
}

