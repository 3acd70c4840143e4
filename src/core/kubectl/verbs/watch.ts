// `kubectl get -w` / `--watch-only` / `--output-watch-events`: the list first (unless
// --watch-only), then one line per change from the list's resourceVersion, rows aligned with
// what was printed before, until the watch ends or the command is interrupted.
import type {ApiResponse} from '../../api/wire.js'
import {fieldAt, isKubeObject, type KubeObject} from '../../api/object.js'
import {goJson} from '../../util/go-json.js'
import {goYaml} from '../../printers/kubectl/go-yaml.js'
import {isServerTable, RememberingTabwriter, type ServerTable, tableCells} from '../../printers/kubectl/table.js'
import {KubectlError} from '../errors.js'
import {type OutputFormat, withoutManagedFields} from '../output.js'
import {type ApiResource, chunkSizeOf, collectionPath, kindName, requestInChunks} from '../resources.js'
import type {KubectlSession} from '../session.js'

/** A watch prints at most this many events before it stops (a bound, far beyond a session's needs). */
export const watchEventsPrintedMax = 10_000_000

const tableAccept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json'

/** The EVENT cell as kubectl's table printer writes it: the known types padded to one width. */
function eventTypeCell(type: string): string {
  return ['ADDED', 'MODIFIED', 'DELETED', 'ERROR'].includes(type) ? type.padEnd('MODIFIED'.length) : type
}

export async function runWatch(session: KubectlSession, resource: ApiResource, names: readonly string[], format: OutputFormat, query: Record<string, string>, allNamespaces: boolean): Promise<number> {
  if (!['table', 'wide', 'yaml', 'json', 'name'].includes(format)) throw new KubectlError(`watch is not supported with -o ${session.flag('output')}`)
  if (names.length > 1) throw new KubectlError('watch is only supported on individual resources and resource collections, but 2 resources were found.')
  const namespace = resource.namespaced && !allNamespaces ? session.namespace() : ''
  const path = collectionPath(resource, namespace)
  const fullQuery = {...query, ...(names.length === 1 ? {fieldSelector: `metadata.name=${names[0]}`} : {})}
  const wantsTable = format === 'table' || format === 'wide'
  const withEvents = session.flag('output-watch-events') === 'true'
  const writer = new RememberingTabwriter()
  let columns: ServerTable['columnDefinitions'] = []
  const print = (table: ServerTable | null, object: KubeObject | null, event: string, header: boolean) => {
    if (wantsTable && table) {
      if (table.columnDefinitions.length > 0) columns = table.columnDefinitions
      const cells = tableCells({columnDefinitions: columns, rows: table.rows}, {
        wide: format === 'wide',
        noHeaders: !header || session.flag('no-headers') === 'true',
        withNamespace: allNamespaces && resource.namespaced,
        kindPrefix: null,
        labelColumns: session.list('label-columns'),
        showLabels: session.flag('show-labels') === 'true',
      })
      const rows = withEvents ? cells.map((row, index) => [header && index === 0 && session.flag('no-headers') !== 'true' ? 'EVENT' : eventTypeCell(event), ...row]) : cells
      session.io.stdout(writer.write(rows))
    } else if (object) {
      const typed = withoutManagedFields({apiVersion: resource.group ? `${resource.group}/${resource.version}` : resource.version, kind: resource.kind, ...object})
      const value = withEvents ? {type: event, object: typed} : typed
      if (format === 'name') session.io.stdout(`${kindName(resource)}/${object.metadata.name ?? ''}\n`)
      else if (format === 'yaml') session.io.stdout(`${goYaml(value)}---\n`)
      else session.io.stdout(`${goJson(value)}\n`)
    }
  }
  // The first list comes in chunks, as get's; the table's rows carry their objects' metadata by
  // default. --watch-only lists too, for the resourceVersion the watch starts from (without one
  // the server would replay what exists as ADDED events), and prints none of it.
  const listed = await requestInChunks(session, path, {accept: wantsTable ? tableAccept : undefined, query: fullQuery}, chunkSizeOf(session))
  const resourceVersion = String(fieldAt(listed.body, 'metadata.resourceVersion') ?? '')
  // The table's header comes with the first rows printed: the list's, else the first event's.
  let headerPrinted = false
  if (session.flag('watch-only') !== 'true') {
    if (wantsTable) {
      const table = listed.body
      if (!isServerTable(table)) throw new KubectlError('the server answered the list with no Table')
      // An empty first list prints nothing: a watch says no "No resources found".
      if (table.rows.length > 0) {
        print(table, null, 'ADDED', true)
        headerPrinted = true
      }
    } else {
      const items = fieldAt(listed.body, 'items') ?? []
      if (!Array.isArray(items) || !items.every(isKubeObject)) throw new KubectlError('the server answered the list with items that are not objects')
      for (const item of items) print(null, item, 'ADDED', false)
    }
  }
  const response = await session.request('GET', path, {
    accept: wantsTable ? tableAccept : undefined,
    query: {...fullQuery, watch: 'true', ...(resourceVersion ? {resourceVersion} : {})},
  })
  const watch = response.watch
  if (!watch) throw new KubectlError('the server did not start a watch')
  const timer = endWatchAtRequestTimeout(session, watch)
  try {
    return await printEvents(watch, print, !headerPrinted, wantsTable)
  } finally {
    if (timer) clearTimeout(timer)
  }
}

type WatchStream = NonNullable<ApiResponse['watch']>

/**
 * --request-timeout bounds a watch as kubectl's HTTP client does: the stream ends quietly (exit
 * 0), client-go's stream watcher logging why at -v=5. Returns the timer to clear once the watch ends.
 */
export function endWatchAtRequestTimeout(session: KubectlSession, watch: WatchStream): ReturnType<typeof setTimeout> | null {
  const timeoutMilliseconds = session.requestTimeoutMilliseconds()
  if (timeoutMilliseconds <= 0) return null
  return setTimeout(() => {
    session.klog(5, 'streamwatcher.go:114', 'Unable to decode an event from the watch stream: context deadline exceeded (Client.Timeout or context cancellation while reading body)')
    watch.cancel()
  }, timeoutMilliseconds)
}

async function printEvents(watch: WatchStream, print: (table: ServerTable | null, object: KubeObject | null, event: string, header: boolean) => void, headerFirst: boolean, wantsTable: boolean): Promise<number> {
  let printed = 0
  let header = headerFirst
  for (;;) {
    const events = await watch.next()
    if (!events) break
    for (const event of events) {
      if (event.type === 'BOOKMARK') continue
      if (event.type === 'ERROR') {
        watch.cancel()
        throw new KubectlError(String(event.object.message ?? 'watch failed'))
      }
      const {object} = event
      if (wantsTable && isServerTable(object)) print(object, null, event.type, header)
      else if (!wantsTable && isKubeObject(object)) print(null, object, event.type, header)
      else {
        // client-go's StreamWatcher ends a watch on an event it cannot decode, with this error.
        watch.cancel()
        throw new KubectlError(`unable to decode an event from the watch stream: a ${event.type} event carries no ${wantsTable ? 'Table' : 'object with metadata'}`)
      }
      header = false
      if (++printed >= watchEventsPrintedMax) {
        watch.cancel()
        return 0
      }
    }
  }
  return 0
}
