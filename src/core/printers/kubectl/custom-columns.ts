// kubectl's -o custom-columns=NAME:.path,… (and -file): headers as given, each cell the path's
// values joined by commas, <none> when the path finds nothing; laid out like every kubectl table.
import {readFileSync} from 'node:fs'
import {jsonPathValues} from './jsonpath.js'
import {tabwrite} from './table.js'

export interface CustomColumn {
  readonly header: string
  readonly template: string
}

/** kubectl's RelaxedJSONPathExpression: `.a.b`, `a.b`, `{a.b}` and `{.a.b}` all mean `{.a.b}`. */
export function relaxedTemplate(path: string): string {
  if (path.length === 0) return path
  const match = /^\{\.?([^{}]+)\}$|^\.?([^{}]+)$/.exec(path)
  if (!match) throw new Error(`unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'`)
  return `{.${match[1] ?? match[2]}}`
}

export function parseCustomColumns(spec: string): CustomColumn[] {
  if (spec.length === 0) throw new Error('custom-columns format specified but no custom columns given')
  return spec.split(',').map((part) => {
    const colon = part.indexOf(':')
    if (colon < 0) throw new Error(`unexpected custom-columns spec: ${part}, expected <header>:<json-path-expr>`)
    return {header: part.slice(0, colon), template: relaxedTemplate(part.slice(colon + 1))}
  })
}

export function parseCustomColumnsFile(path: string): CustomColumn[] {
  const lines = readFileSync(path, 'utf8').split('\n').filter((line) => line.trim().length > 0)
  if (lines.length !== 2) throw new Error(`unexpected custom-columns file content: expected a header line and a paths line`)
  const headers = lines[0]!.trim().split(/\s+/)
  const paths = lines[1]!.trim().split(/\s+/)
  if (headers.length !== paths.length) throw new Error(`number of headers (${headers.length}) and field specifications (${paths.length}) don't match`)
  return headers.map((header, index) => ({header, template: relaxedTemplate(paths[index]!)}))
}

export function printCustomColumns(columns: readonly CustomColumn[], objects: readonly unknown[], noHeaders: boolean): string {
  const rows = objects.map((object) =>
    columns.map((column) => {
      const values = jsonPathValues(column.template, object)
      return values.length === 0 ? '<none>' : values.join(',')
    }),
  )
  return tabwrite(noHeaders ? rows : [columns.map((column) => column.header), ...rows])
}
