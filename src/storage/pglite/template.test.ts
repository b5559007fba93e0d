import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgliteClient } from './client.js';
import { copyTemplate, hasDatabase, isUsableTemplate, makeTemplate } from './template.js';

const root = mkdtempSync(join(tmpdir(), 'ccpulse-template-'));
const template = join(root, 'template');
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the template data directory', () => {
  beforeAll(async () => {
    await makeTemplate(template, async (tmp) => (await PGlite.create(tmp)).close());
  }, 120_000);

  it('is made whole, stamped with this PGlite, and nothing is left beside it', () => {
    expect(isUsableTemplate(template)).toBe(true);
    expect(readdirSync(root)).toEqual(['template']);
  });

  it('is copied into independent databases, each opening without initdb', async () => {
    copyTemplate(template, join(root, 'a'));
    copyTemplate(template, join(root, 'b'));
    expect(readdirSync(join(root, 'a'))).not.toContain('ccpulse-template.json');
    const a = await openPgliteClient(join(root, 'a'));
    const b = await openPgliteClient(join(root, 'b'));
    try {
      await a.exec('CREATE TABLE only_in_a (x int); INSERT INTO only_in_a VALUES (1)');
      expect(await a.query('SELECT x FROM only_in_a')).toEqual([{ x: 1 }]);
      expect(await b.query(`SELECT to_regclass('only_in_a') AS t`)).toEqual([{ t: null }]);
    } finally {
      await a.close();
      await b.close();
    }
    expect(readdirSync(root).sort()).toEqual(['a', 'b', 'template']);
  }, 60_000);

  it('replaces an empty target directory, and refuses one that holds something else', () => {
    mkdirSync(join(root, 'empty'));
    copyTemplate(template, join(root, 'empty'));
    expect(hasDatabase(join(root, 'empty'))).toBe(true);
    mkdirSync(join(root, 'busy'));
    writeFileSync(join(root, 'busy', 'notes.txt'), 'mine');
    expect(() => copyTemplate(template, join(root, 'busy'))).toThrow(`${join(root, 'busy')} is not empty and holds no database`);
    expect(readdirSync(join(root, 'busy'))).toEqual(['notes.txt']);
  });

  it('is not used when another PGlite version made it, or when it is incomplete', () => {
    const other = join(root, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'PG_VERSION'), '18\n');
    writeFileSync(join(other, 'ccpulse-template.json'), JSON.stringify({ pglite: '0.0.1' }));
    expect(isUsableTemplate(other)).toBe(false);
    rmSync(join(other, 'ccpulse-template.json'));
    expect(isUsableTemplate(other)).toBe(false);
    expect(isUsableTemplate(join(root, 'missing'))).toBe(false);
  });

  it('is not made when initdb leaves no database, and leaves nothing behind', async () => {
    const failed = join(root, 'failed');
    await expect(makeTemplate(failed, async () => {})).rejects.toThrow('initdb left no database');
    expect(existsSync(failed)).toBe(false);
    expect(readdirSync(root).filter((n) => n.startsWith('.'))).toEqual([]);
  });
});
