import { expect, it } from 'vitest';
import { iconMarkup, severityMarkup } from './icons.js';

it('draws a channel named like an Object.prototype property with the generic glyph, not Object’s source', () => {
  const other = iconMarkup('fax');
  expect(other).toMatch(/^<circle /);
  for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) expect(iconMarkup(name), name).toBe(other);
  expect(iconMarkup('voice')).not.toBe(other);
});

it('draws each severity with its own shape, and an unknown one (even __proto__) as info', () => {
  const shapes = new Set(['critical', 'warning', 'info'].map(severityMarkup));
  expect(shapes.size).toBe(3);
  for (const name of ['constructor', '__proto__', 'bogus']) expect(severityMarkup(name), name).toBe(severityMarkup('info'));
});
