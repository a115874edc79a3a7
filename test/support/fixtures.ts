/** Reads the recorded provider responses kept in test/fixtures/recorded (see SOURCES.md there). */
import { readFileSync } from 'node:fs';

const root = new URL('../fixtures/recorded/', import.meta.url);

/** A fixture's text. */
export function fixtureText(path: string): string {
  return readFileSync(new URL(path, root), 'utf8');
}

/** A fixture's JSON. */
export function fixtureJson<T = unknown>(path: string): T {
  return JSON.parse(fixtureText(path)) as T;
}

/** The events of a raw SSE recording, as written on the wire (blank-line separated). */
export function sseEvents(path: string): string[] {
  return fixtureText(path)
    .split(/\r?\n\r?\n/)
    .map((event) => event.trim())
    .filter((event) => event.length > 0);
}

/** A vercel-ai `.chunks.txt` recording: one parsed JSON chunk per line. */
export function chunkLines<T = unknown>(path: string): T[] {
  return fixtureText(path)
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as T);
}
