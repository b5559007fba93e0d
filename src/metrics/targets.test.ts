import { describe, expect, it } from 'vitest';
import type { SlPolicy } from './finalize.js';
import { targetsOf } from './targets.js';

const policy = (targetSec: number): SlPolicy => ({ targetSec, shortAbandonSec: 5, abandonsCount: true });
const slPolicyOf = (queue: string, channel: string) => (channel === 'email' ? policy(3600) : queue === 'vip' ? policy(10) : policy(20));

describe('targetsOf', () => {
  const of = targetsOf({ slTargetPct: { default: 80, vip: 95 }, thresholds: { default: { longWaitSec: 120 }, vip: { longWaitSec: 45 } } }, slPolicyOf);

  it("gives a queue its own SL target, else the default's, and the SL threshold of its policy", () => {
    expect(of('vip', 'voice')).toEqual({ slPct: 95, slSec: 10, longWaitSec: 45 });
    expect(of('sales', 'voice')).toEqual({ slPct: 80, slSec: 20, longWaitSec: 120 });
  });

  it('never calls a wait long before the SL threshold is past, unless the queue says so itself', () => {
    expect(of('sales', 'email')).toEqual({ slPct: 80, slSec: 3600, longWaitSec: 3600 });
    expect(of('vip', 'email').longWaitSec).toBe(45);
  });

  it("reads names from events as data: __proto__, constructor and a queue called default get the default's", () => {
    for (const q of ['__proto__', 'constructor', 'toString', 'default']) expect(of(q, 'voice')).toEqual({ slPct: 80, slSec: 20, longWaitSec: 120 });
  });

  it('falls back to 80 % and 120 s when the settings name no default', () => {
    expect(targetsOf({ slTargetPct: {}, thresholds: {} }, slPolicyOf)('q', 'voice')).toEqual({ slPct: 80, slSec: 20, longWaitSec: 120 });
  });
});
