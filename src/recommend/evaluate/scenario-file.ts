/**
 * A scenario given as a JSON file (`ccpulse evaluate --scenario-file`): the simulator's own format
 * (src/sim/types.ts ScenarioDef), checked field by field so a mistake is named where it is. Times are
 * milliseconds of simulated time. Faults and campaigns are not taken: the closed loop measures staffing.
 */
import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { ScenarioDef } from '../../sim/index.js';

const Ms = Type.Number({ minimum: 0, maximum: 7 * 86_400_000 });
const Dist = Type.Union([
  Ms,
  Type.Object({ exp: Ms }, { additionalProperties: false }),
  Type.Object({ logn: Ms, cv: Type.Number({ minimum: 0, maximum: 10 }) }, { additionalProperties: false }),
  Type.Object({ uniform: Type.Tuple([Ms, Ms]) }, { additionalProperties: false }),
]);
const Name = Type.String({ minLength: 1, maxLength: 64, pattern: '^[^/:]+$' });

const ScenarioFileSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128 }),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    /** Required here: the closed loop runs a finite stretch of time (at most a day). */
    durationMs: Type.Number({ minimum: 15 * 60_000, maximum: 86_400_000 }),
    streams: Type.Array(
      Type.Object(
        {
          queue: Name,
          channel: Name,
          perHour: Type.Number({ minimum: 0, maximum: 100_000 }),
          handle: Dist,
          patience: Type.Optional(Dist),
          routeDelay: Type.Optional(Dist),
          acw: Type.Optional(Dist),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 200 },
    ),
    operators: Type.Array(
      Type.Object(
        {
          n: Type.Integer({ minimum: 0, maximum: 5_000 }),
          skills: Type.Array(Type.String({ pattern: '^[^/]+/[^/]+$' }), { minItems: 1, maxItems: 50 }),
          concurrency: Type.Optional(Type.Record(Type.String(), Type.Integer({ minimum: 1, maximum: 20 }))),
          shift: Type.Optional(Type.Tuple([Ms, Ms])),
          breaks: Type.Optional(Type.Object({ every: Dist, length: Dist }, { additionalProperties: false })),
          prefix: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,16}$' })),
        },
        { additionalProperties: false },
      ),
      { maxItems: 200 },
    ),
    load: Type.Optional(
      Type.Object(
        {
          timeOfDay: Type.Optional(Type.Array(Type.Number({ minimum: 0, maximum: 100 }), { minItems: 24, maxItems: 24 })),
          tzOffsetHours: Type.Optional(Type.Number({ minimum: -14, maximum: 14 })),
          weekday: Type.Optional(Type.Array(Type.Number({ minimum: 0, maximum: 100 }), { minItems: 7, maxItems: 7 })),
          startHour: Type.Optional(Type.Number({ minimum: 0, maximum: 23 })),
          sine: Type.Optional(Type.Object({ amplitude: Type.Number({ minimum: 0, maximum: 1 }), periodMs: Type.Number({ minimum: 60_000 }), phase: Type.Optional(Type.Number()) }, { additionalProperties: false })),
          windows: Type.Optional(
            Type.Array(
              Type.Object(
                { from: Ms, to: Ms, factor: Type.Number({ minimum: 0, maximum: 100 }), queue: Type.Optional(Name), channel: Type.Optional(Name) },
                { additionalProperties: false },
              ),
              { maxItems: 1000 },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export class ScenarioFileError extends Error {}

/** Reads and checks a scenario file; every problem is named by its path in the file. */
export function readScenarioFile(path: string): ScenarioDef {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ScenarioFileError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ScenarioFileError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  return parseScenario(data, path);
}

export function parseScenario(data: unknown, where = 'scenario'): ScenarioDef {
  const errors = [...Value.Errors(ScenarioFileSchema, data)].slice(0, 5).map((e) => `${e.path || '/'}: ${e.message}`);
  if (errors.length) throw new ScenarioFileError(`${where}: ${errors.join('; ')}`);
  const s = data as Static<typeof ScenarioFileSchema>;
  const streams = new Set(s.streams.map((x) => `${x.queue}/${x.channel}`));
  s.operators.forEach((g, i) =>
    g.skills.forEach((k, j) => {
      if (!streams.has(k)) throw new ScenarioFileError(`${where}: /operators/${i}/skills/${j}: "${k}" is not a queue/channel of streams`);
    }),
  );
  return { description: '', ...s } as ScenarioDef;
}
