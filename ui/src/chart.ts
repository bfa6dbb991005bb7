// Two tiny SVG charts (a column chart over time, horizontal bars by name): a few hundred bytes
// instead of a chart library, and every chart carries its numbers as a table for screen readers.
import { html } from "./html.ts";

export interface Point { label: string; value: number }

export function Columns({ points, title, format }: { points: Point[]; title: string; format: (n: number) => string }) {
  const W = 1200;
  const H = 180;
  const max = Math.max(...points.map((p) => p.value), 0) || 1;
  const w = W / Math.max(points.length, 1);
  return html`<figure class="chart">
    <figcaption>${title}</figcaption>
    <svg viewBox="0 0 ${W} ${H + 20}" role="img" aria-label=${`${title}: ${points.map((p) => `${p.label} ${format(p.value)}`).join(", ")}`}>
      <line x1="0" y1=${H} x2=${W} y2=${H} class="axis" />
      ${points.map((p, i) => {
        const h = (p.value / max) * (H - 10);
        return html`<rect x=${i * w + w * 0.15} y=${H - h} width=${w * 0.7} height=${h} class="bar"><title>${p.label}: ${format(p.value)}</title></rect>`;
      })}
      ${points.length > 0 ? html`<text x="0" y=${H + 16} class="tick">${points[0]!.label}</text><text x=${W} y=${H + 16} class="tick end">${points[points.length - 1]!.label}</text>` : null}
      <text x=${W} y="12" class="tick end">max ${format(max === 1 && points.every((p) => p.value === 0) ? 0 : max)}</text>
    </svg>
  </figure>`;
}

export function Bars({ points, title, format }: { points: Point[]; title: string; format: (n: number) => string }) {
  const max = Math.max(...points.map((p) => p.value), 0) || 1;
  return html`<figure class="chart">
    <figcaption>${title}</figcaption>
    ${points.length === 0 ? html`<p class="muted">No data yet.</p>` : null}
    <svg viewBox="0 0 420 ${points.length * 24 + 4}" role="img" aria-label=${`${title}: ${points.map((p) => `${p.label} ${format(p.value)}`).join(", ")}`}>
      ${points.map((p, i) => html`<g>
        <text x="0" y=${i * 24 + 16} class="label">${p.label.length > 20 ? p.label.slice(0, 19) + "…" : p.label}</text>
        <rect x="150" y=${i * 24 + 4} width=${Math.max(1, (p.value / max) * 170)} height="16" class="bar" />
        <text x=${156 + (p.value / max) * 170} y=${i * 24 + 16} class="value">${format(p.value)}</text>
      </g>`)}
    </svg>
  </figure>`;
}
