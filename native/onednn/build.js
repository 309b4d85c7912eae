#!/usr/bin/env node
/**
 * Builds the oneDNN addon where oneDNN's headers are installed (Debian/Ubuntu: libdnnl-dev), and says in
 * one line why not elsewhere. `npm ci` runs it (the package's install script), `npm run build:native`
 * runs it again. It never fails the install: without the addon the engine falls back to WASM, and
 * CI's PIXELWISE_REQUIRE_ONEDNN makes the tests fail instead.
 */
'use strict';
const { existsSync, mkdirSync, writeFileSync } = require('fs');
const { spawnSync } = require('child_process');
const { dirname, join } = require('path');

const HEADERS = ['/usr/include/oneapi/dnnl/dnnl.hpp', '/usr/include/dnnl.hpp', '/usr/local/include/oneapi/dnnl/dnnl.hpp'];
const here = __dirname;
const log = join(here, 'build', 'build.log');

function note(line) {
  process.stdout.write(`pixelwise: ${line}\n`);
}

function nodeGyp() {
  // npm hands its own node-gyp to install scripts; outside npm, find the one bundled with npm.
  if (process.env.npm_config_node_gyp) return process.env.npm_config_node_gyp;
  const npmCli = process.env.npm_execpath;
  const candidates = [npmCli && join(dirname(npmCli), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')];
  return candidates.find((c) => c && existsSync(c));
}

function main() {
  if (!HEADERS.some(existsSync)) {
    note('oneDNN engine not built: libdnnl-dev is not installed (sudo apt-get install libdnnl-dev, then npm run build:native); the WASM engine is used');
    return;
  }
  const gyp = nodeGyp();
  if (!gyp) {
    note('oneDNN engine not built: node-gyp not found (it comes with npm); the WASM engine is used');
    return;
  }
  // Without a nodedir node-gyp downloads Node's headers; the system's are used where they are installed.
  const nodedir = process.env.npm_config_nodedir || (existsSync('/usr/include/node/node_api.h') ? '/usr' : undefined);
  const args = [gyp, 'rebuild', `--directory=${here}`, ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
  const child = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  mkdirSync(dirname(log), { recursive: true });
  writeFileSync(log, `${child.stdout ?? ''}${child.stderr ?? ''}`);
  if (child.status === 0) {
    note('oneDNN engine built (native/onednn)');
  } else {
    note(`oneDNN engine not built: node-gyp failed (see ${log}); the WASM engine is used`);
  }
}

main();
