import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CcEvent } from '../contract/event.js';
import { ServerProcess } from '../testing/server-process.js';
import { createSimulation, DEFAULT_START } from './index.js';
import { referenceFixture, type ExpectedRow, type ReferenceFixture } from './reference-expected.js';

/**
 * The reference check of issue #4: the `reference` run (seed 1), posted over HTTP to a real ccpulse,
 * must read back from /v1/metrics exactly as src/sim/fixtures/reference-seed1.json says, every field.
 * The fixture is computed independently of ccpulse's code by src/sim/reference-expected.ts.
 * A few more seeds, each on its own day and with its expectation computed on the spot, widen the check.
 */

const FIXTURE = JSON.parse(readFileSync(new URL('./fixtures/reference-seed1.json', import.meta.url), 'utf8')) as ReferenceFixture;
const BATCH = 5_000;
const DAY = 86_400_000;
const MORE_SEEDS = [2, 3, 4, 5, 6];

function referenceRun(seed: number): CcEvent[] {
  const sim = createSimulation({ scenario: 'reference', seed });
  const events: CcEvent[] = [];
  while (!sim.done) for (const e of sim.next(sim.now + 10 * 60_000)) events.push(e);
  return events;
}

const byKey = (a: { queue?: string; channel?: string }, b: { queue?: string; channel?: string }) =>
  `${a.queue}/${a.channel}` < `${b.queue}/${b.channel}` ? -1 : `${a.queue}/${a.channel}` > `${b.queue}/${b.channel}` ? 1 : 0;

describe('reference run through a real ccpulse', () => {
  let dir: string;
  let server: ServerProcess;
  const events = referenceRun(FIXTURE.seed);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ccpulse-reference-'));
    server = await ServerProcess.start({ dataDir: join(dir, 'data') });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is the run the fixture was made from', () => {
    expect(events.length).toBe(FIXTURE.events);
    expect(events[0].ts).toBeGreaterThanOrEqual(Date.parse(FIXTURE.from));
    expect(events.at(-1)!.ts).toBeLessThan(Date.parse(FIXTURE.to));
  });

  async function post(run: CcEvent[]): Promise<void> {
    let accepted = 0;
    for (let i = 0; i < run.length; i += BATCH) {
      const r = await server.post('/v1/events', run.slice(i, i + BATCH));
      expect(r.status, JSON.stringify(r.body)).toBe(202);
      expect(r.body.rejected).toEqual([]);
      accepted += r.body.accepted;
    }
    expect(accepted).toBe(run.length);
  }

  async function rows(from: string, to: string): Promise<ExpectedRow[]> {
    const m = await server.get(`/v1/metrics?from=${from}&to=${to}&groupBy=queue,channel`);
    expect(m.status).toBe(200);
    // `final` says whether the row may still change (it depends on what was posted after); the fixture is the metrics
    return (m.body.rows as Array<ExpectedRow & { final?: boolean }>).map(({ final: _final, ...row }) => row as ExpectedRow).sort(byKey);
  }

  it('reports exactly the fixture’s metrics per queue × channel over the run', async () => {
    await post(events);
    expect(await rows(FIXTURE.from, FIXTURE.to)).toEqual([...FIXTURE.rows].sort(byKey));
  }, 60_000);

  it.each(MORE_SEEDS)('agrees with the calculator on seed %i too', async (seed) => {
    const f = referenceFixture(seed, DEFAULT_START + seed * DAY);
    await post(f.run);
    expect(await rows(f.from, f.to)).toEqual([...f.rows].sort(byKey));
  }, 60_000);
});
