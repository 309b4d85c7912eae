/**
 * Makes `import * as pw from 'pixelwise'` resolve inside notebooks/. Node alone would find the package
 * by self-reference (package.json "exports"), but tslab type-checks cells with the classic node_modules
 * lookup, which knows no self-reference, so notebooks/node_modules/pixelwise links to the project root.
 * npm run build (and so npm ci, through prepare) runs this.
 */
import { lstatSync, mkdirSync, readlinkSync, rmSync, symlinkSync, unlinkSync } from 'fs';
import { dirname, join, relative } from 'path';
import { PROJECT_ROOT } from '../util/paths';

export function linkPackage(notebooksDir = join(PROJECT_ROOT, 'notebooks')): string {
  const link = join(notebooksDir, 'node_modules', 'pixelwise');
  // Windows junctions need an absolute target; elsewhere a relative link survives moving the checkout.
  const target = process.platform === 'win32' ? PROJECT_ROOT : relative(dirname(link), PROJECT_ROOT);
  const existing = lstatSync(link, { throwIfNoEntry: false });
  if (existing?.isSymbolicLink()) {
    if (readlinkSync(link) === target) return link;
    unlinkSync(link); // never rm -r through a link: it points at the whole project
  } else if (existing) {
    rmSync(link, { recursive: true });
  }
  mkdirSync(dirname(link), { recursive: true });
  symlinkSync(target, link, 'junction');
  return link;
}

if (require.main === module) linkPackage();
