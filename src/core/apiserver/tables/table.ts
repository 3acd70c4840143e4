// Server-side printing as kube-apiserver does it: a list or object asked for with
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` comes back as a meta.k8s.io/v1 Table
// whose columns (priority 1 = only with -o wide) and cells are those of kube's printers, every
// cell generated (kubectl hides the wide ones).
import type {KubeObject} from '../../api/object.js'
import type {ResourceDefinition} from '../../api/scheme.js'
import {humanDuration} from '../../util/go-duration.js'

export interface ColumnDefinition {
  readonly name: string
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date'
  readonly format?: string
  readonly description?: string
  readonly priority?: number
}

export type Cell = string | number | boolean | null

export interface Printer {
  readonly columns: readonly ColumnDefinition[]
  /** The cells of one object, every column (wide ones too), in column order. */
  row(object: KubeObject, nowMilliseconds: number): Cell[]
}

export const nameColumn: ColumnDefinition = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
}

export const ageColumn: ColumnDefinition = {
  name: 'Age',
  type: 'string',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
}

export const column = (name: string, type: ColumnDefinition['type'] = 'string', priority = 0, description = ''): ColumnDefinition =>
  priority > 0 ? {name, type, description, priority} : {name, type, description}

/** translateTimestampSince: the age of a timestamp, "<unknown>" without one. */
export function since(timestamp: unknown, nowMilliseconds: number): string {
  if (typeof timestamp !== 'string' || timestamp.length === 0) return '<unknown>'
  const time = Date.parse(timestamp)
  if (Number.isNaN(time)) return '<unknown>'
  return humanDuration(nowMilliseconds - time)
}

export const age = (object: KubeObject, nowMilliseconds: number) => since(object.metadata.creationTimestamp, nowMilliseconds)

/** The Name / Created At table of kinds without a printer. */
export const defaultPrinter: Printer = {
  columns: [nameColumn, {name: 'Created At', type: 'date', description: ageColumn.description}],
  row: (object) => [object.metadata.name ?? '', object.metadata.creationTimestamp ?? null],
}

export type IncludeObject = 'None' | 'Metadata' | 'Object'

/** Whether an Accept header asks for a Table (as kubectl get does). */
export function wantsTable(accept: string): boolean {
  return accept.split(',').some((part) => {
    const parameters = part.split(';').map((piece) => piece.trim())
    return parameters.includes('as=Table') && parameters.includes('g=meta.k8s.io')
  })
}

export function toTable(
  printer: Printer,
  definition: ResourceDefinition,
  objects: readonly KubeObject[],
  listMetadata: Record<string, unknown>,
  includeObject: IncludeObject,
  nowMilliseconds: number,
): Record<string, unknown> {
  const rows = objects.map((object) => {
    const row: Record<string, unknown> = {cells: printer.row(object, nowMilliseconds)}
    if (includeObject === 'Object') row.object = {kind: definition.kind, apiVersion: definition.group ? `${definition.group}/${definition.version}` : definition.version, ...object}
    else if (includeObject === 'Metadata') row.object = {kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata}
    return row
  })
  return {kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: listMetadata, columnDefinitions: printer.columns, rows}
}
