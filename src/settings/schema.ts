/**
 * A tenant's settings as edited in the dashboard and saved through PUT /v1/settings: the parts of the
 * config file (`sl`, `recommend.slTargetPct`, `recommend.thresholds`, `recommend.chatConcurrency`) that
 * a head of support tunes per queue and channel. Each entry given overrides the config file's entry of
 * the same name; what is left out stays as configured.
 */
import { Type, type Static } from '@sinclair/typebox';
import { SlPolicySchema, ThresholdsSchema } from '../config/config.js';
import { isBinEdge } from '../metrics/wait-histogram.js';
import { CONTROL_OR_BROKEN, NAME_MAX_LENGTH } from '../contract/event.js';

const CONTROL_OR_BROKEN_ALL = new RegExp(CONTROL_OR_BROKEN.source, 'g');

/** The most operators one team may list (a center has at most a few thousand operators). */
export const MAX_TEAM_SIZE = 5_000;
/** The most team memberships in all (each operator is in one team at most). */
export const MAX_MEMBERS = 20_000;

export const TenantSettingsSchema = Type.Object(
  {
    /** SL policies: the default's, a channel's, a queue's (a queue's applies to all its channels). */
    sl: Type.Optional(
      Type.Object(
        {
          default: Type.Optional(SlPolicySchema),
          queues: Type.Optional(Type.Record(Type.String(), SlPolicySchema)),
          channels: Type.Optional(Type.Record(Type.String(), SlPolicySchema)),
        },
        { additionalProperties: false },
      ),
    ),
    /** The SL target, % within the policy's targetSec: per queue, "default" for the rest. */
    slTargetPct: Type.Optional(Type.Record(Type.String(), Type.Number({ minimum: 1, maximum: 99.9 }))),
    /** Alert thresholds per queue ("default" for the rest), each field over the config file's. */
    thresholds: Type.Optional(Type.Record(Type.String(), Type.Partial(ThresholdsSchema))),
    /** Chats an operator may hold at once, per chat channel. */
    chatConcurrency: Type.Optional(Type.Record(Type.String(), Type.Integer({ minimum: 1, maximum: 20 }))),
    /** Teams by name, each with its operators' ids (as events name them); an operator is in one team at most. Reports group by them. */
    teams: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String(), { maxItems: MAX_TEAM_SIZE }))),
  },
  { additionalProperties: false },
);

export type TenantSettings = Static<typeof TenantSettingsSchema>;

/** The most entries one section may hold (a center has at most a few thousand queues). */
export const MAX_ENTRIES = 5_000;
/** The longest queue or channel name, as in events. */
export const MAX_NAME = 200;

export interface SettingsProblem {
  path: string;
  message: string;
}

const pointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * What the schema cannot say: names within bounds, sections within MAX_ENTRIES, SL thresholds on the
 * wait histogram's edges (SL is judged from the histograms, so a threshold between edges cannot be exact).
 */
export function settingsProblems(doc: TenantSettings): SettingsProblem[] {
  const out: SettingsProblem[] = [];
  const named = (path: string, section: Record<string, unknown> | undefined) => {
    if (!section) return [];
    const entries = Object.entries(section);
    if (entries.length > MAX_ENTRIES) out.push({ path, message: `holds ${entries.length} entries; at most ${MAX_ENTRIES}` });
    for (const [name] of entries) {
      const at = `${path}/${pointer(name.slice(0, MAX_NAME)).replace(CONTROL_OR_BROKEN_ALL, '\ufffd')}`;
      if (name.length === 0 || name.length > MAX_NAME) out.push({ path: at, message: `a name must be 1 to ${MAX_NAME} characters` });
      // as in events: such a name names no queue, and the stores refuse it (a NUL in PostgreSQL's text)
      else if (CONTROL_OR_BROKEN.test(name)) out.push({ path: at, message: 'a name must not contain control characters or unpaired UTF-16 surrogates' });
    }
    return entries;
  };
  const policies: Array<[string, { targetSec: number; shortAbandonSec: number }]> = [];
  if (doc.sl?.default) policies.push(['/settings/sl/default', doc.sl.default]);
  for (const part of ['queues', 'channels'] as const) {
    for (const [name, p] of named(`/settings/sl/${part}`, doc.sl?.[part])) policies.push([`/settings/sl/${part}/${pointer(name)}`, p as { targetSec: number; shortAbandonSec: number }]);
  }
  for (const [at, p] of policies) {
    for (const field of ['targetSec', 'shortAbandonSec'] as const) {
      if (!isBinEdge(p[field])) {
        out.push({ path: `${at}/${field}`, message: `${p[field]} s is not a wait-histogram edge (whole seconds below 120, multiples of 5 below 600, whole minutes below 3600, quarter hours beyond)` });
      }
    }
  }
  named('/settings/slTargetPct', doc.slTargetPct);
  named('/settings/thresholds', doc.thresholds);
  named('/settings/chatConcurrency', doc.chatConcurrency);
  teamProblems(named('/settings/teams', doc.teams) as Array<[string, string[]]>, out);
  return out;
}

/** Operator ids as in events (1–MAX_NAME characters, no control characters), each in one team at most. */
function teamProblems(teams: Array<[string, string[]]>, out: SettingsProblem[]): void {
  const members = teams.reduce((n, [, ops]) => n + ops.length, 0);
  if (members > MAX_MEMBERS) {
    out.push({ path: '/settings/teams', message: `lists ${members} operators in all; at most ${MAX_MEMBERS}` });
    return; // (not each of them checked and named: the answer would be as large as the document)
  }
  const teamOf = new Map<string, string>();
  for (const [team, operators] of teams) {
    if (team.trim() !== team) out.push({ path: `/settings/teams/${pointer(team.slice(0, MAX_NAME)).replace(CONTROL_OR_BROKEN_ALL, '\ufffd')}`, message: 'a team name must not begin or end with spaces' });
    operators.forEach((op, i) => {
      const at = `/settings/teams/${pointer(team.slice(0, MAX_NAME)).replace(CONTROL_OR_BROKEN_ALL, '\ufffd')}/${i}`;
      if (op.length === 0 || op.length > NAME_MAX_LENGTH.operatorId) out.push({ path: at, message: `an operator id must be 1 to ${NAME_MAX_LENGTH.operatorId} characters, as in events` });
      else if (CONTROL_OR_BROKEN.test(op)) out.push({ path: at, message: 'an operator id must not contain control characters or unpaired UTF-16 surrogates' });
      else {
        const other = teamOf.get(op);
        if (other === undefined) teamOf.set(op, team);
        else out.push({ path: at, message: other === team ? `operator "${op}" is listed twice` : `operator "${op}" is already in team "${other.slice(0, MAX_NAME)}": an operator is in one team at most` });
      }
    });
  }
}
