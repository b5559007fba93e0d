/**
 * Every tenant's settings as the server applies them: read from storage at start, saved through
 * PUT /v1/settings (at the version read, so two supervisors editing at once do not overwrite each other
 * unseen), and in effect from the save on: the live view, the advice and history read a tenant's rules
 * here on each use. A tenant with nothing saved has the config file's rules.
 */
import type { Storage, StoredSettings } from '../storage/storage.js';
import { cellRules, effectiveSettings, type CellRules, type RuleSettings } from './rules.js';
import type { TenantSettings } from './schema.js';

interface Saved {
  version: number;
  updatedAt: number;
  settings: TenantSettings;
  effective: RuleSettings;
  rules: CellRules;
}

export interface SettingsView {
  /** 0 while nothing was saved: PUT with version 0 saves the first. */
  version: number;
  updatedAt: number | null;
  /** What was saved: each entry overrides the config file's of the same name. */
  settings: TenantSettings;
  /** The config file's settings with the saved ones over them: what the server applies. */
  effective: RuleSettings;
  /** The config file's settings alone. */
  configured: RuleSettings;
}

export type SaveResult = { saved: true; view: SettingsView } | { saved: false; currentVersion: number };

export class SettingsBook {
  private readonly saved = new Map<string, Saved>();
  private readonly baseRules: CellRules;
  /** The config file's settings as `effective` shows them, for a tenant with nothing saved. */
  private readonly baseEffective: RuleSettings;
  private readonly listeners = new Set<(tenant: string) => void>();

  constructor(
    private readonly base: RuleSettings,
    private readonly storage: Pick<Storage, 'putSettings' | 'listSettings'>,
  ) {
    this.baseEffective = effectiveSettings(base, {});
    this.baseRules = cellRules(this.baseEffective);
  }

  /** Reads every tenant's saved settings (at start, and after a save lost to another writer). */
  async load(): Promise<void> {
    for (const row of await this.storage.listSettings()) this.remember(row);
  }

  rulesOf(tenant: string): CellRules {
    return this.saved.get(tenant)?.rules ?? this.baseRules;
  }

  view(tenant: string): SettingsView {
    const s = this.saved.get(tenant);
    return {
      version: s?.version ?? 0,
      updatedAt: s?.updatedAt ?? null,
      settings: s?.settings ?? {},
      effective: s?.effective ?? this.baseEffective,
      configured: this.base,
    };
  }

  /** Saves a tenant's settings if they are still at `expectedVersion`; in effect at once. */
  async save(tenant: string, settings: TenantSettings, expectedVersion: number, now: number): Promise<SaveResult> {
    const current = this.saved.get(tenant)?.version ?? 0;
    if (current !== expectedVersion) return { saved: false, currentVersion: current };
    const row: StoredSettings = { tenant, version: expectedVersion + 1, settings: JSON.stringify(settings), updatedAt: now };
    if (!(await this.storage.putSettings(row, expectedVersion))) {
      // another writer saved first: take what it saved
      await this.load();
      return { saved: false, currentVersion: this.saved.get(tenant)?.version ?? 0 };
    }
    this.remember(row);
    for (const fn of this.listeners) fn(tenant);
    return { saved: true, view: this.view(tenant) };
  }

  /** Called after a tenant's settings changed (the live view re-renders its tiles, the advice re-evaluates). */
  onChange(fn: (tenant: string) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private remember(row: StoredSettings): void {
    const had = this.saved.get(row.tenant);
    if (had && had.version >= row.version) return;
    const settings = JSON.parse(row.settings) as TenantSettings;
    const effective = effectiveSettings(this.base, settings);
    this.saved.set(row.tenant, { version: row.version, updatedAt: row.updatedAt, settings, effective, rules: cellRules(effective, settings.teams) });
  }
}
