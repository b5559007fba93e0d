/**
 * Names from events as parts of an item's key. Kept apart from rules.ts's keys (`kind:queue:channel`,
 * where the channel, from a fixed set, never holds ':'): a key with more names in it escapes them.
 */
/**
 * A name from events as a part of an item's key with more than two names in it: its separators (':' and
 * '>') and '%' written %XX, so that two different conditions never share a key (operator "voice:x" on
 * queue "a", and operator "x" on queue "a:voice", were both "aht-outlier:a:voice:voice:x").
 */
export const keyPart = (name: string) => name.replace(/[%:>]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
