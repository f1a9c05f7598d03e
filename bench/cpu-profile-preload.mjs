// Loaded into the postern processes with NODE_OPTIONS=--import when BENCH_CPU_PROF is set.
// Plain JavaScript because it runs before tsx is registered; --cpu-prof itself is not
// allowed in NODE_OPTIONS, and `postern start` is spawned by helpers we do not change.
// The first SIGUSR2 starts the V8 profiler, the second writes the profile: so it covers
// the measured runs only, not start-up (tsx compiling, Next.js warming up).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';

const dir = process.env.BENCH_CPU_PROF_DIR;
const session = new Session();
session.connect();
let on = false;
process.on('SIGUSR2', () => {
  if (!on) {
    on = true;
    session.post('Profiler.enable', () => session.post('Profiler.start'));
    return;
  }
  on = false;
  session.post('Profiler.stop', (err, res) => {
    if (err || !dir) return;
    writeFileSync(path.join(dir, `${process.pid}.cpuprofile`), JSON.stringify(res.profile));
  });
});
