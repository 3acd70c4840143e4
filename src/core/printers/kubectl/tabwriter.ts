// Go's text/tabwriter (the algorithm, not an approximation): cells end with a tab, the text
// after a line's last tab is no cell; consecutive lines with a cell in a column form a block
// whose cells are padded to the block's widest cell plus padding (at least minwidth).
// kubectl's tables use minwidth 6 / padding 3; describe uses minwidth 0 / padding 2.

export interface TabwriterOptions {
  readonly minimumWidth: number
  readonly padding: number
  /**
   * Column widths kept across calls (liggitt/tabwriter's RememberWidths, which kubectl's `get -w`
   * uses): each block is at least as wide as its column was before, and widens it for later calls.
   */
  readonly remembered?: number[]
}

const cellWidth = (text: string) => [...text].length

export function formatTabs(text: string, options: TabwriterOptions): string {
  const endsWithNewline = text.endsWith('\n')
  const lines = (endsWithNewline ? text.slice(0, -1) : text).split('\n').map((line) => line.split('\t'))
  const out: string[] = []
  const widths: number[] = []
  const writeLines = (from: number, to: number) => {
    for (let index = from; index < to; index++) {
      const line = lines[index]!
      let written = ''
      line.forEach((cell, column) => {
        if (column < line.length - 1 && column < widths.length) written += cell + ' '.repeat(Math.max(0, widths[column]! - cellWidth(cell)))
        else written += cell
      })
      out.push(written)
    }
  }
  const format = (start: number, end: number) => {
    const column = widths.length
    let first = start
    for (let index = start; index < end; index++) {
      if (column >= lines[index]!.length - 1) continue
      writeLines(first, index)
      first = index
      let width = options.minimumWidth
      for (; index < end; index++) {
        const line = lines[index]!
        if (column >= line.length - 1) break
        width = Math.max(width, cellWidth(line[column]!) + options.padding)
      }
      if (options.remembered) width = options.remembered[column] = Math.max(options.remembered[column] ?? 0, width)
      widths.push(width)
      format(first, index)
      widths.pop()
      first = index
      index--
    }
    writeLines(first, end)
  }
  format(0, lines.length)
  return out.join('\n') + (endsWithNewline ? '\n' : '')
}
