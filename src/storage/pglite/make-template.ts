/**
 * `npm run build` runs this after compiling: it makes the template data directory that new embedded
 * databases are copied from (template.ts), so that a first start does not run initdb.
 */
import { PGlite } from '@electric-sql/pglite';
import { BUILT_TEMPLATE_DIR, isUsableTemplate, makeTemplate } from './template.js';

if (isUsableTemplate(BUILT_TEMPLATE_DIR)) {
  process.stdout.write(`PGlite template: ${BUILT_TEMPLATE_DIR} is up to date\n`);
} else {
  const t0 = Date.now();
  // This process ends right after: initdb's memory does not matter here.
  await makeTemplate(BUILT_TEMPLATE_DIR, async (tmp) => (await PGlite.create(tmp)).close());
  process.stdout.write(`PGlite template: made ${BUILT_TEMPLATE_DIR} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}
