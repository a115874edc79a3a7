/**
 * "Did you mean": the closest of a list of names to a misspelt one, by edit distance.
 *
 * @module
 */

/**
 * The Levenshtein distance between `a` and `b`, counting a swap of two neighbours as one edit
 * (the commonest typo: `--modle`).
 *
 * @example
 * ```ts
 * editDistance('opnai', 'openai'); // 1
 * ```
 */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2][j - 2] + 1);
      rows[i][j] = best;
    }
  }
  return rows[a.length][b.length];
}

/**
 * The name in `candidates` closest to `input`, or undefined when none is close enough to be a
 * plausible typo (at most a third of the name's letters wrong, and at least one right).
 *
 * @example
 * ```ts
 * closest('antropic', ['anthropic', 'openai']); // 'anthropic'
 * closest('zzz', ['anthropic', 'openai']);      // undefined
 * ```
 */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  const needle = input.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(needle, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best === undefined) return undefined;
  const allowed = Math.max(1, Math.floor(Math.max(needle.length, best.length) / 3));
  return bestDistance <= allowed && bestDistance < best.length ? best : undefined;
}
