/**
 * Reliability diagram: per confidence bin, how often the model is right against how sure it was. Bars on
 * the diagonal are a calibrated model; bars below it an overconfident one. Below, how many predictions
 * fall in each bin.
 */
import type { Reliability } from '../eval/calibration';
import { COLORS, Figure, Trace } from './figure';

export interface CalibrationOptions {
  /** The same test set after temperature scaling, drawn next to the raw bars. */
  scaled?: Reliability & { temperature: number };
  /** Default 'Reliability diagram'; '' for none. The ECE is appended. */
  title?: string;
}

const percent = (v: number) => `${(v * 100).toFixed(2)}%`;

export function calibrationFigure(reliability: Reliability, opts: CalibrationOptions = {}): Figure {
  const series = [{ name: 'model', rel: reliability, color: COLORS[0] }];
  if (opts.scaled) series.push({ name: `temperature ${opts.scaled.temperature.toFixed(2)}`, rel: opts.scaled, color: COLORS[1] });
  const width = 1 / reliability.bins.length / series.length;
  const data: Trace[] = [];
  series.forEach(({ name, rel, color }, s) => {
    const x = rel.bins.map((b) => b.lower + width * (s + 0.5));
    const hover = rel.bins.map((b) => `${name}<br>confidence (${b.lower.toFixed(2)}, ${b.upper.toFixed(2)}]<br>${b.count} predictions<br>mean confidence ${percent(b.confidence)}<br>accuracy ${percent(b.accuracy)}`);
    data.push({
      type: 'bar',
      name: `${name}: ECE ${percent(rel.ece)}`,
      legendgroup: name,
      x,
      y: rel.bins.map((b) => (b.count ? b.accuracy : null)),
      width,
      marker: { color },
      text: hover,
      hovertemplate: '%{text}<extra></extra>',
      textposition: 'none',
    });
    data.push({
      type: 'bar',
      name: `${name}: predictions`,
      legendgroup: name,
      showlegend: false,
      x,
      y: rel.bins.map((b) => b.count || null),
      width,
      marker: { color },
      xaxis: 'x2',
      yaxis: 'y2',
      hovertemplate: `${name}<br>%{y} predictions<extra></extra>`,
    });
  });
  data.push({ type: 'scatter', mode: 'lines', name: 'calibrated', x: [0, 1], y: [0, 1], line: { color: '#888', dash: 'dash' }, hoverinfo: 'skip' });
  const ece = `ECE ${percent(reliability.ece)}${opts.scaled ? ` → ${percent(opts.scaled.ece)} after temperature scaling` : ''}`;
  const text = opts.title ?? 'Reliability diagram';
  return {
    data,
    layout: {
      title: text === '' ? undefined : { text: `${text}<br><sub>${ece} (${reliability.bins.length} bins)</sub>`, y: 0.97, yanchor: 'top' },
      width: 640,
      height: 660,
      margin: { l: 70, r: 30, t: text === '' ? 50 : 120, b: 55 },
      barmode: 'overlay',
      legend: { orientation: 'h', x: 0, y: 1.02, yanchor: 'bottom' },
      xaxis: { domain: [0, 1], range: [0, 1], anchor: 'y', showticklabels: false },
      yaxis: { domain: [0.32, 1], range: [0, 1], title: { text: 'accuracy' } },
      xaxis2: { domain: [0, 1], range: [0, 1], anchor: 'y2', title: { text: 'confidence (top-class probability)' } },
      yaxis2: { domain: [0, 0.25], type: 'log', dtick: 1, title: { text: 'predictions' }, anchor: 'x2' },
    },
  };
}
