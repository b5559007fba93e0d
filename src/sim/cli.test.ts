import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CcEvent } from '../contract/event.js';
import { createHttpSink, parseDuration, simulateCommand } from '../cli/simulate.js';
import { createSimulation } from './index.js';

const START = '2026-03-02T10:00:00Z';

function expected(scenario: string, seed: number, durationMs?: number): CcEvent[] {
  const sim = createSimulation({ scenario, seed, startTime: Date.parse(START), durationMs });
  const out: CcEvent[] = [];
  while (!sim.done) out.push(...sim.next(sim.now + 60_000));
  return out;
}

/** Run the command the way main.ts does, with stderr/stdout captured. */
async function cli(args: Record<string, string | boolean>): Promise<{ code: number; err: string; out: string }> {
  let err = '';
  let out = '';
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c) => ((err += String(c)), true));
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c) => ((out += String(c)), true));
  try {
    const code = await simulateCommand.run(args, []);
    return { code, err, out };
  } finally {
    e.mockRestore();
    o.mockRestore();
  }
}

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['10m', 600_000],
    ['2h', 7_200_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1.5h', 5_400_000],
    ['45', 45_000],
  ])('%s → %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '10x', 'm', '5 m', '1h-2m'])('rejects "%s"', (text) => expect(() => parseDuration(text)).toThrow(/bad duration/));
});

describe('ccpulse simulate', () => {
  it('--help prints the usage', async () => {
    const r = await cli({ help: true });
    expect(r.code).toBe(0);
    expect(r.out).toContain('--scenario NAME');
    expect(r.out).toContain('--reorder-window');
  });

  it('rejects bad arguments with exit code 2', async () => {
    expect((await cli({ scenario: 'nope' })).code).toBe(2);
    expect((await cli({ scenario: 'demo', speed: '-1' })).code).toBe(2);
    expect((await cli({ scenario: 'demo', drop: '2' })).code).toBe(2);
    expect((await cli({ scenario: 'demo', target: 'http://x', out: 'y' })).code).toBe(2);
  });

  it('--out writes the run as NDJSON and prints a summary', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ccpulse-sim-')), 'ref.ndjson');
    const r = await cli({ scenario: 'reference', seed: '7', start: START, out: file });
    expect(r.code).toBe(0);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as CcEvent);
    expect(lines).toEqual(expected('reference', 7));
    expect(r.err).toMatch(/APPEAL_NEW\s+\d+/);
    expect(r.err).toMatch(/abandons \d+/);
    expect(r.err).toMatch(/ev\/s/);
  });

  it('fault flags override the scenario’s faults', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ccpulse-sim-')), 'd.ndjson');
    const r = await cli({ scenario: 'demo', seed: '1', start: START, duration: '30m', duplicate: '0.05', out: file });
    expect(r.code).toBe(0);
    const ids = readFileSync(file, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as CcEvent).id);
    expect(ids.length - new Set(ids).size).toBeGreaterThan(100);
    expect(r.err).toMatch(/duplicated \d+/);
  });

  describe('--target', () => {
    let server: Server;
    let url: string;
    const bodies: CcEvent[][] = [];
    let failNext = 1;
    beforeAll(async () => {
      server = createServer((req, res) => {
        let data = '';
        req.on('data', (c) => (data += c));
        req.on('end', () => {
          if (req.url !== '/v1/events' || req.method !== 'POST') return void res.writeHead(404).end();
          if (failNext > 0) {
            failNext--;
            return void res.writeHead(503).end('busy');
          }
          const batch = JSON.parse(data) as CcEvent[];
          bodies.push(batch);
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: batch.length, duplicates: 0, rejected: [] }));
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const addr = server.address();
      url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it('POSTs every event in batches of at most 5000, retrying a 503', async () => {
      const r = await cli({ scenario: 'demo', seed: '2', start: START, duration: '2h', speed: 'max', target: url });
      expect(r.code).toBe(0);
      expect(bodies.every((b) => b.length > 0 && b.length <= 5_000)).toBe(true);
      expect(bodies.flat()).toEqual(expected('demo', 2, 7_200_000));
      expect(r.err).toMatch(/1 retries/);
    });

    it('gives up after maxAttempts on connection errors, and at once on a 4xx', async () => {
      const dead = createHttpSink('http://127.0.0.1:9', { maxAttempts: 3, baseDelayMs: 5 });
      await expect(dead.sink([{ id: 'x', type: 'APPEAL_NEW', ts: 1 }])).rejects.toThrow(/after 3 attempts/);
      expect(dead.stats.retries).toBe(2);
      const notFound = createHttpSink(`${url}/nope`, { maxAttempts: 3, baseDelayMs: 5 });
      await expect(notFound.sink([{ id: 'x', type: 'APPEAL_NEW', ts: 1 }])).rejects.toThrow(/HTTP 404/);
      expect(notFound.stats.retries).toBe(0);
    });
  });
});
