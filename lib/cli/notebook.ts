/** npm run notebook — opens Jupyter on notebooks/ with the project's own TypeScript kernel. */
import { spawn } from 'child_process';
import { hasJupyterNotebook, INSTALL_ADVICE, jupyterEnv } from '../notebook/jupyter';
import { NOTEBOOKS_DIR } from '../notebook/series';
import { runCli } from './cli';

const USAGE = `
Usage: npm run notebook -- [Jupyter options, e.g. --no-browser --port 8899]

Starts Jupyter Notebook on notebooks/ with the tslab TypeScript kernel of this project
(jupyter/kernels/tslab, found through JUPYTER_PATH; no global kernel install needed).
`;

runCli('notebook', USAGE, async () => {
  if (!hasJupyterNotebook()) {
    process.stderr.write(INSTALL_ADVICE + '\n');
    process.exit(1);
  }
  // notebooks/node_modules only holds the link that lets notebooks import 'pixelwise': not worth a listing.
  const args = ['notebook', `--notebook-dir=${NOTEBOOKS_DIR}`, '--ContentsManager.hide_globs=node_modules', ...process.argv.slice(2)];
  const child = spawn('jupyter', args, { env: jupyterEnv(), stdio: 'inherit' });
  const code = await new Promise<number>((resolve) => child.on('close', (status) => resolve(status ?? 1)));
  process.exit(code);
});
