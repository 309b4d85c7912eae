/** A one-line terminal progress bar; on a non-TTY (CI, logs) it prints at most one line per ten percent. */

export interface ProgressBar {
  update(done: number, fields?: Record<string, string>): void;
  finish(fields?: Record<string, string>): void;
}

export function formatSeconds(seconds: number): string {
  if (!isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : `${m}:${String(s % 60).padStart(2, '0')}`;
}

export function progressBar(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  const start = Date.now();
  const width = 24;
  let lastDecile = -1;
  const render = (done: number, fields: Record<string, string>, final: boolean) => {
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    const elapsed = (Date.now() - start) / 1000;
    const eta = fraction > 0 ? (elapsed / fraction) * (1 - fraction) : Infinity;
    const bar = '█'.repeat(Math.round(fraction * width)).padEnd(width, '·');
    const extra = Object.entries(fields).map(([k, v]) => `${k} ${v}`).join('  ');
    const line = `${label} ${bar} ${String(Math.round(fraction * 100)).padStart(3)}%  ${extra}  ${final ? formatSeconds(elapsed) : 'eta ' + formatSeconds(eta)}`;
    if (stream.isTTY) {
      stream.write(`\r\x1b[K${line}${final ? '\n' : ''}`);
    } else {
      const decile = Math.floor(fraction * 10);
      if (final || decile > lastDecile) {
        lastDecile = decile;
        stream.write(line + '\n');
      }
    }
  };
  return {
    update: (done, fields = {}) => render(done, fields, false),
    finish: (fields = {}) => render(total, fields, true),
  };
}
