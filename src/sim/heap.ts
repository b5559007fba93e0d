/**
 * Binary min-heap of timed actions: the future-event list of the discrete-event simulation.
 * Ties on time are broken by insertion order, so two actions at the same instant always run
 * in the order they were scheduled: without that, determinism would depend on heap internals.
 */
export interface Timed {
  t: number;
  seq: number;
  fn: () => void;
}

export class EventHeap {
  private items: Timed[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  peekTime(): number {
    return this.items.length ? this.items[0].t : Infinity;
  }

  push(t: number, fn: () => void): void {
    const items = this.items;
    const item: Timed = { t, seq: this.seq++, fn };
    let i = items.length;
    items.push(item);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(item, items[p])) break;
      items[i] = items[p];
      i = p;
    }
    items[i] = item;
  }

  pop(): Timed | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length && last) {
      let i = 0;
      const n = items.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && less(items[r], items[l]) ? r : l;
        if (!less(items[c], last)) break;
        items[i] = items[c];
        i = c;
      }
      items[i] = last;
    }
    return top;
  }
}

function less(a: Timed, b: Timed): boolean {
  return a.t < b.t || (a.t === b.t && a.seq < b.seq);
}
