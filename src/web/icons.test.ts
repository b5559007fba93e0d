import { expect, it } from 'vitest';
import { iconMarkup } from './icons.js';

it('draws a channel named like an Object.prototype property with the generic glyph, not Object’s source', () => {
  const other = iconMarkup('fax');
  expect(other).toMatch(/^<circle /);
  for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) expect(iconMarkup(name), name).toBe(other);
  expect(iconMarkup('voice')).not.toBe(other);
});
