import { describe, expect, it } from 'vitest';
import type { CcEvent } from '../../contract/event.js';
import { lookupQueries } from './log.js';

const ev = (id: string, ts: number, tenant = 't') => ({ tenant, event: { id, type: 'APPEAL_NEW', ts, appealId: 'a', channel: 'voice', queue: 'q' } as CcEvent });
const T = Date.UTC(2026, 10, 30, 12);

describe('the dedup lookup of a batch (ClickHouse)', () => {
  it('reads a live batch as one range of claimed times, from its first to its last', () => {
    const qs = lookupQueries([ev('b', T + 2_000), ev('a', T), ev('c', T + 1_000)]);
    expect(qs).toHaveLength(1);
    expect(qs[0].sql.text).toBe(
      `SELECT DISTINCT key_ts, id FROM event_keys_by_time WHERE tenant = 't' AND ((key_ts >= ${T} AND key_ts <= ${T + 2_000} AND id IN ('a', 'c', 'b')))`,
    );
  });

  it('gives a late event a range of its own, so the live range does not stretch back to it', () => {
    const late = T - 3 * 86_400_000;
    const [q] = lookupQueries([ev('now1', T), ev('old', late), ev('now2', T + 500)]);
    expect(q.sql.text).toContain(`(key_ts >= ${late} AND key_ts <= ${late} AND id IN ('old'))`);
    expect(q.sql.text).toContain(`(key_ts >= ${T} AND key_ts <= ${T + 500} AND id IN ('now1', 'now2'))`);
  });

  it('claims the time an event was clamped from, as the log keys it', () => {
    const e = ev('x', T);
    (e.event as { attrs?: unknown }).attrs = { ccpulseClampedFromTs: T + 30 * 86_400_000 };
    const [q] = lookupQueries([e]);
    expect(q.sql.text).toContain(`key_ts >= ${T + 30 * 86_400_000}`);
  });

  it('asks per tenant, escaping every value', () => {
    const qs = lookupQueries([ev("o'x", T, "t'1"), ev('y', T, 't2')]);
    expect(qs.map((q) => q.tenant).sort()).toEqual(["t'1", 't2']);
    expect(qs.find((q) => q.tenant === "t'1")!.sql.text).toContain(`tenant = 't\\'1'`);
    expect(qs.find((q) => q.tenant === "t'1")!.sql.text).toContain(`id IN ('o\\'x')`);
  });

  it('bounds a query: at most 100 ranges and 5,000 ids in all (18.16 counts each literal against max_ast_elements); every event is asked once', () => {
    // a whole request of 50,000 live events: ten queries of 5,000
    const live = lookupQueries(Array.from({ length: 50_000 }, (_, i) => ev(`l${i}`, T + i)));
    expect(live).toHaveLength(10);
    for (const q of live) expect(q.sql.text.split("', '").length).toBeLessThanOrEqual(5_000);

    const scattered = Array.from({ length: 250 }, (_, i) => ev(`s${i}`, T - i * 3_600_000));
    const dense = Array.from({ length: 12_000 }, (_, i) => ev(`d${i}`, T + i));
    const qs = lookupQueries([...scattered, ...dense]);
    let ids = 0;
    for (const q of qs) {
      const ranges = q.sql.text.match(/\(key_ts >= /g) ?? [];
      expect(ranges.length).toBeLessThanOrEqual(100);
      let inQuery = 0;
      for (const m of q.sql.text.matchAll(/id IN \(([^)]*)\)/g)) inQuery += m[1].split(', ').length;
      expect(inQuery).toBeLessThanOrEqual(5_000);
      ids += inQuery;
    }
    expect(ids).toBe(12_250);
  });
});
