import type { LoggedEvent } from '../contract/event.js';
import { storyOrder, tellAppealStory, toAppealEvent } from '../metrics/appeal-story.js';
import { addCounters, emptyCounters, isZero, type Counters } from '../metrics/counters.js';
import type { Chunk } from './chunks.js';

export interface BatchCell {
  queue: string;
  channel: string;
  operator: string;
  bucket: number;
  counters: Counters;
}

/**
 * The batch side of one chunk: whole appeal stories told by the metric definitions (tellAppealStory,
 * as recomputeCells does), keeping only what lands in the chunk. Pure: the stories come from the caller.
 */
export class BatchCells {
  private readonly cells = new Map<string, BatchCell>();
  /** Raw events of the chunk's time the stories held (each event's time is in one chunk only). */
  events = 0;

  constructor(private readonly chunk: Chunk) {}

  /**
   * Tells one appeal's whole story (its logged events, dead letters already left out, any order) and
   * adds its contributions inside the chunk. Returns the buckets after the chunk it contributes to.
   */
  tell(events: readonly LoggedEvent[], inactivityTimeoutOf: (channel: string) => number): number[] {
    const story = events.filter((e) => e.type !== 'OPERATOR_STATUS').map(toAppealEvent).sort(storyOrder);
    for (const e of story) if (e.ts >= this.chunk.from && e.ts < this.chunk.to) this.events++;
    const later: number[] = [];
    for (const c of tellAppealStory(story, inactivityTimeoutOf).contributions) {
      if (c.bucket >= this.chunk.to) later.push(c.bucket);
      if (c.bucket < this.chunk.from || c.bucket >= this.chunk.to) continue;
      const key = `${c.queue}\u0001${c.channel}\u0001${c.operator}\u0001${c.bucket}`;
      let cell = this.cells.get(key);
      if (!cell) this.cells.set(key, (cell = { queue: c.queue, channel: c.channel, operator: c.operator, bucket: c.bucket, counters: emptyCounters() }));
      addCounters(cell.counters, c.counters);
    }
    return later;
  }

  /** The chunk's non-empty cells. */
  result(): BatchCell[] {
    return [...this.cells.values()].filter((c) => !isZero(c.counters));
  }
}
