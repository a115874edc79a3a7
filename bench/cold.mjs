// Cold start alone: `npm run build && npx node bench/cold.mjs "$PWD" 10` runs, in fresh processes and
// alternating, the SDK (import + first call) and anyllm (create -> first completion, worker tier)
// against bench/server.mjs, and prints medians (wall ms, whole-process CPU ms) and the median ratio.
import { spawn, execFileSync } from 'node:child_process';
const [wt, n = '12'] = process.argv.slice(2);
const dist = `file://${wt}/dist/src/index.js`;
const server = spawn(process.execPath, [`${wt}/bench/server.mjs`], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise((r) => server.stdout.once('data', (d) => r(JSON.parse(String(d)).port)));
const one = (kind) => JSON.parse(execFileSync(process.execPath, [`${wt}/bench/cold-one.mjs`, kind, String(port), dist], { cwd: wt }).toString());
one('sdk'); one('any');
const sdk = [], any = [], ratios = [];
for (let i = 0; i < Number(n); i++) { const s = one('sdk'); const a = one('any'); sdk.push(s); any.push(a); ratios.push(a.coldMs / (s.importMs + s.coldMs)); }
const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
console.log(JSON.stringify({ sdkImport: med(sdk.map(s=>s.importMs)).toFixed(0), sdkCall: med(sdk.map(s=>s.coldMs)).toFixed(0), anyCold: med(any.map(a=>a.coldMs)).toFixed(0), anyCreate: med(any.map(a=>a.createMs)).toFixed(0), ratio: med(ratios).toFixed(2), sdkCpu: med(sdk.map(s=>s.cpuMs)).toFixed(0), anyCpu: med(any.map(a=>a.cpuMs)).toFixed(0) }));
server.kill();
