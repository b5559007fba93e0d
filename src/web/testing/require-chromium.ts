import fs from 'node:fs';

/** Where Debian's Chromium lives; CCPULSE_CHROMIUM overrides it. Never `npx playwright install`. */
export const CHROMIUM_PATH = process.env.CCPULSE_CHROMIUM || '/usr/bin/chromium';

/** Flags for a quiet headless Chromium inside a container. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * The browser suite needs a system Chromium. Returns its path, or null when it is missing: then under CI
 * (CI set) it throws, so the suite fails with a clear message; elsewhere it prints a loud banner and the
 * caller skips the suite.
 */
export function requireChromium(suite: string): string | null {
  if (isExecutable(CHROMIUM_PATH)) return CHROMIUM_PATH;
  const msg = `${suite}: Chromium not found at ${CHROMIUM_PATH} (install Debian's chromium package or set CCPULSE_CHROMIUM)`;
  if (underCi()) throw new Error(`${msg}. The browser suite must run under CI.`);
  const bar = '!'.repeat(msg.length + 36);
  console.warn(`\n${bar}\n!!! SKIPPING BROWSER SUITE: ${msg} !!!\n${bar}\n`);
  return null;
}

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** CI=true (or any value but empty, 0 and false) marks a CI run. */
function underCi(): boolean {
  const v = process.env.CI;
  return !!v && !/^(0|false)$/i.test(v);
}
