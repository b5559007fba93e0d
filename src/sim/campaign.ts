import type { Host, Plugin } from './engine.js';
import { sample, type Rng } from './rng.js';
import type { CampaignDef } from './types.js';

/**
 * Outbound predictive dialer. Only answered calls become appeals (direction 'outbound'): an answered
 * call with a free agent is APPOINTED at once; with no free agent it is dropped (APPEAL_MISSED), which
 * is the "abandon" a dialer must keep under a cap (3% of answered, as regulators and VICIdial do).
 * The dial ratio (dials in flight per free agent) is recomputed every pacingEveryMs from recent drops.
 */
export class Campaign implements Plugin {
  private readonly rng: Rng;
  private readonly free: string[] = [];
  private next = 0;
  private dialing = 0;
  private talking = 0;
  private ratio: number;
  private fixedRatio: number | null = null;
  private finished = false;
  /** Exponentially weighted recent answered / dropped counts: the pacing signal. */
  private ewAnswered = 0;
  private ewDropped = 0;
  private tick = { answered: 0, dropped: 0 };
  readonly counts = { dialed: 0, answered: 0, dropped: 0 };

  constructor(
    private readonly host: Host,
    private readonly def: CampaignDef,
  ) {
    this.rng = host.rng.fork(hash(def.id));
    // Start at one dial per free agent: safe, and the controller raises it once drops prove low.
    this.ratio = 1;
    host.after(def.startAt ?? 0, () => {
      for (let i = 0; i < def.agents; i++) {
        const id = `${def.id}-ag${String(i + 1).padStart(4, '0')}`;
        this.status(id, 'ready');
        this.free.push(id);
      }
      this.pace();
      this.pump();
    });
  }

  active(): boolean {
    return !this.finished;
  }

  setPacing(campaignId: string, ratio: number | null): boolean {
    if (campaignId !== this.def.id) return false;
    this.fixedRatio = ratio;
    this.pump();
    return true;
  }

  stats(): Record<string, unknown> {
    const c = this.counts;
    return { [`campaign:${this.def.id}`]: { ...c, dropPct: c.answered ? (100 * c.dropped) / c.answered : 0, ratio: this.currentRatio() } };
  }

  private currentRatio(): number {
    return this.fixedRatio ?? this.ratio;
  }

  private pace(): void {
    if (this.finished) return;
    const cap = this.def.maxAbandon ?? 0.03;
    this.ewAnswered = 0.7 * this.ewAnswered + this.tick.answered;
    this.ewDropped = 0.7 * this.ewDropped + this.tick.dropped;
    // The cumulative rate is what the cap is judged on, so the controller backs off hard when it nears it.
    const total = this.counts.answered ? this.counts.dropped / this.counts.answered : 0;
    const recent = this.ewAnswered ? this.ewDropped / this.ewAnswered : 0;
    const maxRatio = 3 / this.def.answerRate;
    if (recent > 0.6 * cap || total > 0.8 * cap) this.ratio = Math.max(1, this.ratio * 0.8);
    else if (recent < 0.3 * cap && total < 0.6 * cap) this.ratio = Math.min(maxRatio, this.ratio * 1.1);
    this.tick = { answered: 0, dropped: 0 };
    this.host.after(this.def.pacingEveryMs ?? 15_000, () => this.pace());
  }

  /** Place dials until (dials in flight) reaches ratio × free agents, within lines and the list. */
  private pump(): void {
    const d = this.def;
    const want = Math.floor(this.free.length * this.currentRatio()) - this.dialing;
    const n = Math.min(want, d.lines - this.dialing - this.talking, d.contacts - this.next);
    for (let i = 0; i < n; i++) this.dial();
    if (this.next >= d.contacts && this.dialing === 0 && this.talking === 0 && !this.finished) {
      this.finished = true;
      for (const id of this.free) this.status(id, 'offline');
    }
  }

  private dial(): void {
    const contact = this.next++;
    this.dialing++;
    this.counts.dialed++;
    const answers = this.rng.chance(this.def.answerRate);
    this.host.after(sample(this.rng, answers ? this.def.ringAnswered : this.def.ringNoAnswer), () => {
      this.dialing--;
      if (answers) this.answered(contact);
      this.pump();
    });
  }

  private answered(contact: number): void {
    const d = this.def;
    const appealId = `${this.host.runId}-${d.id}-c${contact}`;
    const base = { appealId, channel: 'voice', queue: d.queue, direction: 'outbound' as const, campaignId: d.id };
    this.counts.answered++;
    this.tick.answered++;
    this.host.emit({ type: 'APPEAL_NEW', ...base });
    this.host.emit({ type: 'APPEAL_SENT_DISTRIBUTION', ...base });
    const agent = this.free.pop();
    if (!agent) {
      this.counts.dropped++;
      this.tick.dropped++;
      this.host.emit({ type: 'APPEAL_MISSED', ...base, attrs: { reason: 'no-agent' } });
      return;
    }
    this.talking++;
    this.host.emit({ type: 'APPEAL_APPOINTED', ...base, operatorId: agent });
    this.status(agent, 'busy');
    this.host.after(sample(this.rng, d.talk), () => {
      this.talking--;
      this.host.emit({ type: 'APPEAL_CLOSED', ...base, operatorId: agent });
      const done = (): void => {
        if (this.finished) return this.status(agent, 'offline');
        this.status(agent, 'ready');
        this.free.push(agent);
        this.pump();
      };
      if (d.wrap === undefined) return done();
      this.status(agent, 'acw');
      this.host.after(sample(this.rng, d.wrap), done);
    });
  }

  private status(operatorId: string, status: 'ready' | 'busy' | 'acw' | 'offline'): void {
    this.host.emit({ type: 'OPERATOR_STATUS', operatorId, status, queue: this.def.queue, channel: 'voice' });
  }
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
