// `kubectl events`: a namespace's events (or all namespaces'), oldest first, optionally --for one
// object and --types; with -w, kubectl 1.32 lists nothing: it opens one watch without a
// resourceVersion (the server sends what exists as ADDED events, in its key order, then each new
// one) and prints every event as it comes, until the watch ends or --request-timeout passes.
import {isJsonObject, isKubeObject, type KubeObject} from '../../api/object.js'
import {humanDuration} from '../../util/go-duration.js'
import {goYaml} from '../../printers/kubectl/go-yaml.js'
import {goJson} from '../../util/go-json.js'
import {RememberingTabwriter, tabwrite} from '../../printers/kubectl/table.js'
import {KubectlError} from '../errors.js'
import {sortEventsAsKubectl} from '../event-order.js'
import type {KubectlFlag} from '../flags.js'
import {checkTemplateParses, outputFormatOf, printTemplated} from '../output.js'
import {collectionPath, defaultChunkSize, requestInChunks, ResourceMapper} from '../resources.js'
import type {KubectlSession} from '../session.js'
import {endWatchAtRequestTimeout, watchEventsPrintedMax} from './watch.js'

export const eventsFlags: readonly KubectlFlag[] = [
  {name: 'all-namespaces', shorthand: 'A', kind: 'bool'},
  {name: 'for', kind: 'string'},
  {name: 'types', kind: 'stringSlice'},
  {name: 'no-headers', kind: 'bool'},
  {name: 'output', shorthand: 'o', kind: 'string'},
  {name: 'watch', shorthand: 'w', kind: 'bool'},
  {name: 'chunk-size', kind: 'int', defaultValue: '500'},
  {name: 'template', kind: 'string'},
  {name: 'show-managed-fields', kind: 'bool'},
  {name: 'allow-missing-template-keys', kind: 'bool', defaultValue: 'true'},
]

const text = (value: unknown) => (typeof value === 'string' ? value : '')

/** The fields of `record` named in `order`, in that order; absent ones left out, or set to `absent` when given. */
function ordered(record: Record<string, unknown>, order: readonly string[], always: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const key of order) {
    if (record[key] !== undefined && record[key] !== null) out[key] = record[key]
    else if (key in always) out[key] = always[key]
  }
  return out
}

const objectMetaOrder = ['name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields']
const managedFieldsEntryOrder = ['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1', 'subresource']
const referenceOrder = ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath']

/**
 * An Event as kubectl events prints it from its typed client: Go's struct order, zero times as
 * null; managedFields only where kept (json and yaml drop them without --show-managed-fields,
 * templates see them).
 */
function typedEvent(event: KubeObject, keepManagedFields: boolean): Record<string, unknown> {
  const record: Record<string, unknown> = event
  const reference = (value: unknown) => ordered(isJsonObject(value) ? value : {}, referenceOrder)
  const typed = ordered(record, ['metadata', 'involvedObject', 'reason', 'message', 'source', 'firstTimestamp', 'lastTimestamp', 'count', 'type', 'eventTime', 'series', 'action', 'related', 'reportingComponent', 'reportingInstance'], {
    source: {},
    firstTimestamp: null,
    lastTimestamp: null,
    eventTime: null,
    reportingComponent: '',
    reportingInstance: '',
  })
  const metadata = ordered(isJsonObject(record.metadata) ? record.metadata : {}, objectMetaOrder)
  if (!keepManagedFields || !Array.isArray(metadata.managedFields)) delete metadata.managedFields
  else metadata.managedFields = metadata.managedFields.map((entry: unknown) => ordered(isJsonObject(entry) ? entry : {}, managedFieldsEntryOrder))
  typed.metadata = metadata
  typed.involvedObject = reference(record.involvedObject)
  if (typed.related) typed.related = reference(typed.related)
  typed.source = ordered(isJsonObject(typed.source) ? typed.source : {}, ['component', 'host'])
  return {kind: 'Event', apiVersion: 'v1', ...typed}
}

/** A cell as kubectl 1.32's event printer writes it: terminal escapes shown (a newline stays one, breaking the table's line). */
function eventCell(value: unknown): string {
  return text(value).replaceAll('\x1b', '^[').replaceAll('\r', '\\r')
}

/** The LAST SEEN cell: a series' or a repeated event's last time with its count, else when it first happened. */
function eventInterval(event: KubeObject, now: number): string {
  const since = (value: unknown) => {
    const time = Date.parse(text(value))
    return Number.isNaN(time) ? '<unknown>' : humanDuration(now - time)
  }
  const first = text(event.eventTime) !== '' ? since(event.eventTime) : since(event.firstTimestamp)
  const series = isJsonObject(event.series) ? event.series : null
  if (series) return `${since(series.lastObservedTime)} (x${typeof series.count === 'number' ? series.count : 0} over ${first})`
  const count = typeof event.count === 'number' ? event.count : 0
  if (count > 1) return `${since(event.lastTimestamp)} (x${count} over ${first})`
  return first
}

/** Prints events one at a time or a list of them, as kubectl events' printer for the -o given. */
/** The output formats kubectl events prints (its printer flags: no table printers). */
const eventsOutputFormats = ['go-template', 'go-template-file', 'json', 'jsonpath', 'jsonpath-as-json', 'jsonpath-file', 'name', 'template', 'templatefile', 'yaml']

class EventPrinter {
  private readonly tabwriter = new RememberingTabwriter()
  private headerPrinted: boolean
  private printed = 0

  constructor(
    private readonly session: KubectlSession,
    private readonly output: string,
    private readonly allNamespaces: boolean,
  ) {
    this.headerPrinted = session.flag('no-headers') === 'true'
    // The printer is made before any request: an unknown format fails first.
    if (!['', 'json', 'yaml', 'name'].includes(output)) {
      // kubectl events has no table printers (wide, custom-columns): their names are unknown formats too.
      const refused = new KubectlError(`unable to match a printer suitable for the output format "${output}", allowed formats are: ${eventsOutputFormats.join(',')}`)
      if (!eventsOutputFormats.includes(output.split('=')[0]!)) throw refused
      // --template serves -o go-template and the other template formats only: alone it leaves the table.
      this.template = outputFormatOf(output, session.flag('template'), session.flag('allow-missing-template-keys'))
      if (this.template.format !== 'jsonpath' && this.template.format !== 'go-template') throw refused
      checkTemplateParses(this.template)
    }
  }

  private template: ReturnType<typeof outputFormatOf> | null = null

  /** The table's rows (the header with the first), or each object in the format asked for. */
  print(events: readonly KubeObject[], asList: boolean): string {
    if (this.output === '') return this.table(events)
    // kubectl events prints a typed EventList: its fields in Go's struct order, no list metadata.
    // Only its json and yaml printers drop managedFields: the templates see them.
    const keepManagedFields = this.template !== null || this.session.flag('show-managed-fields') === 'true'
    const typed = (event: KubeObject) => typedEvent(event, keepManagedFields)
    const value = asList ? {kind: 'EventList', apiVersion: 'v1', metadata: {}, items: events.map(typed)} : typed(events[0]!)
    this.printed++
    if (this.output === 'json') return `${goJson(value, false)}\n`
    // The YAML printer separates each object from the one it printed before.
    if (this.output === 'yaml') return `${this.printed > 1 ? '---\n' : ''}${goYaml(value)}`
    // The name printer finds no object in an EventList.
    if (this.output === 'name') return asList ? '' : `event/${events[0]!.metadata.name ?? ''}\n`
    return printTemplated(this.template!, [value], true, false)
  }

  private table(events: readonly KubeObject[]): string {
    const now = this.session.clock.nowMilliseconds()
    const rows = events.map((event) => {
      const involved = isJsonObject(event.involvedObject) ? event.involvedObject : {}
      const object = `${eventCell(involved.kind)}/${eventCell(involved.name)}`
      return [...(this.allNamespaces ? [event.metadata.namespace ?? ''] : []), eventInterval(event, now), eventCell(event.type), eventCell(event.reason), object, eventCell(text(event.message).trim())]
    })
    if (!this.headerPrinted) rows.unshift([...(this.allNamespaces ? ['NAMESPACE'] : []), 'LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'])
    this.headerPrinted = true
    // A list is one table; events that come one by one keep the widths of those before them.
    return this.tabwriter.write(rows)
  }
}

export async function runEvents(session: KubectlSession): Promise<number> {
  // --types: Normal or Warning in any case, checked before any request.
  const types = session.list('types').map((type) => type.toLowerCase())
  if (types.some((type) => type !== 'normal' && type !== 'warning')) throw new KubectlError('valid --types are Normal or Warning')
  const allNamespaces = session.flag('all-namespaces') === 'true'
  const namespace = session.namespace()
  const mapper = await ResourceMapper.discover(session)
  const query: Record<string, string> = {}
  if (session.flag('for')) {
    const [kindText, name] = session.flag('for').split('/')
    if (!name) throw new KubectlError(`--for must be in resource/name form`)
    const resource = mapper.resolveBare(kindText!)
    query.fieldSelector = `involvedObject.kind=${resource.kind},involvedObject.apiVersion=${resource.group ? `${resource.group}/${resource.version}` : resource.version},involvedObject.name=${name}`
  }
  const printer = new EventPrinter(session, session.flag('output'), allNamespaces)
  const wanted = (event: KubeObject) => types.length === 0 || types.includes(text(event.type).toLowerCase())
  const path = collectionPath(mapper.resolve('events'), allNamespaces ? '' : namespace)
  if (session.flag('watch') === 'true') return watchEvents(session, path, query, wanted, printer)
  // kubectl events reads in chunks of kubectl's default size, whatever --chunk-size says.
  const listed = await requestInChunks(session, path, {query}, defaultChunkSize)
  const items = ((listed.body as {items?: KubeObject[]}).items ?? []).filter(wanted)
  if (items.length === 0) {
    session.io.stderr(allNamespaces ? 'No events found.\n' : `No events found in ${namespace} namespace.\n`)
    return 0
  }
  // kubectl sorts with Go's unstable sort.Sort: events of the same second end in its order.
  sortEventsAsKubectl(items, 'last seen')
  session.io.stdout(printer.print(items, true))
  return 0
}

/** One watch (no list first), each event printed as it comes; deleted events and ones of other --types are not. */
async function watchEvents(session: KubectlSession, path: string, query: Record<string, string>, wanted: (event: KubeObject) => boolean, printer: EventPrinter): Promise<number> {
  const response = await session.request('GET', path, {query: {...query, limit: String(defaultChunkSize), watch: 'true'}, withoutTimeoutParameter: true})
  const watch = response.watch
  if (!watch) throw new KubectlError('the server did not start a watch')
  const timer = endWatchAtRequestTimeout(session, watch)
  let printed = 0
  try {
    for (;;) {
      const events = await watch.next()
      // kubectl events ends quietly when its watch does, whatever ended it.
      if (!events) return 0
      for (const event of events) {
        // Events are deleted an hour after they were last seen: kubectl does not show that; an
        // error or bookmark is no Event to print.
        if (event.type === 'DELETED' || event.type === 'ERROR' || event.type === 'BOOKMARK') continue
        if (!isKubeObject(event.object) || !wanted(event.object)) continue
        session.io.stdout(printer.print([event.object], false))
        if (++printed >= watchEventsPrintedMax) return 0
      }
    }
  } finally {
    if (timer) clearTimeout(timer)
    watch.cancel()
  }
}
