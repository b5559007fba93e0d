/**
 * The lifecycle of advice and alerts: open → acknowledged → resolved. Pure (no clock, no I/O): the
 * engine evaluates its conditions every so often and hands them here with the time; what comes back
 * are the transitions to store, push and notify.
 *
 * Why these rules:
 * - One item per condition key (e.g. "sl-under-target:billing:voice"): a condition that stays true is one
 *   item, however often it is evaluated; its numbers and severity are updated in place.
 * - Entry hysteresis (`raiseAfterMs`): a condition must hold that long before an item opens, so a blip in
 *   one evaluation does not page anybody. A critical condition opens at once.
 * - Exit hysteresis (`clearAfterMs`) and a minimum hold (`minOpenMs`): an item resolves only after its
 *   condition has been false that long and it has been open at least that long, so a metric hovering
 *   around its threshold gives one item, not a stream of open/resolve pairs.
 * - A severity that rises while the item is open is a transition of its own, from its state to the same
 *   state: the rise is stored and notified (routing and quiet hours go by severity).
 * - Acknowledging records who and when; it does not close the item (the condition may still hold).
 *   An acknowledged item that resolves and comes back opens a new item: the new episode needs new eyes.
 */

export type Severity = 'info' | 'warning' | 'critical';
export type ItemState = 'open' | 'acknowledged' | 'resolved';

/** One evaluation of one condition. */
export interface Condition {
  /** Deduplication key: the same key is the same condition (kind + what it is about). */
  key: string;
  kind: string;
  /** Whether the condition holds now. */
  active: boolean;
  severity: Severity;
  /** Plain-language reason, with the numbers (shown to people). */
  reason: string;
  /** The numbers behind it (forecast, required vs available, expected SL with and without…). */
  data: Record<string, unknown>;
}

export interface Item {
  id: string;
  key: string;
  kind: string;
  state: ItemState;
  severity: Severity;
  reason: string;
  data: Record<string, unknown>;
  openedAt: number;
  updatedAt: number;
  acknowledgedAt?: number;
  acknowledgedBy?: string;
  resolvedAt?: number;
}

export interface Transition {
  item: Item;
  /** null: the item is new. */
  from: ItemState | null;
  to: ItemState;
  at: number;
}

export interface LifecycleOptions {
  raiseAfterMs: number;
  clearAfterMs: number;
  minOpenMs: number;
}

export const DEFAULT_LIFECYCLE: LifecycleOptions = { raiseAfterMs: 30_000, clearAfterMs: 120_000, minOpenMs: 300_000 };

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, critical: 2 };

/** The state kept between evaluations: open items by key, and since when each pending condition has held or cleared. */
export interface LifecycleState {
  open: Map<string, Item>;
  /** Condition key → first time it was seen active with no item open (entry hysteresis). */
  activeSince: Map<string, number>;
  /** Condition key → first time its open item's condition was seen inactive (exit hysteresis). */
  clearSince: Map<string, number>;
  nextId: number;
}

export function emptyLifecycle(nextId = 1): LifecycleState {
  return { open: new Map(), activeSince: new Map(), clearSince: new Map(), nextId };
}

/**
 * Applies one evaluation of `conditions` at `now`. A condition not in the list counts as inactive (a
 * queue that left the board clears its items). Returns the transitions, in key order.
 */
export function evaluate(s: LifecycleState, conditions: readonly Condition[], now: number, o: LifecycleOptions = DEFAULT_LIFECYCLE): Transition[] {
  const out: Transition[] = [];
  const seen = new Map<string, Condition>();
  for (const c of conditions) if (c.active) seen.set(c.key, c);

  for (const [key, c] of seen) {
    const item = s.open.get(key);
    s.clearSince.delete(key);
    if (item) {
      // still true: its numbers follow, and its severity rises (never falls while open: the worst is what was seen)
      item.reason = c.reason;
      item.data = c.data;
      item.updatedAt = now;
      if (SEVERITY_RANK[c.severity] > SEVERITY_RANK[item.severity]) {
        // a rise is stored and told (a warning that turns critical must reach those who take only
        // critical items, and go through quiet hours): the one transition that keeps the state
        item.severity = c.severity;
        out.push({ item: { ...item }, from: item.state, to: item.state, at: now });
      }
      continue;
    }
    const since = s.activeSince.get(key) ?? now;
    s.activeSince.set(key, since);
    if (c.severity !== 'critical' && now - since < o.raiseAfterMs) continue;
    s.activeSince.delete(key);
    const opened: Item = { id: `r${s.nextId++}`, key, kind: c.kind, state: 'open', severity: c.severity, reason: c.reason, data: c.data, openedAt: now, updatedAt: now };
    s.open.set(key, opened);
    out.push({ item: { ...opened }, from: null, to: 'open', at: now });
  }
  // conditions pending entry that are no longer true start over
  for (const key of [...s.activeSince.keys()]) if (!seen.has(key)) s.activeSince.delete(key);

  for (const [key, item] of s.open) {
    if (seen.has(key)) continue;
    const since = s.clearSince.get(key) ?? now;
    s.clearSince.set(key, since);
    if (now - since < o.clearAfterMs || now - item.openedAt < o.minOpenMs) continue;
    s.open.delete(key);
    s.clearSince.delete(key);
    const from = item.state;
    item.state = 'resolved';
    item.resolvedAt = now;
    item.updatedAt = now;
    out.push({ item: { ...item }, from, to: 'resolved', at: now });
  }
  return out.sort((a, b) => (a.item.key < b.item.key ? -1 : a.item.key > b.item.key ? 1 : 0));
}

/** Acknowledges an open item by id; null when there is none such open (unknown, or already resolved). */
export function acknowledge(s: LifecycleState, id: string, by: string, now: number): Transition | null {
  for (const item of s.open.values()) {
    if (item.id !== id) continue;
    if (item.state === 'acknowledged') return null;
    item.state = 'acknowledged';
    item.acknowledgedAt = now;
    item.acknowledgedBy = by;
    item.updatedAt = now;
    return { item: { ...item }, from: 'open', to: 'acknowledged', at: now };
  }
  return null;
}
