/** Finding the Chromium that renders PNG/SVG (playwright-core never downloads one), and the error when there is none. */
import * as fs from 'fs';
import * as path from 'path';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

const PATH_NAMES = ['chromium', 'chromium-browser', 'google-chrome'];
const HOW_TO = 'install it (apt-get install chromium) or set PIXELWISE_CHROMIUM=/path/to/chromium';

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string, envPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    if (isExecutableFile(file)) return file;
  }
  return undefined;
}

/**
 * Chromium to use: `explicit`, else $PIXELWISE_CHROMIUM, else /usr/bin/chromium, else chromium /
 * chromium-browser / google-chrome on PATH. An explicit path or env var that does not point at an
 * executable is an error (not silently skipped). Returns undefined when nothing is found.
 */
export function findChromium(explicit?: string, env: NodeJS.ProcessEnv = process.env, fixedPaths: string[] = ['/usr/bin/chromium']): string | undefined {
  for (const [source, p] of [
    ['executablePath option', explicit],
    ['PIXELWISE_CHROMIUM', env.PIXELWISE_CHROMIUM],
  ] as const) {
    if (p) {
      if (!isExecutableFile(p)) throw new Error(`Chromium from ${source} (${p}) is not an executable file; ${HOW_TO}`);
      return p;
    }
  }
  for (const p of fixedPaths) if (isExecutableFile(p)) return p;
  for (const name of PATH_NAMES) {
    const found = onPath(name, env.PATH);
    if (found) return found;
  }
  return undefined;
}

/** The one-line error thrown for PNG/SVG when no Chromium is available. */
export function noChromiumError(format: string): Error {
  return new Error(
    `${format.toUpperCase()} export needs Chromium, which was not found (checked PIXELWISE_CHROMIUM, /usr/bin/chromium, ` +
      `${PATH_NAMES.join('/')} on PATH): ${HOW_TO}. HTML export works without it.`,
  );
}
