// Where a process's RSS is, by kind of mapping, once a second until it exits (Linux only): V8's heap
// pages (anonymous mappings of at most 256 KiB, V8's page size), malloc's `[heap]`, larger anonymous
// mappings (malloc arenas, thread stacks, V8's large objects), and files (code, shared libraries).
// For telling V8 sizing its young generation from a leak, e.g. in the soak's process tier:
//
//   node bench/server.mjs                                                   # prints {"port":…}
//   node --expose-gc bench/run.mjs soak <port> process > soak.json & node bench/rss-by-mapping.mjs $!
import { readFileSync } from 'node:fs';

const [pid, everyMs = '1000'] = process.argv.slice(2);
if (!pid) {
  console.error('usage: node bench/rss-by-mapping.mjs <pid> [everyMs]');
  process.exit(2);
}
const V8_PAGE_KIB = 256;

/** Resident KiB of `/proc/<pid>/smaps`, by kind of mapping; undefined once the process is gone. */
function residentByKind() {
  let smaps;
  try {
    smaps = readFileSync(`/proc/${pid}/smaps`, 'utf8');
  } catch {
    return undefined;
  }
  const kib = { v8Pages: 0, mallocHeap: 0, otherAnonymous: 0, files: 0 };
  let kind;
  for (const line of smaps.split('\n')) {
    const mapping = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (mapping) {
      const sizeKib = (parseInt(mapping[2], 16) - parseInt(mapping[1], 16)) / 1024;
      const name = mapping[3];
      kind = name.startsWith('/') ? 'files' : name === '[heap]' ? 'mallocHeap' : name === '' && sizeKib <= V8_PAGE_KIB ? 'v8Pages' : 'otherAnonymous';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && kind) kib[kind] += Number(rss[1]);
  }
  return kib;
}

const t0 = Date.now();
const mib = (k) => (k / 1024).toFixed(1);
const timer = setInterval(() => {
  const kib = residentByKind();
  if (!kib) return clearInterval(timer);
  const total = Object.values(kib).reduce((a, b) => a + b, 0);
  console.log(
    `${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s  RSS ${mib(total)} MiB: V8 pages ${mib(kib.v8Pages)}, malloc heap ${mib(kib.mallocHeap)}, other anonymous ${mib(kib.otherAnonymous)}, files ${mib(kib.files)}`,
  );
}, Number(everyMs));
