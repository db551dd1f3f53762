/**
 * Go's `time.Duration.Seconds()` for a duration held in integer milliseconds:
 * `float64(sec) + float64(nsec)/1e9`. Computing it the same way (rather than `ms / 1000`)
 * keeps results bit-identical to Prometheus for ranges that are not whole seconds.
 */
export function durationSeconds(ms: number): number {
  const sec = Math.trunc(ms / 1000);
  const nsec = (ms - sec * 1000) * 1e6;
  return sec + nsec / 1e9;
}
