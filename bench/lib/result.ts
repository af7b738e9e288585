/** One line of the results table. `ratio` = product ÷ baseline (how the goal is phrased). */
export interface Row {
  bench: string
  metric: string
  value: number | null
  unit: string
  baseline?: number | null
  ratio?: number | null
  goal?: string
  /** pending (another branch), ok / missed (against the goal), info */
  status: 'ok' | 'missed' | 'pending' | 'info'
  note?: string
}

export interface BenchResult {
  name: string
  rows: Row[]
  /** Raw numbers behind the rows (per-run samples, load average, settings). */
  detail: Record<string, unknown>
}

const fmt = (v: number | null | undefined) =>
  v === null || v === undefined ? '' : Number.isInteger(v) ? String(v) : v.toFixed(v < 10 ? 2 : 1)

/** The rows as a Markdown table (the README's performance table and the console use the same). */
export function formatTable(rows: readonly Row[]): string {
  const lines = rows.map((r) => [
    r.bench,
    r.metric,
    `${fmt(r.value)} ${r.unit}`.trim(),
    r.baseline === undefined || r.baseline === null ? '' : `${fmt(r.baseline)} ${r.unit}`.trim(),
    r.ratio === undefined || r.ratio === null ? '' : `${fmt(r.ratio)}×`,
    r.goal ?? '',
    r.status,
  ])
  const head = ['bench', 'metric', 'Xinlian', 'baseline', 'ratio', 'goal', 'status']
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)))
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |'
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...lines.map(line)].join('\n') + '\n'
}

export function printTable(rows: readonly Row[]): void {
  process.stdout.write(formatTable(rows))
}
