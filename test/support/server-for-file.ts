// A test file's local server and the clients its tests open: the server starts before the file's
// tests; after them the clients close, then the server (the preamble many provider tests shared).
import { afterAll, beforeAll } from 'vitest';
import type { AnyLLM } from 'anyllm';
import { LocalServer } from './local-server.js';

/**
 * Starts a `LocalServer` for the file's tests and hands it to `onStart`; returns the list the tests
 * push their clients onto, closed after the last test, before the server.
 *
 * @example
 * ```ts
 * let server!: LocalServer;
 * const open = serverForFile((started) => (server = started));
 * ```
 */
export function serverForFile(onStart: (server: LocalServer) => void): AnyLLM[] {
  const open: AnyLLM[] = [];
  let server: LocalServer | undefined;
  beforeAll(async () => {
    server = await LocalServer.start();
    onStart(server);
  });
  afterAll(async () => {
    await Promise.all(open.map((llm) => llm.close()));
    await server?.close();
  });
  return open;
}
