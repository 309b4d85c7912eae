/** The import rule of lib/layers.ts, checked on every import in lib/ and bench/. */
import { existsSync, readdirSync, readFileSync, statSync } from 'fs';
import { dirname, join, relative, resolve } from 'path';
import * as ts from 'typescript';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LAYERS } from '../lib/layers';

const root = resolve(__dirname, '..');

function tsFiles(dir: string, deep: boolean): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return deep ? tsFiles(path, deep) : [];
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The folder a project file belongs to: lib/<folder>/…, bench/…, or 'index' for the files at lib/'s top. */
function folderOf(file: string): string {
  const parts = file.split('/');
  if (parts[0] === 'bench') return 'bench';
  return parts.length > 2 ? parts[1] : 'index';
}

/** The file an import names, relative to the project: a folder import is its index.ts. */
function targetOf(file: string, spec: string): string {
  const path = resolve(root, dirname(file), spec);
  const isFolder = existsSync(path) && statSync(path).isDirectory();
  return relative(root, isFolder ? join(path, 'index.ts') : path);
}

interface Edge {
  file: string;
  from: string;
  to: string;
}

/** Every relative import, export-from, require and import() of the given sources, as folder-to-folder edges. */
function folderEdges(sources: { file: string; text: string }[]): Edge[] {
  return sources.flatMap(({ file, text }) =>
    ts
      .preProcessFile(text, true, true)
      .importedFiles.map((ref) => ref.fileName)
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => ({ file, from: folderOf(file), to: folderOf(targetOf(file, spec)) }))
      .filter((edge) => edge.from !== edge.to),
  );
}

const layerOf = new Map(LAYERS.flatMap((folders, layer) => folders.map((folder) => [folder, layer] as const)));

/** Imports that point sideways or up the layers, one line each. */
function violations(edges: Edge[]): string[] {
  return edges
    .filter((edge) => !(layerOf.get(edge.to)! < layerOf.get(edge.from)!))
    .map((edge) => `${edge.file} (${edge.from}) imports ${edge.to}, which is not in a lower layer`);
}

/** One cycle between folders, as the folders along it, or undefined. */
function findCycle(edges: Edge[]): string[] | undefined {
  const next = new Map<string, Set<string>>();
  for (const { from, to } of edges) next.set(from, (next.get(from) ?? new Set()).add(to));
  const state = new Map<string, 'open' | 'done'>();
  const visit = (folder: string, path: string[]): string[] | undefined => {
    if (state.get(folder) === 'open') return [...path.slice(path.indexOf(folder)), folder];
    if (state.get(folder) === 'done') return undefined;
    state.set(folder, 'open');
    for (const to of next.get(folder) ?? []) {
      const cycle = visit(to, [...path, folder]);
      if (cycle) return cycle;
    }
    state.set(folder, 'done');
    return undefined;
  };
  for (const folder of next.keys()) {
    const cycle = visit(folder, []);
    if (cycle) return cycle;
  }
  return undefined;
}

const projectSources = [...tsFiles('lib', true), ...tsFiles('bench', false)].map((file) => ({ file, text: readFileSync(join(root, file), 'utf8') }));

test('every folder of lib/ and bench/ has a layer', () => {
  const folders = new Set(projectSources.map(({ file }) => folderOf(file)));
  assert.equal([...folders].filter((folder) => !layerOf.has(folder)), []);
});

test('every import in lib/ and bench/ points to a lower layer', () => {
  assert.equal(violations(folderEdges(projectSources)), []);
});

test('no two folders import each other, directly or round a longer loop', () => {
  assert.is(findCycle(folderEdges(projectSources)), undefined);
});

test('the check catches an import up the layers and a cycle between folders', () => {
  const upward = [{ file: 'lib/models/x.ts', text: "import type { Figure } from '../plot/figure';" }];
  assert.equal(violations(folderEdges(upward)), ['lib/models/x.ts (models) imports plot, which is not in a lower layer']);
  const loop = [
    { file: 'lib/cli/a.ts', text: "export { b } from '../../bench/b';" },
    { file: 'bench/b.ts', text: "const a = require('../lib/cli/a');" },
  ];
  assert.equal(findCycle(folderEdges(loop)), ['cli', 'bench', 'cli']);
});

test.run();
