/**
 * Operators whose handle time is far from their peers' on the same queue × channel, from the last
 * hour's history (read on the slow path by the engine). Pure.
 */
import type { Condition } from '../lifecycle/lifecycle.js';
import { keyPart } from './key-part.js';

export interface OperatorAht {
  queue: string;
  channel: string;
  operator: string;
  ahtSec: number | null;
  /** Contacts handled (closed) in the range. */
  ha: number;
}

/** An operator with at least this many closes whose AHT is this far from the median of peers on the same queue × channel (at least 3 of them). */
const AHT_MIN_HANDLED = 10;
const AHT_OUTLIER_RATIO = 1.5;

/**
 * Operators whose AHT on a queue × channel is more than 1.5× the median of their peers there, or under
 * 1/1.5 of it (each with at least 10 closes, at least 3 such operators): someone struggling, or closing
 * contacts too fast.
 */
export function ahtOutliers(rows: readonly OperatorAht[]): Condition[] {
  const byStream = new Map<string, OperatorAht[]>();
  for (const r of rows) {
    if (r.ahtSec === null || r.ha < AHT_MIN_HANDLED) continue;
    const k = `${r.queue}\u0001${r.channel}`;
    let list = byStream.get(k);
    if (!list) byStream.set(k, (list = []));
    list.push(r);
  }
  const out: Condition[] = [];
  for (const list of byStream.values()) {
    if (list.length < 3) continue;
    const sorted = list.map((r) => r.ahtSec!).sort((a, b) => a - b);
    const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    for (const r of list) {
      const ratio = r.ahtSec! / median;
      if (ratio <= AHT_OUTLIER_RATIO && ratio >= 1 / AHT_OUTLIER_RATIO) continue;
      out.push({
        key: `aht-outlier:${keyPart(r.queue)}:${keyPart(r.channel)}:${keyPart(r.operator)}`,
        kind: 'aht-outlier',
        active: true,
        severity: 'info',
        reason: `${r.queue} ${r.channel}: operator ${r.operator} handles in ${Math.round(r.ahtSec!)} s on average, ${ratio > 1 ? `${Math.round(ratio * 10) / 10}× the` : `${Math.round((1 / ratio) * 10) / 10}× faster than the`} ${Math.round(median)} s of their ${list.length - 1} peers (last hour, ${r.ha} closed)`,
        data: { operator: r.operator, ahtSec: Math.round(r.ahtSec!), peersMedianSec: Math.round(median), peers: list.length - 1, handled: r.ha },
      });
    }
  }
  return out;
}
