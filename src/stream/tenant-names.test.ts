import { expect, it } from 'vitest';
import { StreamProcessor, type ProcessorState } from './processor.js';

const newProcessor = () =>
  new StreamProcessor({ inactivityTimeoutOf: () => 3_600_000, slPolicyOf: () => ({ targetSec: 20, shortAbandonSec: 5, abandonsCount: true }), now: () => Date.UTC(2026, 0, 1, 12) });

it('a tenant named like an Object.prototype member keeps its repairs across a checkpoint and restore', () => {
  const p = newProcessor();
  const ts = Date.UTC(2026, 0, 1, 10);
  for (const tenant of ['__proto__', 'constructor']) {
    // a CLOSED with nothing before it: repairs missingStart and noAppointment
    p.apply([{ tenant, seq: p.position + 1, id: `${tenant}-1`, type: 'APPEAL_CLOSED', ts, appealId: 'a', queue: 'q', channel: 'voice', operatorId: 'o' }]);
  }
  const before = ['__proto__', 'constructor'].map((t) => p.live.repairsOf(t));
  expect(before[0]).toMatchObject({ missingStart: 1, noAppointment: 1 });
  const take = p.takeCheckpoint();
  const restored = newProcessor();
  restored.restore(JSON.parse(take.state) as ProcessorState, []);
  expect(['__proto__', 'constructor'].map((t) => restored.live.repairsOf(t))).toEqual(before);
});
