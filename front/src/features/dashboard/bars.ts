/** Bar lengths for the dashboard's charts: each value as a share of the largest, in percent. */
export function barPercents(values: readonly number[]): number[] {
  const largest = Math.max(0, ...values);
  // A value above zero always shows, however small beside the largest.
  return values.map((value) => (largest > 0 && value > 0 ? Math.max(1, Math.round((value / largest) * 100)) : 0));
}
