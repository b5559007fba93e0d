/** Channel glyphs: small stroked 24×24 SVGs (Feather-style), tinted with `currentColor`. */

const SVG_NS = 'http://www.w3.org/2000/svg';

/** By channel name; names come from events, so a Map (a channel named `constructor` gets the generic glyph). */
const PATHS: ReadonlyMap<string, string> = new Map(Object.entries({
  voice:
    '<path d="M22 16.92v3a2 2 0 0 1-2.18 2 19.79 19.79 0 0 1-8.63-3.07 19.5 19.5 0 0 1-6-6 19.79 19.79 0 0 1-3.07-8.67A2 2 0 0 1 4.11 2h3a2 2 0 0 1 2 1.72 12.84 12.84 0 0 0 .7 2.81 2 2 0 0 1-.45 2.11L8.09 9.91a16 16 0 0 0 6 6l1.27-1.27a2 2 0 0 1 2.11-.45 12.84 12.84 0 0 0 2.81.7A2 2 0 0 1 22 16.92z"/>',
  telegram: '<path d="M22 2 11 13"/><path d="M22 2 15 22l-4-9-9-4 20-7z"/>',
  vk: '<rect x="2.5" y="2.5" width="19" height="19" rx="5"/><path d="M6.5 8.5c.4 3.6 2.4 6.6 5.8 7h.7v-2.3c1.2.1 2.2 1 2.6 2.3h2c-.5-1.9-1.8-3-2.6-3.4.8-.5 1.9-1.7 2.2-3.6h-1.9c-.4 1.5-1.5 2.6-2.3 2.7V8.5h-1.9v5.2c-1.2-.3-2.6-1.7-2.7-5.2z"/>',
  whatsapp:
    '<path d="M21 11.5a8.38 8.38 0 0 1-.9 3.8 8.5 8.5 0 0 1-7.6 4.7 8.38 8.38 0 0 1-3.8-.9L3 21l1.9-5.7a8.38 8.38 0 0 1-.9-3.8 8.5 8.5 0 0 1 4.7-7.6 8.38 8.38 0 0 1 3.8-.9h.5a8.48 8.48 0 0 1 8 8v.5z"/>',
  webchat: '<path d="M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z"/><path d="M8 9h8M8 13h5"/>',
  cabinet: '<path d="M20 21v-2a4 4 0 0 0-4-4H8a4 4 0 0 0-4 4v2"/><circle cx="12" cy="7" r="4"/>',
  email: '<rect x="2" y="4" width="20" height="16" rx="2"/><path d="m22 6-10 7L2 6"/>',
  outbound: '<path d="M7 17 17 7"/><path d="M8 7h9v9"/>',
  other: '<circle cx="12" cy="12" r="9"/><path d="M12 8v8M8 12h8"/>',
}));

/** The glyph's markup for a channel: static, trusted markup from the table above, never built from data. */
export function iconMarkup(channel: string): string {
  return PATHS.get(channel) ?? PATHS.get('other')!;
}

/** A decorative (aria-hidden) icon element for a channel. */
export function channelIcon(channel: string): SVGSVGElement {
  return glyph(iconMarkup(channel));
}

/** Severity glyphs: an octagon for critical, a triangle for warning, a circle for info (shape, not only colour). */
const SEVERITY_PATHS: ReadonlyMap<string, string> = new Map(Object.entries({
  critical: '<path d="M7.86 2h8.28L22 7.86v8.28L16.14 22H7.86L2 16.14V7.86z"/><path d="M12 7.5v5M12 16.5h.01"/>',
  warning: '<path d="M10.29 3.86 1.82 18a2 2 0 0 0 1.71 3h16.94a2 2 0 0 0 1.71-3L13.71 3.86a2 2 0 0 0-3.42 0z"/><path d="M12 9v4M12 17h.01"/>',
  info: '<circle cx="12" cy="12" r="10"/><path d="M12 16v-4.5M12 8h.01"/>',
}));

/** The glyph's markup for a severity: static markup from the table above; an unknown severity gets info's. */
export function severityMarkup(severity: string): string {
  return SEVERITY_PATHS.get(severity) ?? SEVERITY_PATHS.get('info')!;
}

/** A decorative (aria-hidden) icon element for a severity; the severity's word goes next to it. */
export function severityIcon(severity: string): SVGSVGElement {
  return glyph(severityMarkup(severity));
}

/** A 24×24 stroked SVG of trusted markup (from the tables above only). */
function glyph(markup: string): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', '24');
  svg.setAttribute('height', '24');
  svg.setAttribute('fill', 'none');
  svg.setAttribute('stroke', 'currentColor');
  svg.setAttribute('stroke-width', '2');
  svg.setAttribute('stroke-linecap', 'round');
  svg.setAttribute('stroke-linejoin', 'round');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.innerHTML = markup;
  return svg;
}

/** Channel names that get their own accent colour in the stylesheet (`.ch-voice` …). */
export const KNOWN_CHANNELS = new Set(['voice', 'telegram', 'vk', 'whatsapp', 'webchat', 'cabinet', 'email']);
