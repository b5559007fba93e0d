import { describe, expect, it } from 'vitest';
import { NUMERIC_FIELDS, addCounters, emptyCounters } from './counters.js';

describe('addCounters', () => {
  // it names each field by hand (for speed): a field added to Counters must be added there too
  it.each(NUMERIC_FIELDS)('adds and retracts %s', (f) => {
    const c = emptyCounters();
    addCounters(c, { [f]: 3 });
    addCounters(c, { [f]: 1 }, -1);
    expect(c).toEqual({ ...emptyCounters(), [f]: 2 });
  });
});
