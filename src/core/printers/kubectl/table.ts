// kubectl's human-readable printer over a server Table: upper-case headers, the wide (priority
// 1) columns only with -o wide, NAMESPACE first with -A, kind-prefixed names when several kinds
// print, -L label columns and --show-labels; laid out by Go's tabwriter (minimum width 6,
// padding 3, the last column unpadded).
import {isJsonObject} from '../../api/object.js'
import {formatTabs} from './tabwriter.js'
import {humanDuration} from '../../util/go-duration.js'

export interface ServerTable {
  readonly columnDefinitions: ReadonlyArray<{name: string; type: string; priority?: number}>
  readonly rows: ReadonlyArray<{cells: readonly unknown[]; object?: unknown}>
}

export interface TableOptions {
  readonly wide: boolean
  readonly noHeaders: boolean
  readonly withNamespace: boolean
  /** `pod`, `deployment.apps`: the prefix of names when several kinds print. */
  readonly kindPrefix: string | null
  readonly labelColumns: readonly string[]
  readonly showLabels: boolean
}

/** Whether untyped JSON (a response body, a watch event's object) is a meta/v1 Table as printed here. */
export function isServerTable(value: unknown): value is ServerTable {
  if (!isJsonObject(value) || !Array.isArray(value.columnDefinitions) || !Array.isArray(value.rows)) return false
  const isColumn = (column: unknown) => isJsonObject(column) && typeof column.name === 'string' && typeof column.type === 'string' && (column.priority === undefined || typeof column.priority === 'number')
  const isRow = (row: unknown) => isJsonObject(row) && Array.isArray(row.cells)
  return value.columnDefinitions.every(isColumn) && value.rows.every(isRow)
}

/**
 * A server's answer as a table: the Table it sent, or, for an answer that is no Table (an API
 * without server-side printing), what kubectl's default handler prints of it, the name and the
 * age of each object (printObjectMeta).
 */
export function answerTable(body: unknown, nowMilliseconds: number): ServerTable {
  if (isServerTable(body)) return body
  const items = isJsonObject(body) && Array.isArray(body.items) ? body.items : [body]
  const rows = items.filter(isJsonObject).map((object) => {
    const metadata = isJsonObject(object.metadata) ? object.metadata : {}
    const created = typeof metadata.creationTimestamp === 'string' ? Date.parse(metadata.creationTimestamp) : Number.NaN
    return {cells: [String(metadata.name ?? ''), Number.isNaN(created) ? '<unknown>' : humanDuration(nowMilliseconds - created)], object}
  })
  return {columnDefinitions: [{name: 'Name', type: 'string'}, {name: 'Age', type: 'string'}], rows}
}

const tabMinimumWidth = 6
const tabPadding = 3

function cellText(cell: unknown): string {
  if (cell === null || cell === undefined) return ''
  if (typeof cell === 'string') {
    const cut = cell.search(/[\r\n]/)
    return cut < 0 ? cell : `${cell.slice(0, cut)}...`
  }
  if (typeof cell === 'object') return JSON.stringify(cell)
  return String(cell)
}

function metadataOf(row: {object?: unknown}): {namespace?: string; labels?: Record<string, string>} {
  const object = row.object
  if (!isJsonObject(object) || !isJsonObject(object.metadata)) return {}
  return object.metadata as {namespace?: string; labels?: Record<string, string>}
}

export function formatLabelList(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort()
  return keys.length === 0 ? '<none>' : keys.map((key) => `${key}=${labels![key]}`).join(',')
}

/** The header and rows of a table as text cells. */
export function tableCells(table: ServerTable, options: TableOptions): string[][] {
  const shown = table.columnDefinitions.map((column, index) => ({column, index})).filter(({column}) => options.wide || (column.priority ?? 0) === 0)
  const header: string[] = []
  if (options.withNamespace) header.push('NAMESPACE')
  header.push(...shown.map(({column}) => column.name.toUpperCase()))
  header.push(...options.labelColumns.map((label) => label.split('/').pop()!.toUpperCase()))
  if (options.showLabels) header.push('LABELS')
  const rows = table.rows.map((row) => {
    const metadata = metadataOf(row)
    const cells: string[] = []
    if (options.withNamespace) cells.push(metadata.namespace ?? '')
    for (const {index} of shown) {
      let text = cellText(row.cells[index])
      if (index === 0 && options.kindPrefix) text = `${options.kindPrefix}/${text}`
      cells.push(text)
    }
    for (const label of options.labelColumns) cells.push(metadata.labels?.[label] ?? '')
    if (options.showLabels) cells.push(formatLabelList(metadata.labels))
    return cells
  })
  return options.noHeaders ? rows : [header, ...rows]
}

/** Go's text/tabwriter as kubectl configures it. */
export function tabwrite(rows: readonly (readonly string[])[]): string {
  const widths: number[] = []
  for (const row of rows) {
    row.forEach((cell, index) => {
      if (index === row.length - 1) return
      widths[index] = Math.max(widths[index] ?? 0, tabMinimumWidth, [...cell].length + tabPadding)
    })
  }
  return rows
    .map((row) => row.map((cell, index) => (index === row.length - 1 ? cell : cell + ' '.repeat(widths[index]! - [...cell].length))).join(''))
    .map((line) => `${line}\n`)
    .join('')
}

/**
 * kubectl's tabwriter across flushes (liggitt/tabwriter's RememberWidths): what `get -w` prints
 * row by row stays aligned with what came before, columns only growing. A cell holding a newline
 * breaks its line as in Go's tabwriter: a line with fewer cells ends the column blocks it lacks,
 * and the lines after it start new blocks, each at least as wide as remembered.
 */
export class RememberingTabwriter {
  private readonly remembered: number[] = []

  /** Rows of cells: each row one line, its last cell not in a column. */
  write(rows: readonly (readonly string[])[]): string {
    return this.writeText(rows.map((row) => `${row.join('\t')}\n`).join(''))
  }

  /** Text whose cells end with tabs and lines with newlines, written and flushed. */
  writeText(text: string): string {
    return formatTabs(text, {minimumWidth: tabMinimumWidth, padding: tabPadding, remembered: this.remembered})
  }
}
