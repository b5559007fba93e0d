import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { adviseTier, type Backend } from '../../storage/tier/advice.js';
import type { Engine } from '../../stream/engine.js';
import { Errors } from '../errors.js';
import { ErrorSchema, NoQuery } from '../schemas.js';

const Reply = Type.Object({
  tier: Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(3)]),
  database: Type.String(),
  reasons: Type.Array(Type.String()),
  note: Type.Union([Type.String(), Type.Null()]),
  current: Type.Object({ backend: Type.String(), tier: Type.Number(), outgrown: Type.Boolean(), approaching: Type.Boolean(), notice: Type.Union([Type.String(), Type.Null()]) }),
  measured: Type.Object({
    operators: Type.Number({ description: 'the most operators working at once (not offline), any minute of the window' }),
    peakEventsPerSec: Type.Number({ description: 'events applied a second in the busiest minute' }),
    eventsPerWeek: Type.Number({ description: 'at the mean rate of the window' }),
    minutes: Type.Number({ description: 'minutes measured (up to a day, since the server started)' }),
  }),
});

/**
 * GET /v1/tier: the storage tier this center needs, from what the server measured over the last day (up
 * to), against the backend it runs on (src/storage/tier). Server-wide figures: with API keys (tenants)
 * it is not for every key, and answers 404 until keys have roles.
 */
export const tierRoute: FastifyPluginAsync<{ engine: Engine; open: boolean }> = async (app, { engine, open }) => {
  app.get('/v1/tier', { config: { role: 'read' }, schema: { querystring: NoQuery, response: { 200: Reply, '4xx': ErrorSchema } } }, async () => {
    if (!open) throw new Errors.NOT_FOUND('the tier advice is server-wide: it is answered only on a server without API keys (an admin role comes with the gateway)');
    const measured = engine.tierMeter.measures();
    const backend = backendOf(engine.storage.backend);
    const advice = adviseTier(measured, backend);
    const round = (x: number) => Math.round(x * 10) / 10;
    return { ...advice, measured: { operators: measured.operators, peakEventsPerSec: round(measured.peakEventsPerSec), eventsPerWeek: Math.round(measured.eventsPerWeek), minutes: measured.minutes } };
  });
};

/** The tier advice's name of a storage backend (the timescale flavour of PostgreSQL is TimescaleDB). */
function backendOf(name: string): Backend {
  if (name === 'pglite' || name === 'clickhouse') return name;
  if (name === 'timescale' || name === 'timescaledb') return 'timescaledb';
  return 'postgres';
}
