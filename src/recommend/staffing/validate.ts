/**
 * Domain checks shared by the public entry points. Each throws a StaffingInputError naming the field,
 * so the message a person sees points at what they typed.
 */
import { StaffingInputError } from './errors.js';

export interface NumberDomain {
  /** Smallest allowed value. */
  min?: number;
  /** Whether `min` itself is excluded (for "positive"). */
  minExclusive?: boolean;
  /** Largest allowed value. */
  max?: number;
  /** Whether `max` itself is excluded. */
  maxExclusive?: boolean;
  /** Whole numbers only. */
  integer?: boolean;
}

/** `value` as a number in the domain, or a StaffingInputError naming `field`. */
export function checkNumber(field: string, value: unknown, domain: NumberDomain = {}): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new StaffingInputError(field, `must be a finite number, got ${describe(value)}`);
  if (domain.integer && !Number.isInteger(value)) throw new StaffingInputError(field, `must be a whole number, got ${value}`);
  const { min, max } = domain;
  if (min !== undefined && (domain.minExclusive ? value <= min : value < min)) {
    throw new StaffingInputError(field, `must be ${domain.minExclusive ? 'greater than' : 'at least'} ${min}, got ${value}`);
  }
  if (max !== undefined && (domain.maxExclusive ? value >= max : value > max)) {
    throw new StaffingInputError(field, `must be ${domain.maxExclusive ? 'less than' : 'at most'} ${max}, got ${value}`);
  }
  return value;
}

/** A service-level target in percent, strictly between 0 and 100 (100 % is never met by a queue with random arrivals). */
export function checkTargetSlPct(value: unknown, field = 'targetSlPct'): number {
  return checkNumber(field, value, { min: 0, minExclusive: true, max: 100, maxExclusive: true });
}

function describe(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (value === undefined) return 'nothing';
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}
