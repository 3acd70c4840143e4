// etcdctl's tables: olekukonko/tablewriter as etcdctl 3.4 sets it up (ALIGN_RIGHT, headers
// upper-cased and centred, a rule above and below the header and at the end).

function center(text: string, width: number): string {
  const gap = width - text.length
  // tablewriter's Pad: the left part gets half the gap, rounded down.
  const left = Math.floor(gap / 2)
  return ' '.repeat(left) + text + ' '.repeat(gap - left)
}

export function renderTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)))
  const rule = `+${widths.map((width) => '-'.repeat(width + 2)).join('+')}+\n`
  const line = (cells: readonly string[], align: (text: string, width: number) => string) =>
    `|${cells.map((cell, column) => ` ${align(cell, widths[column]!)} `).join('|')}|\n`
  let out = rule + line(headers.map((header) => header.toUpperCase()), center) + rule
  for (const row of rows) out += line(row, (text, width) => text.padStart(width))
  return out + rule
}
