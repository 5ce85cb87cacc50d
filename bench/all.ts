// Every benchmark in turn, each in its own process, with the same arguments: npm run bench [-- --quick] [-- --only=…].
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

for (const name of ['round-trips', 'latency', 'load']) {
  const file = fileURLToPath(new URL(`./${name}.js`, import.meta.url));
  const run = spawnSync(process.execPath, [file, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
