/** The tslab kernel's display, for inline tables (figures go through the plot module's show()). */
import type { HtmlDisplay } from '../plot/display';

export function tslabDisplay(): HtmlDisplay {
  return {
    html(s: string) {
      try {
        (require('tslab') as typeof import('tslab')).display.html(s);
      } catch (err) {
        throw new Error(`inline tables work inside a tslab notebook kernel only (${(err as Error).message})`);
      }
    },
  };
}
