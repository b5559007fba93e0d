import { expect } from 'vitest';
import { StaffingInputError } from '../errors.js';

/** The field the StaffingInputError thrown by `f` names, or 'no error'; anything else thrown fails the test. */
export function failingField(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(StaffingInputError);
    return (e as StaffingInputError).field;
  }
  return 'no error';
}
