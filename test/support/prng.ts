/**
 * mulberry32, a small seeded generator: the same values every run, so a seeded test (a fuzzer, a
 * soak) fails the same way each time it fails.
 *
 * @example
 * ```ts
 * const random = prng(7);
 * random(); // a number in [0, 1), the same for seed 7 every run
 * ```
 */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
