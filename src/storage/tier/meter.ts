/**
 * What the tier advice (advice.ts) needs, measured on a running server: operators working at once and
 * events applied, sampled every few seconds and kept per minute for the last day. Cheap: one number per
 * tenant and a counter each sample.
 */
import type { TierMeasures } from './advice.js';

const MINUTE_MS = 60_000;
/** Minutes measured: a day, so that the busiest hour of a day is in the window. */
const WINDOW_MINUTES = 24 * 60;
const WEEK_MIN = 7 * 24 * 60;

interface MinuteSample {
  minute: number;
  events: number;
  /** The most operators seen working at once in the minute. */
  operators: number;
}

export class TierMeter {
  private readonly minutes: MinuteSample[] = [];
  private lastTotal: number | null = null;

  /**
   * One sample: `eventsTotal` is a running count of events applied (deltas between samples are what
   * counts; the first sample only sets the base), `operators` those working now.
   */
  sample(now: number, eventsTotal: number, operators: number): void {
    const minute = now - (now % MINUTE_MS);
    let last = this.minutes[this.minutes.length - 1];
    if (!last || last.minute < minute) {
      this.minutes.push((last = { minute, events: 0, operators: 0 }));
      while (this.minutes.length > 0 && this.minutes[0].minute <= minute - WINDOW_MINUTES * MINUTE_MS) this.minutes.shift();
    }
    if (this.lastTotal !== null) last.events += Math.max(0, eventsTotal - this.lastTotal);
    this.lastTotal = eventsTotal;
    last.operators = Math.max(last.operators, operators);
  }

  /** The measures over the window so far, and how many minutes it holds. */
  measures(): TierMeasures & { minutes: number } {
    let operators = 0;
    let peak = 0;
    let events = 0;
    for (const m of this.minutes) {
      operators = Math.max(operators, m.operators);
      peak = Math.max(peak, m.events / 60);
      events += m.events;
    }
    const n = this.minutes.length;
    return { operators, peakEventsPerSec: peak, eventsPerWeek: n ? (events / n) * WEEK_MIN : 0, minutes: n };
  }
}
