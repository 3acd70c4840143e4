// What kubectl describe writes with: a prefix writer (two spaces per level) into Go's
// tabwriter (minwidth 0, padding 2), flushed where kubectl flushes (before the events table),
// plus the formatting helpers its describers share.
import {isJsonObject} from '../../api/object.js'
import {formatTabs} from '../../printers/kubectl/tabwriter.js'

export class DescribeWriter {
  private readonly flushed: string[] = []
  private buffer = ''

  write(level: number, text: string): void {
    this.buffer += '  '.repeat(level) + text
  }

  flush(): void {
    this.flushed.push(formatTabs(this.buffer, {minimumWidth: 0, padding: 2}))
    this.buffer = ''
  }

  toString(): string {
    this.flush()
    return this.flushed.join('')
  }

  /** What was written, its tabs left as they are (kubectl's rollout history has no tabwriter). */
  withoutTabwriter(): string {
    return this.flushed.join('') + this.buffer
  }
}

/** Go's time.RFC1123Z in UTC, as describe prints timestamps. */
export function rfc1123z(timestamp: unknown): string {
  if (typeof timestamp !== 'string') return '<unknown>'
  const date = new Date(timestamp)
  if (Number.isNaN(date.getTime())) return '<unknown>'
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
  const two = (value: number) => String(value).padStart(2, '0')
  return `${days[date.getUTCDay()]}, ${two(date.getUTCDate())} ${months[date.getUTCMonth()]} ${date.getUTCFullYear()} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`
}

export const record = (value: unknown): Record<string, unknown> => (isJsonObject(value) ? value : {})
export const list = (value: unknown): Record<string, unknown>[] => (Array.isArray(value) ? value.filter(isJsonObject) : [])
export const text = (value: unknown): string => (typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value))

export function printLabels(writer: DescribeWriter, title: string, labels: unknown, level = 0): void {
  const entries = Object.entries(record(labels)).sort(([left], [right]) => (left < right ? -1 : 1))
  if (entries.length === 0) {
    writer.write(level, `${title}:\t<none>\n`)
    return
  }
  entries.forEach(([key, value], index) => {
    if (index === 0) writer.write(level, `${title}:\t${key}=${text(value)}\n`)
    else writer.write(0, `${'  '.repeat(level)}\t${key}=${text(value)}\n`)
  })
}

const maxAnnotationLength = 140
const skippedAnnotations = ['kubectl.kubernetes.io/last-applied-configuration']

export function printAnnotations(writer: DescribeWriter, title: string, annotations: unknown): void {
  const entries = Object.entries(record(annotations))
    .filter(([key]) => !skippedAnnotations.includes(key))
    .sort(([left], [right]) => (left < right ? -1 : 1))
  writer.write(0, `${title}:\t`)
  if (entries.length === 0) {
    writer.write(0, '<none>\n')
    return
  }
  entries.forEach(([key, raw], index) => {
    if (index > 0) writer.write(0, '\t')
    const value = text(raw).replace(/\n$/, '')
    if (value.length + key.length + 2 > maxAnnotationLength || value.includes('\n')) {
      writer.write(0, `${key}:\n`)
      for (const line of value.split('\n')) writer.write(0, `\t  ${line.length > maxAnnotationLength - 2 ? `${line.slice(0, maxAnnotationLength - 2)}...` : line}\n`)
    } else {
      writer.write(0, `${key}: ${value}\n`)
    }
  })
}

/** A toleration as describe prints it: key=value:Effect op=Exists for 300s. */
export function tolerationText(toleration: Record<string, unknown>): string {
  let line = text(toleration.key)
  if (text(toleration.value)) line += `=${text(toleration.value)}`
  if (text(toleration.effect)) line += `:${text(toleration.effect)}`
  if (toleration.operator === 'Exists' && !text(toleration.value)) line += text(toleration.key) || text(toleration.effect) ? ' op=Exists' : 'op=Exists'
  if (typeof toleration.tolerationSeconds === 'number') line += ` for ${toleration.tolerationSeconds}s`
  return line
}

/** Tolerations in kubectl's order: sorted by key (equal keys keep their order). */
export function sortedTolerations(tolerations: unknown): Array<Record<string, unknown>> {
  return [...list(tolerations)].sort((left, right) => (text(left.key) < text(right.key) ? -1 : text(left.key) > text(right.key) ? 1 : 0))
}

export function printTolerations(writer: DescribeWriter, title: string, tolerations: unknown): void {
  const entries = sortedTolerations(tolerations)
  writer.write(0, `${title}:\t`)
  if (entries.length === 0) {
    writer.write(0, '<none>\n')
    return
  }
  entries.forEach((toleration, index) => writer.write(0, `${index > 0 ? '\t' : ''}${tolerationText(toleration)}\n`))
}

export function printTaints(writer: DescribeWriter, title: string, taints: unknown): void {
  const entries = list(taints)
  writer.write(0, `${title}:\t`)
  if (entries.length === 0) {
    writer.write(0, '<none>\n')
    return
  }
  entries.forEach((taint, index) => {
    if (index > 0) writer.write(0, '\t')
    writer.write(0, `${text(taint.key)}${text(taint.value) ? `=${text(taint.value)}` : ''}:${text(taint.effect)}\n`)
  })
}
