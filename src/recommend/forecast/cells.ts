/**
 * From the rollups' cell to the forecast's: the queue-level cell (operator '') of a queue × channel
 * minute carries `offered` and, per appeal closed in the minute after an appointment, its handle time
 * (handleSumMs, handleCount). Operator cells count handling per operator stretch and are not for this.
 */
import type { CounterSums } from '../../metrics/counters.js';
import type { MinuteCell } from './types.js';

export function cellFromCounters(bucket: number, c: Pick<CounterSums, 'offered' | 'handleSumMs' | 'handleCount'>): MinuteCell {
  return { bucket, offered: c.offered, handleSec: c.handleSumMs / 1000, handled: c.handleCount };
}
