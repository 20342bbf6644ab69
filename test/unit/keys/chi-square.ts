/**
 * Pearson's chi-square goodness-of-fit against the uniform distribution, for the uniformity
 * tests. Not a test file itself.
 */

/** Upper-tail standard normal quantile for significance 0.001 (z such that P(Z > z) = 0.001). */
export const Z_0_001 = 3.090232306

/** Sum over categories of (observed - expected)^2 / expected, expected = total / k. */
export function chiSquareUniform(counts: ArrayLike<number>): number {
  let total = 0
  for (let i = 0; i < counts.length; i++) total += counts[i]
  const expected = total / counts.length
  let statistic = 0
  for (let i = 0; i < counts.length; i++) statistic += (counts[i] - expected) ** 2 / expected
  return statistic
}

/**
 * Critical value of chi-square with `df` degrees of freedom, by the Wilson–Hilferty
 * approximation: (X/df)^(1/3) is close to normal with mean 1 - 2/(9df) and variance 2/(9df), so
 * the upper quantile is df * (1 - 2/(9df) + z * sqrt(2/(9df)))^3. For df = 61 and z = Z_0_001
 * this gives 100.96 (exact: 100.89); the error is well under 1% for df >= 10.
 */
export function chiSquareCritical(df: number, z = Z_0_001): number {
  const a = 2 / (9 * df)
  return df * (1 - a + z * Math.sqrt(a)) ** 3
}

/** How often each index in `[0, k)` occurs. */
export function countIndices(indices: Iterable<number>, k: number): Uint32Array {
  const counts = new Uint32Array(k)
  for (const i of indices) counts[i]++
  return counts
}
