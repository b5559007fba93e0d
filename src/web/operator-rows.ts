/**
 * The operators table's model (pure, no DOM): the rows of GET /v1/operators, sorted by a column, and
 * the counts by status for its heading.
 */

export interface OperatorItem {
  id: string;
  status: string | null;
  since: string | null;
  queue: string | null;
  channel: string | null;
  handling: number;
  handledToday: number;
  ahtSec: number | null;
  occupancyPct: number | null;
}

export type OperatorColumn = 'id' | 'status' | 'since' | 'queue' | 'handling' | 'handledToday' | 'ahtSec' | 'occupancyPct';
export const OPERATOR_COLUMNS: readonly OperatorColumn[] = ['id', 'status', 'since', 'queue', 'handling', 'handledToday', 'ahtSec', 'occupancyPct'];

/** Statuses in the order a supervisor scans them: who is taking work first. */
const STATUS_ORDER: ReadonlyMap<string, number> = new Map([
  ['busy', 0],
  ['acw', 1],
  ['ready', 2],
  ['break', 3],
  ['offline', 4],
]);

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/**
 * Sorted copy of `items` by `column`, ascending or descending; empty values (null) always last; ties
 * by id. The status column sorts by STATUS_ORDER; `since` by time (longest in the status first when
 * ascending).
 */
export function sortOperators(items: readonly OperatorItem[], column: OperatorColumn, descending: boolean): OperatorItem[] {
  const key = (o: OperatorItem): string | number | null => {
    switch (column) {
      case 'id':
        return o.id;
      case 'status':
        return o.status === null ? null : (STATUS_ORDER.get(o.status) ?? 9);
      case 'since':
        return o.since === null ? null : Date.parse(o.since);
      case 'queue':
        return o.queue === null ? null : `${o.queue}\u0000${o.channel ?? ''}`;
      default:
        return o[column];
    }
  };
  return [...items].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka === null || kb === null) return ka === kb ? collator.compare(a.id, b.id) : ka === null ? 1 : -1;
    const c = typeof ka === 'number' && typeof kb === 'number' ? ka - kb : collator.compare(String(ka), String(kb));
    return (descending ? -c : c) || collator.compare(a.id, b.id);
  });
}

/** Operators by status, for the heading ("12 busy · 3 ready …"), in STATUS_ORDER. */
export function statusCounts(items: readonly OperatorItem[]): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const o of items) counts.set(o.status ?? 'unknown', (counts.get(o.status ?? 'unknown') ?? 0) + 1);
  return [...counts].sort(([a], [b]) => (STATUS_ORDER.get(a) ?? 9) - (STATUS_ORDER.get(b) ?? 9) || collator.compare(a, b));
}

/** Whether an operator matches every word of the board's filter (id, status, queue, channel). */
export function operatorMatches(o: OperatorItem, words: readonly string[], channelLabel: (c: string) => string): boolean {
  if (words.length === 0) return true;
  const text = `${o.id} ${o.status ?? ''} ${o.queue ?? ''} ${o.channel ?? ''} ${o.channel ? channelLabel(o.channel) : ''}`.toLowerCase();
  return words.every((w) => text.includes(w));
}
