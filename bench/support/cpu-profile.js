// Preloaded into Tessera by `npm run bench -- --profile` (node --require). SIGWINCH toggles the V8 CPU
// profiler: the first starts it, the second stops it and writes a .cpuprofile into
// BENCH_CPU_PROFILE_DIR. So the profile covers exactly the window the harness measures, not start-up
// (--cpu-prof covers the whole life of the process). SIGWINCH because it is ignored by default and no
// shutdown hook listens to it (Nest's enableShutdownHooks takes SIGUSR2; SIGUSR1 starts the inspector).
const inspector = require('node:inspector');
const fs = require('node:fs');
const path = require('node:path');

const dir = process.env.BENCH_CPU_PROFILE_DIR;
const session = new inspector.Session();
session.connect();
let running = false;
let count = 0;

process.on('SIGWINCH', () => {
  if (!running) {
    running = true;
    // 1 ms sampling interval: enough resolution for a 5-60 s window, little overhead.
    session.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval: 1000 }, () => session.post('Profiler.start')));
    return;
  }
  running = false;
  session.post('Profiler.stop', (err, result) => {
    const file = path.join(dir || '.', `tessera-${process.pid}-${++count}.cpuprofile`);
    // Written aside and renamed, so the harness never reads half a file.
    fs.writeFileSync(`${file}.partial`, err ? JSON.stringify({ error: String(err) }) : JSON.stringify(result.profile));
    fs.renameSync(`${file}.partial`, file);
  });
});
