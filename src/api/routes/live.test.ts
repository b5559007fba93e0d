import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../testing/test-app.js';

interface Tile {
  queue: string;
  channel: string;
  operators: Record<string, number>;
  operatorsHome: Record<string, number>;
}

describe('GET /v1/live: operators on several queues', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('counts an operator based on one queue who handles an appeal on another in both tiles, but at home only once: the tiles add up to the center', async () => {
    const ts = Date.now() - 1_000;
    const events = [
      { id: 's1', type: 'OPERATOR_STATUS', ts, operatorId: 'op1', status: 'busy', queue: 'sales', channel: 'voice' },
      { id: 's2', type: 'OPERATOR_STATUS', ts, operatorId: 'op2', status: 'ready', queue: 'support', channel: 'voice' },
      { id: 'a-new', type: 'APPEAL_NEW', ts, appealId: 'a', queue: 'support', channel: 'voice' },
      { id: 'a-sd', type: 'APPEAL_SENT_DISTRIBUTION', ts, appealId: 'a', queue: 'support', channel: 'voice' },
      { id: 'a-ap', type: 'APPEAL_APPOINTED', ts: ts + 500, appealId: 'a', queue: 'support', channel: 'voice', operatorId: 'op1' },
    ];
    const res = await t.app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(events) });
    expect(res.statusCode, res.body).toBe(202);
    const live = (await t.app.inject({ url: '/v1/live' })).json() as { tiles: Tile[]; operators: Record<string, number> };
    const tile = (queue: string) => live.tiles.find((x) => x.queue === queue && x.channel === 'voice')!;
    expect(tile('sales').operators).toMatchObject({ busy: 1, ready: 0 });
    expect(tile('sales').operatorsHome).toMatchObject({ busy: 1, ready: 0 });
    // op1 works on support now (staffing counts them there), but is based on sales
    expect(tile('support').operators).toMatchObject({ busy: 1, ready: 1 });
    expect(tile('support').operatorsHome).toMatchObject({ busy: 0, ready: 1 });
    expect(live.operators).toMatchObject({ busy: 1, ready: 1 });
    for (const status of ['busy', 'ready'] as const) {
      expect(live.tiles.reduce((n, x) => n + x.operatorsHome[status], 0)).toBe(live.operators[status]);
    }
  });
});
