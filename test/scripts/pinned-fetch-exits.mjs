// Fetches once with the pinned fetch (keep-alive) and returns: the process must exit by itself
// while the server keeps the idle connection open. Argument: the local server's port.
const { createPinnedFetch } = await import('../../dist/src/host/pinned-fetch.js');
const fetch = createPinnedFetch();
const response = await fetch(`http://127.0.0.1:${process.argv[2]}/once`, { redirect: 'manual' });
console.log(await response.text());
