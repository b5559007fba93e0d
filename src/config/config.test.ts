import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, slPolicyOf } from './config.js';

const dir = mkdtempSync(join(tmpdir(), 'ccpulse-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (o: unknown) => {
  const p = join(dir, `c${Math.random()}.json`);
  writeFileSync(p, JSON.stringify(o));
  return p;
};

describe('configuration', () => {
  it('takes a flag over the environment, the environment over the file, the file over the default', () => {
    const configPath = file({ port: 9001, host: '0.0.0.0', dataDir: '/from-file' });
    const env = { CCPULSE_PORT: '9002', CCPULSE_DATA: '/from-env' };
    const cfg = loadConfig({ configPath, env, flags: { port: 9003 } });
    expect(cfg).toMatchObject({ port: 9003, dataDir: '/from-env', host: '0.0.0.0', logLevel: 'info' });
    expect(loadConfig({ env: {} }).port).toBe(8080);
  });

  it('names every mistake by its path', () => {
    const configPath = file({ port: 'eighty', sl: { queues: { vip: { targetSec: 17.5, shortAbandonSec: 5, abandonsCount: true } } }, colour: 'red' });
    expect(() => loadConfig({ configPath, env: {} })).toThrow(ConfigError);
    try {
      loadConfig({ configPath, env: {} });
    } catch (err) {
      expect((err as Error).message).toMatch(/\/port/);
      expect((err as Error).message).toMatch(/\/colour/);
      expect((err as Error).message).toMatch(/\/sl\/vip\/targetSec: 17.5 s is not a wait-histogram edge/);
    }
  });

  it('judges SL by the queue’s own policy, else the channel’s (email in hours), else the default', () => {
    const cfg = loadConfig({ env: {}, configPath: file({ sl: { default: { targetSec: 20, shortAbandonSec: 5, abandonsCount: true }, queues: { vip: { targetSec: 10, shortAbandonSec: 3, abandonsCount: true } } } }) });
    const of = slPolicyOf(cfg);
    expect(of('support', 'voice').targetSec).toBe(20);
    expect(of('support', 'email').targetSec).toBe(3600);
    expect(of('vip', 'email').targetSec).toBe(10);
  });

  it('takes the admission deadline from the file, keeps the other ingest limits, and refuses a nonsense one', () => {
    const cfg = loadConfig({ env: {}, configPath: file({ ingest: { maxQueueDelayMs: 1500 } }) });
    expect(cfg.ingest).toEqual({ maxEvents: 50_000, maxBytes: 16 * 1024 * 1024, maxQueueDelayMs: 1500 });
    expect(loadConfig({ env: {} }).ingest.maxQueueDelayMs).toBe(1000);
    for (const bad of [0, 10, 1.5, 120_000, '1s']) {
      expect(() => loadConfig({ env: {}, configPath: file({ ingest: { maxQueueDelayMs: bad } }) })).toThrow(/\/ingest\/maxQueueDelayMs/);
    }
  });
});
