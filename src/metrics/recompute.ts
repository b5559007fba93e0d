import type { LoggedEvent } from '../contract/event.js';
import { appealKey, storyOrder, tellAppealStory, toAppealEvent, type AppealEvent } from './appeal-story.js';
import { type Counters, addCounters, emptyCounters, isZero } from './counters.js';

/**
 * The batch path: rollup cells recomputed from raw events, sharing nothing with the stream but the
 * metric definitions (tellAppealStory). No retraction, no live state, no checkpoints: every appeal's
 * whole story is told once and its contributions summed.
 */
export function recomputeCells(
  events: Iterable<LoggedEvent>,
  inactivityTimeoutOf: (channel: string) => number,
): Map<string, { tenant: string; queue: string; channel: string; operator: string; bucket: number; counters: Counters }> {
  const stories = new Map<string, { tenant: string; events: AppealEvent[] }>();
  for (const e of events) {
    if (e.type === 'OPERATOR_STATUS' || e.appealId === undefined) continue;
    const key = appealKey(e);
    let s = stories.get(key);
    if (!s) stories.set(key, (s = { tenant: e.tenant, events: [] }));
    s.events.push(toAppealEvent(e));
  }
  const cells = new Map<string, { tenant: string; queue: string; channel: string; operator: string; bucket: number; counters: Counters }>();
  for (const { tenant, events: evs } of stories.values()) {
    evs.sort(storyOrder);
    for (const c of tellAppealStory(evs, inactivityTimeoutOf).contributions) {
      const key = [tenant, c.queue, c.channel, c.operator, c.bucket].join('\u0001');
      let cell = cells.get(key);
      if (!cell) cells.set(key, (cell = { tenant, queue: c.queue, channel: c.channel, operator: c.operator, bucket: c.bucket, counters: emptyCounters() }));
      addCounters(cell.counters, c.counters);
    }
  }
  for (const [k, c] of cells) if (isZero(c.counters)) cells.delete(k);
  return cells;
}

export interface CellDifference {
  queue: string;
  channel: string;
  operator: string;
  bucket: string;
  field: string;
  stream: unknown;
  batch: unknown;
}

/** Field-by-field differences between the streamed cells and the recomputed ones. */
export function diffCells(
  streamed: Iterable<{ queue: string; channel: string; operator: string; bucket: number; counters: Counters }>,
  batch: Iterable<{ queue: string; channel: string; operator: string; bucket: number; counters: Counters }>,
): CellDifference[] {
  const index = (cells: Iterable<{ queue: string; channel: string; operator: string; bucket: number; counters: Counters }>) => {
    const m = new Map<string, { queue: string; channel: string; operator: string; bucket: number; counters: Counters }>();
    for (const c of cells) {
      const key = [c.queue, c.channel, c.operator, c.bucket].join('\u0001');
      const prev = m.get(key);
      if (prev) addCounters(prev.counters, c.counters);
      else m.set(key, { ...c, counters: { ...emptyCounters(), ...structuredClone(c.counters) } });
    }
    return m;
  };
  const s = index(streamed);
  const b = index(batch);
  const out: CellDifference[] = [];
  for (const key of new Set([...s.keys(), ...b.keys()])) {
    const sc = s.get(key)?.counters ?? emptyCounters();
    const bc = b.get(key)?.counters ?? emptyCounters();
    const where = (s.get(key) ?? b.get(key))!;
    for (const field of Object.keys(sc) as Array<keyof Counters>) {
      const a = normalize(sc[field], field);
      const z = normalize(bc[field], field);
      if (JSON.stringify(a) !== JSON.stringify(z)) {
        out.push({ queue: where.queue, channel: where.channel, operator: where.operator, bucket: new Date(where.bucket).toISOString(), field, stream: a, batch: z });
      }
    }
  }
  return out.sort((x, y) => x.bucket.localeCompare(y.bucket) || x.queue.localeCompare(y.queue) || x.field.localeCompare(y.field));
}

/**
 * Count maps compared without their zero entries and key order. The `late` repair is left out: it is
 * the stream's note that an event came after the allowed lateness, not part of the definitions (what
 * such an event did to the other fields is still compared).
 */
function normalize(v: unknown, field: string): unknown {
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(
    Object.entries(v as Record<string, number>)
      .filter(([k, n]) => n !== 0 && !(field === 'repairs' && k === 'late'))
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}
