/**
 * A tiny trend of one number (appeals open: waiting or in handling) over the last hour, drawn on a
 * canvas: seeded from history (GET /v1/metrics, one point a minute) when the page opens, then sampled by
 * the page every few seconds. Points are placed by their time, so the two cadences share one axis.
 */
export const SPARK_SPAN_MS = 60 * 60_000;

export class Sparkline {
  readonly el: HTMLCanvasElement;
  private points: Array<{ t: number; v: number }> = [];
  private w = 0;
  private h = 0;

  constructor(label: string) {
    this.el = document.createElement('canvas');
    this.el.className = 'spark';
    this.el.setAttribute('role', 'img');
    this.el.setAttribute('aria-label', label);
    this.el.title = label;
  }

  /** History before the first sample: points older than the page's samples, in time order or not. */
  seed(points: ReadonlyArray<{ t: number; v: number }>): void {
    const firstSample = this.points[0]?.t ?? Infinity;
    const older = points.filter((p) => p.t < firstSample && Number.isFinite(p.v));
    this.points = [...older.sort((a, b) => a.t - b.t), ...this.points];
    this.el.dataset.points = String(this.points.length);
    this.draw();
  }

  push(v: number, t = Date.now()): void {
    this.points.push({ t, v });
    while (this.points.length && this.points[0].t < t - SPARK_SPAN_MS) this.points.shift();
    this.el.dataset.points = String(this.points.length);
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
    const pts = this.points;
    const n = pts.length;
    if (n < 2) return;
    const end = pts[n - 1].t;
    const start = end - SPARK_SPAN_MS;
    const max = Math.max(4, ...pts.map((p) => p.v)) * 1.25; // headroom: a flat line is not a full block
    const pad = 2 * dpr;
    const x = (t: number): number => Math.max(0, ((t - start) / SPARK_SPAN_MS) * w);
    const y = (v: number): number => h - pad - (v / max) * (h - 2 * pad);
    const color = getComputedStyle(c).color || '#8ea2c8';

    g.beginPath();
    g.moveTo(x(pts[0].t), h);
    for (const p of pts) g.lineTo(x(p.t), y(p.v));
    g.lineTo(x(end), h);
    g.closePath();
    g.globalAlpha = 0.12;
    g.fillStyle = color;
    g.fill();

    g.beginPath();
    pts.forEach((p, i) => (i === 0 ? g.moveTo(x(p.t), y(p.v)) : g.lineTo(x(p.t), y(p.v))));
    g.globalAlpha = 0.9;
    g.strokeStyle = color;
    g.lineWidth = 1.5 * dpr;
    g.lineJoin = 'round';
    g.stroke();
    g.globalAlpha = 1;
  }
}
