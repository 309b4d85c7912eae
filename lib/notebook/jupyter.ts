/** Running real Jupyter with the kernel spec committed in jupyter/kernels/tslab (it starts node_modules/tslab). */
import { spawnSync } from 'child_process';
import { delimiter, join } from 'path';
import { PROJECT_ROOT } from '../util/paths';

export const JUPYTER_DIR = join(PROJECT_ROOT, 'jupyter');

/** The environment with the project's jupyter/ first on JUPYTER_PATH, so Jupyter finds the tslab kernel. */
export function jupyterEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, JUPYTER_PATH: [JUPYTER_DIR, env.JUPYTER_PATH].filter(Boolean).join(delimiter) };
}

export function hasJupyterNotebook(): boolean {
  const probe = spawnSync('jupyter', ['notebook', '--version'], { env: jupyterEnv(), stdio: 'ignore' });
  return probe.status === 0;
}

export const INSTALL_ADVICE = `Jupyter Notebook is not installed (no "jupyter notebook" command). Install it, then run npm run notebook again:
  Debian/Ubuntu:  sudo apt-get install jupyter-notebook
  elsewhere:      pip install notebook      (or pipx install notebook, or conda install notebook)
The TypeScript kernel comes with this project (jupyter/kernels/tslab runs node_modules/tslab): nothing else to install.
Without Jupyter, npm run notebooks executes the notebooks headlessly into results/notebooks/.`;
