import type { Delivery, DeliveryState, OutboxEntry, RecommendationChange, StoredDestination } from '../storage.js';
import type { ChClient } from './client.js';
import { sql } from './sql.js';
import { nextVersion } from './records.js';

/**
 * Notifications on ClickHouse (migration 009). ClickHouse has no transactions and no sequences, so:
 * the outbox's ids come from this process (the store's one writer), carried on from the highest stored;
 * the outbox is written before the change it carries (saveRecommendations), so a change stored is never
 * one the notifier misses (a kill between the two can leave an entry whose item was not stored: it is
 * notified, and its number is not given again, see lastNumber); a delivery is written only when its key
 * is not there yet, one write at a time in this process.
 */
export class ClickhouseNotify {
  private lastId: number | null = null;
  private writing: Promise<unknown> = Promise.resolve();

  constructor(private readonly db: ChClient) {}

  /** Serializes the writes that read before they write. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.writing.then(fn);
    this.writing = run.catch(() => undefined);
    return run;
  }

  writeOutbox(changes: readonly RecommendationChange[]): Promise<void> {
    if (!changes.length) return Promise.resolve();
    return this.serial(async () => {
      if (this.lastId === null) {
        const [r] = await this.db.rows<{ m: string }>(sql`SELECT max(id) AS m FROM notify_outbox`);
        this.lastId = Number(r?.m ?? 0);
      }
      const rows = changes.map((c) => ({ id: ++this.lastId!, tenant: c.item.tenant, num: c.item.num, from_state: c.from ?? '', to_state: c.to, at: c.at, item: JSON.stringify(c.item) }));
      try {
        await this.db.insert('notify_outbox', rows);
      } catch (err) {
        this.lastId = null; // the insert may or may not have landed: read the highest again
        throw err;
      }
    });
  }

  /** The highest item number the outbox holds (numbers go on from above it and the stored items'). */
  async lastNumber(): Promise<number> {
    const [r] = await this.db.rows<{ n: string }>(sql`SELECT max(num) AS n FROM notify_outbox`);
    return Number(r?.n ?? 0);
  }

  putDestination(d: StoredDestination): Promise<void> {
    return this.insertDestinations([d]);
  }

  deleteDestination(tenant: string, id: string): Promise<boolean> {
    return this.serial(async () => {
      const [had] = await this.listOf(tenant, id);
      if (!had) return false;
      await this.db.insert('notify_destinations', [{ tenant, id, version: nextVersion(), deleted: 1, doc: '', updated_at: Date.now() }]);
      return true;
    });
  }

  listDestinations(tenant?: string): Promise<StoredDestination[]> {
    return this.listOf(tenant);
  }

  private async listOf(tenant?: string, id?: string): Promise<StoredDestination[]> {
    const where = tenant === undefined ? sql`1` : id === undefined ? sql`tenant = ${tenant}` : sql`tenant = ${tenant} AND id = ${id}`;
    const rows = await this.db.rows<{ tenant: string; id: string; d: string; last_doc: string; at: string }>(
      sql`SELECT tenant, id, argMax(deleted, version) AS d, argMax(doc, version) AS last_doc, argMax(updated_at, version) AS at
          FROM notify_destinations WHERE ${where} GROUP BY tenant, id ORDER BY tenant, id`,
    );
    return rows.filter((r) => Number(r.d) === 0).map((r) => ({ tenant: r.tenant, id: r.id, doc: r.last_doc, updatedAt: Number(r.at) }));
  }

  async readOutbox(afterId: number, limit: number): Promise<OutboxEntry[]> {
    const rows = await this.db.rows<Record<string, string>>(
      sql`SELECT id, tenant, num, from_state, to_state, at, item FROM notify_outbox WHERE id > ${afterId} ORDER BY id LIMIT ${limit}`,
    );
    return rows.map((r) => ({
      id: Number(r.id),
      tenant: r.tenant,
      num: Number(r.num),
      from: (r.from_state || null) as OutboxEntry['from'],
      to: r.to_state as OutboxEntry['to'],
      at: Number(r.at),
      item: JSON.parse(r.item),
    }));
  }

  async outboxRouted(): Promise<number> {
    const [r] = await this.db.rows<{ m: string }>(sql`SELECT max(up_to) AS m FROM notify_routed`);
    return Number(r?.m ?? 0);
  }

  addDeliveries(deliveries: readonly Delivery[], routedUpTo?: number): Promise<void> {
    return this.serial(async () => {
      if (deliveries.length) {
        const keys = [...new Set(deliveries.map((d) => d.key))];
        const there = new Set((await this.db.rows<{ key: string }>(sql`SELECT DISTINCT key FROM notify_deliveries WHERE has(${keys}, key)`)).map((r) => r.key));
        const fresh = new Map<string, Delivery>();
        for (const d of deliveries) if (!there.has(d.key) && !fresh.has(d.key)) fresh.set(d.key, d);
        if (fresh.size) await this.db.insert('notify_deliveries', [...fresh.values()].map((d) => this.row(d)));
      }
      if (routedUpTo !== undefined) await this.db.insert('notify_routed', [{ one: 1, up_to: routedUpTo }]);
    });
  }

  async updateDelivery(d: Delivery): Promise<void> {
    await this.db.insert('notify_deliveries', [this.row(d)]);
  }

  private row(d: Delivery) {
    return {
      key: d.key, version: nextVersion(), tenant: d.tenant, destination: d.destination, num: d.num, event: d.event, state: d.state, attempts: d.attempts,
      next_at: d.nextAt, last_error: d.lastError ?? '', created_at: d.createdAt, sent_at: d.sentAt ?? 0, message: d.message,
    };
  }

  /** Each key's latest row, of those `where` keeps (a filter on the columns that never change). */
  private latest(where: ReturnType<typeof sql>) {
    // (aliases differ from the columns: in ClickHouse an alias stands for its column everywhere in the query)
    return sql`SELECT key AS l_key, argMax(tenant, version) AS l_tenant, argMax(destination, version) AS l_destination, argMax(num, version) AS l_num,
      argMax(event, version) AS l_event, argMax(state, version) AS l_state, argMax(attempts, version) AS l_attempts, argMax(next_at, version) AS l_next_at,
      argMax(last_error, version) AS l_last_error, argMax(created_at, version) AS l_created_at, argMax(sent_at, version) AS l_sent_at,
      argMax(message, version) AS l_message FROM notify_deliveries WHERE ${where} GROUP BY key`;
  }

  async dueDeliveries(now: number, limit: number): Promise<Delivery[]> {
    const rows = await this.db.rows<Record<string, string>>(
      // (a key whose latest row is pending and due has that row among those written pending and due: the
      // latest of those keys alone is read, however old the table)
      sql`SELECT * FROM (${this.latest(sql`key IN (SELECT key FROM notify_deliveries WHERE state = 'pending' AND next_at <= ${now})`)}) WHERE l_state = 'pending' AND l_next_at <= ${now} ORDER BY l_next_at, l_key LIMIT ${limit}`,
    );
    return rows.map(deliveryOf);
  }

  async listDeliveries(q: { tenant: string; state?: DeliveryState; limit: number }): Promise<Delivery[]> {
    const state = q.state === undefined ? sql`1` : sql`l_state = ${q.state}`;
    const rows = await this.db.rows<Record<string, string>>(
      sql`SELECT * FROM (${this.latest(sql`tenant = ${q.tenant}`)}) WHERE ${state} ORDER BY l_created_at DESC, l_key LIMIT ${q.limit}`,
    );
    return rows.map(deliveryOf);
  }

  /** Destinations and deliveries as a copy writes them: each table in one insert (ccpulse migrate). */
  async insertDestinations(rows: readonly StoredDestination[]): Promise<void> {
    if (rows.length) await this.db.insert('notify_destinations', rows.map((d) => ({ tenant: d.tenant, id: d.id, version: nextVersion(), deleted: 0, doc: d.doc, updated_at: d.updatedAt })));
  }

  async insertDeliveries(rows: readonly Delivery[]): Promise<void> {
    if (rows.length) await this.db.insert('notify_deliveries', rows.map((d) => this.row(d)));
  }

  /** Every delivery of every tenant, by key (ccpulse migrate). */
  async allDeliveries(): Promise<Delivery[]> {
    const rows = await this.db.rows<Record<string, string>>(sql`SELECT * FROM (${this.latest(sql`1`)}) ORDER BY l_key`);
    return rows.map(deliveryOf);
  }

  async getDelivery(tenant: string, key: string): Promise<Delivery | null> {
    const [r] = await this.db.rows<Record<string, string>>(sql`SELECT * FROM (${this.latest(sql`tenant = ${tenant} AND key = ${key}`)})`);
    return r ? deliveryOf(r) : null;
  }
}

function deliveryOf(r: Record<string, string>): Delivery {
  return {
    key: r.l_key,
    tenant: r.l_tenant,
    destination: r.l_destination,
    num: Number(r.l_num),
    event: r.l_event,
    state: r.l_state as DeliveryState,
    attempts: Number(r.l_attempts),
    nextAt: Number(r.l_next_at),
    lastError: r.l_last_error || null,
    createdAt: Number(r.l_created_at),
    sentAt: Number(r.l_sent_at) || null,
    message: r.l_message,
  };
}
