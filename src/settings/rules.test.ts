import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../config/config.js';
import { cellRules, effectiveSettings, ruleSettingsOf } from './rules.js';
import { settingsProblems, TenantSettingsSchema, type TenantSettings } from './schema.js';
import { Value } from '@sinclair/typebox/value';

const base = ruleSettingsOf({
  sl: { ...DEFAULT_CONFIG.sl, queues: { vip: { targetSec: 10, shortAbandonSec: 3, abandonsCount: true } } },
  recommend: { ...DEFAULT_CONFIG.recommend, slTargetPct: { default: 80, vip: 95 }, thresholds: { default: { longWaitSec: 120, abandonPct: 10 }, vip: { longWaitSec: 45 } }, chatConcurrency: { telegram: 2 } },
});
const pol = (targetSec: number, shortAbandonSec = 5, abandonsCount = true) => ({ targetSec, shortAbandonSec, abandonsCount });

describe('a tenant\'s rules: its saved settings over the config file\'s, entry by entry', () => {
  it('with nothing saved, judges as the config file says', () => {
    const r = cellRules(effectiveSettings(base, {}));
    expect(r.slPolicyOf('vip', 'voice')).toEqual(pol(10, 3));
    expect(r.slPolicyOf('sales', 'email')).toEqual(pol(3600, 0, false));
    expect(r.slPolicyOf('sales', 'voice')).toEqual(pol(20));
    expect(r.targetsOf('vip', 'voice')).toEqual({ slPct: 95, slSec: 10, longWaitSec: 45 });
    expect(r.targetsOf('sales', 'email')).toEqual({ slPct: 80, slSec: 3600, longWaitSec: 3600 });
    expect(r.thresholdsOf('vip')).toEqual({ longWaitSec: 45, abandonPct: 10 });
    expect(r.concurrencyOf('telegram')).toBe(2);
    expect(r.concurrencyOf('webchat')).toBeUndefined();
  });

  it('a saved entry replaces the configured one of its name; a threshold field replaces that field alone; the rest stays', () => {
    const saved: TenantSettings = {
      sl: { queues: { sales: pol(30) }, channels: { email: pol(1800, 0, false) } },
      slTargetPct: { default: 85, sales: 90 },
      thresholds: { vip: { abandonPct: 4 }, sales: { longWaitSec: 60 } },
      chatConcurrency: { webchat: 3 },
    };
    const r = cellRules(effectiveSettings(base, saved));
    expect(r.slPolicyOf('sales', 'voice')).toEqual(pol(30));
    expect(r.slPolicyOf('sales', 'email')).toEqual(pol(30)); // a queue's own policy covers all its channels, as in the config
    expect(r.slPolicyOf('other', 'email')).toEqual(pol(1800, 0, false));
    expect(r.slPolicyOf('vip', 'voice')).toEqual(pol(10, 3));
    expect(r.targetsOf('sales', 'voice')).toEqual({ slPct: 90, slSec: 30, longWaitSec: 60 });
    expect(r.targetsOf('other', 'voice')).toEqual({ slPct: 85, slSec: 20, longWaitSec: 120 });
    expect(r.targetsOf('vip', 'voice').slPct).toBe(95);
    expect(r.thresholdsOf('vip')).toEqual({ longWaitSec: 45, abandonPct: 4 });
    expect(r.concurrencyOf('webchat')).toBe(3);
    expect(r.concurrencyOf('telegram')).toBe(2);
    expect(r.slPolicies.queues).toEqual([['vip', pol(10, 3)], ['sales', pol(30)]]);
  });

  it('reads names as data: __proto__, constructor and toString are queues like any other', () => {
    const saved = JSON.parse('{"slTargetPct":{"__proto__":97,"constructor":91},"sl":{"queues":{"__proto__":{"targetSec":15,"shortAbandonSec":5,"abandonsCount":true}}},"chatConcurrency":{"__proto__":4}}') as TenantSettings;
    expect(Value.Check(TenantSettingsSchema, saved)).toBe(true);
    const eff = effectiveSettings(base, saved);
    expect(Object.hasOwn(eff.slTargetPct, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(eff.slTargetPct)).toBe(Object.prototype);
    const r = cellRules(eff);
    expect(r.targetsOf('__proto__', 'voice')).toEqual({ slPct: 97, slSec: 15, longWaitSec: 120 });
    expect(r.targetsOf('constructor', 'voice').slPct).toBe(91);
    expect(r.targetsOf('toString', 'voice')).toEqual({ slPct: 80, slSec: 20, longWaitSec: 120 });
    expect(r.concurrencyOf('__proto__')).toBe(4);
    expect(r.concurrencyOf('hasOwnProperty')).toBeUndefined();
    expect(JSON.parse(JSON.stringify(eff)).slTargetPct.__proto__).toBe(97);
  });
});

describe('settingsProblems', () => {
  it('names an SL threshold off the histogram edges, a name too long and an empty one, by their paths', () => {
    const doc: TenantSettings = { sl: { default: pol(20, 7), queues: { 'a/b': pol(121) } }, slTargetPct: { ['x'.repeat(201)]: 90, '': 80 } };
    expect(settingsProblems(doc).map((p) => p.path)).toEqual(['/settings/sl/queues/a~1b/targetSec', '/settings/slTargetPct/' + 'x'.repeat(200), '/settings/slTargetPct/']);
    expect(settingsProblems({ sl: { default: pol(20, 5), channels: { email: pol(3600, 0) } } })).toEqual([]);
  });
});
