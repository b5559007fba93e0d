import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../contract/event.js';
import type { AppealEvent } from '../metrics/appeal-story.js';
import { decodeAppeal, encodeAppeal } from './appeal-codec.js';
import type { SavedAppeal } from './appeal-tracker.js';

// names as clients may send them, including ones that look like numbers or Object.prototype members
const name = fc.oneof(fc.string(), fc.constantFrom('0', '__proto__', 'constructor', 'voice'));
const eventArb = fc.record(
  { id: fc.string(), type: fc.constantFrom(...EVENT_TYPES), ts: fc.integer({ min: 0, max: 4e12 }), queue: name, channel: name, operatorId: fc.string({ minLength: 1 }) },
  { requiredKeys: ['id', 'type', 'ts', 'queue', 'channel'] },
);

describe('appeal codec', () => {
  it('a checkpointed appeal reads back as it was, through JSON', () => {
    fc.assert(
      fc.property(name, name, fc.array(eventArb, { maxLength: 8 }), fc.dictionary(name, fc.integer({ min: 1, max: 1e8 })), (tenant, appealId, evs, timeouts) => {
        const events = [...evs].sort((a, b) => a.ts - b.ts) as AppealEvent[];
        const st: SavedAppeal = { tenant, appealId, events, timeouts, lastTs: events.at(-1)?.ts ?? 0 };
        const back = decodeAppeal(JSON.parse(JSON.stringify(encodeAppeal(st))));
        expect(back).toEqual(JSON.parse(JSON.stringify(st)));
      }),
    );
  });

  it('reads the object form of checkpoints written before it', () => {
    const st: SavedAppeal = { tenant: 't', appealId: 'a', events: [{ id: 'e', type: 'APPEAL_NEW', ts: 5, queue: 'q', channel: 'c' }], timeouts: { c: 9 }, lastTs: 5 };
    expect(decodeAppeal(JSON.parse(JSON.stringify(st)))).toEqual(st);
  });

  it('is less than half the JSON of the object form for a typical appeal', () => {
    const events: AppealEvent[] = [
      { id: 'client-7-e100234', type: 'APPEAL_NEW', ts: 1764468000000, queue: 'general', channel: 'telegram' },
      { id: 'client-7-e100299', type: 'APPEAL_SENT_DISTRIBUTION', ts: 1764468000350, queue: 'general', channel: 'telegram' },
      { id: 'client-7-e100410', type: 'APPEAL_APPOINTED', ts: 1764468012000, queue: 'general', channel: 'telegram', operatorId: 'op17' },
      { id: 'client-7-e100950', type: 'APPEAL_CLOSED', ts: 1764468250000, queue: 'general', channel: 'telegram', operatorId: 'op17' },
    ];
    const st: SavedAppeal = { tenant: 'default', appealId: 'client-7-a2231', events, timeouts: { telegram: 86_400_000 }, lastTs: 1764468250000 };
    expect(JSON.stringify(encodeAppeal(st)).length).toBeLessThan(JSON.stringify(st).length / 2);
  });
});
