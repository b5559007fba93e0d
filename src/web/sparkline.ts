/**
 * A tiny trend of one number (waiting now) sampled by the page, drawn on a canvas. The history starts
 * when the page opens; the server does not send one.
 */
export const SPARK_SAMPLES = 120;
const MIN_SPAN = 12;

export class Sparkline {
  readonly el: HTMLCanvasElement;
  private readonly values: number[] = [];
  private w = 0;
  private h = 0;

  constructor(label: string) {
    this.el = document.createElement('canvas');
    this.el.className = 'spark';
    this.el.setAttribute('role', 'img');
    this.el.setAttribute('aria-label', label);
    this.el.title = label;
  }

  push(v: number): void {
    this.values.push(v);
    if (this.values.length > SPARK_SAMPLES) this.values.shift();
    this.draw();
  }

  draw(): void {
    const c = this.el;
    const cssW = c.clientWidth;
    const cssH = c.clientHeight;
    if (!cssW || !cssH) return;
    const dpr = Math.min(2, window.devicePixelRatio || 1);
    const w = Math.round(cssW * dpr);
    const h = Math.round(cssH * dpr);
    if (w !== this.w || h !== this.h) {
      c.width = this.w = w;
      c.height = this.h = h;
    }
    const g = c.getContext('2d');
    if (!g) return;
    g.clearRect(0, 0, w, h);
    const n = this.values.length;
    if (n < 2) return;
    const max = Math.max(4, ...this.values) * 1.25; // headroom: a flat line is not a full block
    // The window grows from one minute to the full ten as history accumulates.
    const step = w / (Math.max(n, MIN_SPAN) - 1);
    const x0 = w - (n - 1) * step;
    const pad = 2 * dpr;
    const y = (v: number): number => h - pad - (v / max) * (h - 2 * pad);
    const color = getComputedStyle(c).color || '#8ea2c8';

    g.beginPath();
    g.moveTo(x0, h);
    for (let i = 0; i < n; i++) g.lineTo(x0 + i * step, y(this.values[i]));
    g.lineTo(x0 + (n - 1) * step, h);
    g.closePath();
    g.globalAlpha = 0.12;
    g.fillStyle = color;
    g.fill();

    g.beginPath();
    for (let i = 0; i < n; i++) {
      const px = x0 + i * step;
      const py = y(this.values[i]);
      if (i === 0) g.moveTo(px, py);
      else g.lineTo(px, py);
    }
    g.globalAlpha = 0.9;
    g.strokeStyle = color;
    g.lineWidth = 1.5 * dpr;
    g.lineJoin = 'round';
    g.stroke();
    g.globalAlpha = 1;
  }
}
