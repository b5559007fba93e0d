/**
 * What "good" means for one queue × channel, in one place, for the live tiles' colors and the advisor's
 * alarms alike: the SL target (per cent within the SL threshold), the SL threshold itself (the policy's
 * targetSec), and the wait after which an appeal counts as a long wait.
 *
 * The long wait is the queue's own `longWaitSec` where the queue sets one; otherwise the default's
 * (120 s), but never shorter than the cell's SL threshold: an email promised within the hour is not
 * late after two minutes. Names come from events: looked up in Maps, never as property names.
 */
import type { SlPolicy } from './finalize.js';

export interface CellTargets {
  /** Per cent of appeals to be answered within slSec. */
  slPct: number;
  /** The SL threshold, seconds (the policy's targetSec). */
  slSec: number;
  /** A wait longer than this is a long wait (the alarm, the tile's highlight). */
  longWaitSec: number;
}

export interface TargetSettings {
  slTargetPct: Readonly<Record<string, number>>;
  thresholds: Readonly<Record<string, { longWaitSec?: number }>>;
}

export const DEFAULT_SL_TARGET_PCT = 80;
export const DEFAULT_LONG_WAIT_SEC = 120;

export type TargetsOf = (queue: string, channel: string) => CellTargets;

export function targetsOf(settings: TargetSettings, slPolicyOf: (queue: string, channel: string) => SlPolicy): TargetsOf {
  const pct = new Map(Object.entries(settings.slTargetPct));
  const thresholds = new Map(Object.entries(settings.thresholds));
  const defaultPct = pct.get('default') ?? DEFAULT_SL_TARGET_PCT;
  const defaultLongWait = thresholds.get('default')?.longWaitSec ?? DEFAULT_LONG_WAIT_SEC;
  return (queue, channel) => {
    const slSec = slPolicyOf(queue, channel).targetSec;
    const own = queue === 'default' ? undefined : thresholds.get(queue)?.longWaitSec;
    return {
      slPct: (queue === 'default' ? undefined : pct.get(queue)) ?? defaultPct,
      slSec,
      longWaitSec: own ?? Math.max(defaultLongWait, slSec),
    };
  };
}
