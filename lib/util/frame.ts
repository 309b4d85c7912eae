/** A danfo DataFrame of plain rows, for the notebooks' tables. */
import type { DataFrame } from 'danfojs-node';

export function frame(rows: Record<string, unknown>[]): DataFrame {
  // Loaded on first use: danfo takes a while to import and the commands that never show a table never need it.
  const danfo = require('danfojs-node') as typeof import('danfojs-node');
  return new danfo.DataFrame(rows);
}
