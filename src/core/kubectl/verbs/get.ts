// `kubectl get`: resources by type (several with commas, categories like `all`), by name or as
// TYPE/NAME, lists with label and field selectors in one namespace or all; printed as kubectl's
// tables (from the server's Table), wide, yaml, json or name; NotFound errors for missing names,
// and "No resources found" when nothing matched.
import {assert} from '../../util/assert.js'
import type {KubeObject} from '../../api/object.js'
import {answerTable, type ServerTable, tableCells, tabwrite} from '../../printers/kubectl/table.js'
import {collectServerError, KubectlError, KubectlPlainError} from '../errors.js'
import type {KubectlFlag} from '../flags.js'
import {nameOf, type OutputFormat, outputFormatOf, printObjects, printTemplated} from '../output.js'
import {type ApiResource, chunkSizeOf, collectionPath, kindName, ResourceMapper, requestList, requestNamed} from '../resources.js'
import type {KubectlSession} from '../session.js'
import {sortIndexes, sortIndexesByTemplate, tableSortTemplate, UnsortableValuesError} from '../../printers/kubectl/sort-by.js'
import {relaxedTemplate} from '../../printers/kubectl/custom-columns.js'
import {klogLine} from '../request-log.js'

/**
 * kubectl's sorter stops the process (klog.Exitf: an F line on stderr, exit 1) when two values
 * cannot be ordered: a bool, map or list, or values of different types. The table sort names its
 * rows' type, the object sort the object's.
 */
function unsortableExit(error: UnsortableValuesError, sortBy: string, tableRows: boolean): KubectlPlainError {
  let field = sortBy
  try {
    field = relaxedTemplate(sortBy)
  } catch {
    // kubectl sorts by the text as given when it is not a relaxed path.
  }
  const [source, type] = tableRows ? ['sorter.go:375', '[][][]reflect.Value'] : ['sorter.go:329', '*unstructured.Unstructured']
  return new KubectlPlainError(klogLine('F', source, `Field ${field} in ${type} is an unsortable type: interface, err: ${error.reason}`))
}

/** --sort-by's order; a path kubectl cannot read is its error line, not a crash. */
function sortedOrder(objects: readonly unknown[], path: string): number[] {
  try {
    return sortIndexes(objects, path)
  } catch (error) {
    if (error instanceof UnsortableValuesError) throw unsortableExit(error, path, false)
    if (error instanceof KubectlError) throw error
    throw new KubectlError(error instanceof Error ? error.message : String(error))
  }
}

/** The rows of one list's table in --sort-by's order: kubectl takes a path that is not a relaxed one as it is. */
function sortedRows<Row extends {object?: unknown}>(rows: readonly Row[], sortBy: string): Row[] {
  const template = tableSortTemplate(sortBy)
  if (template === null) return []
  try {
    return sortIndexesByTemplate(rows.map((row) => row.object), template).map((index) => rows[index]!)
  } catch (error) {
    if (error instanceof UnsortableValuesError) throw unsortableExit(error, sortBy, true)
    // A path no row has: kubectl's table sort fails quietly and prints no rows.
    return []
  }
}

/**
 * --sort-by on tables: one list's rows are sorted by their objects; several answers (kinds or
 * named objects) kubectl sorts as whole Table objects, which fails for any path a Table lacks
 * (`.metadata.name`) and otherwise leaves the rows as they came.
 */
function sortTables(tables: Array<{resource: ApiResource; table: ServerTable}>, answered: readonly unknown[], sortBy: string, single: boolean): void {
  if (answered.length > 1) {
    sortedOrder(answered.map((table) => ({kind: 'Table', apiVersion: 'meta.k8s.io/v1', ...(table as object)})), sortBy)
    return
  }
  const entry = tables[0]
  if (single || !entry || entry.table.rows.length <= 1) return
  const rows = sortedRows(entry.table.rows, sortBy)
  if (rows.length === 0) tables.splice(0, 1)
  else tables[0] = {resource: entry.resource, table: {...entry.table, rows}}
}

export const getFlags: readonly KubectlFlag[] = [
  {name: 'output', shorthand: 'o', kind: 'string'},
  {name: 'selector', shorthand: 'l', kind: 'string'},
  {name: 'field-selector', kind: 'string'},
  {name: 'all-namespaces', shorthand: 'A', kind: 'bool'},
  {name: 'show-labels', kind: 'bool'},
  {name: 'label-columns', shorthand: 'L', kind: 'stringSlice'},
  {name: 'no-headers', kind: 'bool'},
  {name: 'ignore-not-found', kind: 'bool'},
  {name: 'show-kind', kind: 'bool'},
  {name: 'sort-by', kind: 'string'},
  {name: 'watch', shorthand: 'w', kind: 'bool'},
  {name: 'watch-only', kind: 'bool'},
  {name: 'output-watch-events', kind: 'bool'},
  {name: 'chunk-size', kind: 'int', defaultValue: '500'},
  {name: 'filename', shorthand: 'f', kind: 'stringArray'},
  {name: 'kustomize', shorthand: 'k', kind: 'string'},
  {name: 'recursive', shorthand: 'R', kind: 'bool'},
  {name: 'raw', kind: 'string'},
  {name: 'show-managed-fields', kind: 'bool'},
  {name: 'server-print', kind: 'bool', defaultValue: 'true'},
  {name: 'subresource', kind: 'string'},
  {name: 'allow-missing-template-keys', kind: 'bool', defaultValue: 'true'},
  {name: 'template', kind: 'string'},
]

const tableAccept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json'

interface Request {
  readonly resource: ApiResource
  /** Empty: list the collection. */
  readonly names: string[]
  /** The objects' own namespace (objects named in files), instead of -n's. */
  readonly namespace?: string
}

/** The verbs that gather their builder's errors with the others they meet and print them bare. */
const gatheringVerbs: ReadonlySet<string> = new Set(['describe', 'rollout restart', 'rollout pause', 'rollout resume'])

/** An error of kubectl's resource builder as it reads files (a parse, a decode, a kind not mapped), which get's table printer and describe gather and print bare. */
function builderReadError(error: KubectlError): boolean {
  return /^(error parsing |unable to decode |resource mapping not found )/.test(error.message)
}

/**
 * `get -f` or `get -k`: each object of the files or the built kustomization, by kind, name and its
 * own namespace. `verb`: whose files they are; only get refuses files without objects (the
 * others then find no resources).
 */
export async function requestsFromFiles(session: KubectlSession, mapper: ResourceMapper, paths: readonly string[], verb = 'get'): Promise<Request[]> {
  // The manifest readers and apply's object placement load only for `-f|-k`: a plain get skips them.
  const [{readManifestEntries, isManifest}, {readManifestsOrKustomization}, {placeObject}] = await Promise.all([import('../manifests.js'), import('../kustomize/manifests.js'), import('./apply.js')])
  const readEntries = async () => {
    // Only the writers (create, apply, replace) validate what they read: the other verbs map what they find.
    // rollout's builder decodes into kubectl's Go types (an object without apiVersion is refused); the others read unstructured.
    const entries = await readManifestEntries(paths, session.flag('recursive') === 'true', () => session.io.readStdin(), false, verb.startsWith('rollout') ? 'typed' : 'unstructured')
    return entries.map((entry) => {
      if (!isManifest(entry)) throw entry.error
      return entry
    })
  }
  // Files of no objects are an empty result for get and describe (kubectl's builder gives nothing to list), not an error.
  // describe and rollout restart|pause|resume gather what their builder failed to read and print it bare, without `error: ` (get's table printer too: see runGet).
  // A kustomization that fails to build is such an error too (-k alone: beside -f it is the flags' refusal).
  const kustomizationOnly = session.flag('kustomize') !== '' && paths.length === 0
  const bareForDescribe = (error: unknown): never => {
    if (gatheringVerbs.has(verb) && error instanceof KubectlError && !(error instanceof KubectlPlainError) && (builderReadError(error) || kustomizationOnly)) throw new KubectlPlainError(error.message)
    throw error
  }
  const manifests = await (session.flag('kustomize') !== '' ? readManifestsOrKustomization(session, 'get') : readEntries()).catch(bareForDescribe)
  const requests: Request[] = []
  for (const manifest of manifests) {
    const placed = (() => {
      try {
        return placeObject(session, mapper, manifest)
      } catch (error) {
        return bareForDescribe(error)
      }
    })()
    const {resource, namespace} = placed
    const name = manifest.object.metadata.name ?? ''
    const existing = requests.find((request) => request.resource === resource && request.namespace === namespace)
    if (existing) existing.names.push(name)
    else requests.push({resource, names: [name], namespace})
  }
  return requests
}

/**
 * The resource builder's refusal of names beside a selection (-l, --field-selector, or --all
 * where the verb takes it as one): `TYPE/NAME` or several types with names (its resource tuples)
 * in one message, `TYPE NAME…` in another.
 */
/** kubectl's resource builder refuses TYPE beside TYPE/NAME arguments first, whatever else the command asks. */
function refuseCombinedTypeArguments(args: readonly string[]): void {
  if (args.some((argument) => argument.includes('/')) && !args.every((argument) => argument.includes('/'))) {
    throw new KubectlError(`there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'`)
  }
}

/** The resource builder's refusal of arguments beside -f/-k: `TYPE/NAME` (its resource tuples) in one message, `TYPE NAME…` in another. */
export function refuseArgumentsWithPaths(args: readonly string[]): void {
  if (args.length === 0) return
  refuseCombinedTypeArguments(args)
  if (args.some((argument) => argument.includes('/'))) throw new KubectlError('resource/name arguments cannot be provided when a path is specified')
  throw new KubectlError('when paths, URLs, or stdin is provided as input, you may not specify resource arguments as well')
}

export function refuseNamesWithSelection(args: readonly string[], selecting: boolean): void {
  refuseCombinedTypeArguments(args)
  if (!selecting || args.length === 0) return
  const tuples = args.some((argument) => argument.includes('/')) || (args.length > 1 && args[0]!.split(',').filter((type) => type.length > 0).length > 1)
  if (tuples) throw new KubectlError('selectors and the all flag cannot be used when passing resource/name arguments')
  if (args.length > 1) throw new KubectlError('name cannot be provided when a selector is specified')
}

export function parseResourceArguments(mapper: ResourceMapper, args: readonly string[]): Request[] {
  if (args.length === 0) return []
  refuseCombinedTypeArguments(args)
  if (args[0]!.includes('/')) {
    // The builder splits every argument before it maps any (splitResourceTypeName).
    for (const argument of args) {
      const parts = argument.split('/')
      if (parts.length !== 2) throw new KubectlError('arguments in resource/name form may not have more than one slash')
      if (parts.some((part) => part.length === 0) || parts[0]!.split(',').filter((type) => type.length > 0).length !== 1) throw new KubectlError('arguments in resource/name form must have a single resource and name')
    }
    const requests: Request[] = []
    for (const argument of args) {
      const slash = argument.indexOf('/')
      assert(slash >= 0, 'every argument names a resource/name (refuseCombinedTypeArguments)')
      const resource = mapper.resolve(argument.slice(0, slash))
      const name = argument.slice(slash + 1)
      const existing = requests.find((request) => request.resource === resource)
      if (existing) existing.names.push(name)
      else requests.push({resource, names: [name]})
    }
    return requests
  }
  const types = args[0]!.split(',').filter((type) => type.length > 0)
  const resources: ApiResource[] = []
  for (const type of types) {
    const category = mapper.find(type) ? [] : mapper.category(type)
    if (category.length > 0) resources.push(...category)
    else resources.push(mapper.resolve(type))
  }
  const names = args.slice(1)
  for (const name of names) if (name.includes('/')) throw new KubectlError(`arguments in resource/name form must have a single resource and name`)
  return resources.map((resource) => ({resource, names: [...names]}))
}

export async function runGet(session: KubectlSession, args: readonly string[]): Promise<number> {
  const watching = session.flag('watch') === 'true' || session.flag('watch-only') === 'true'
  // kubectl's Validate, in its order.
  if (session.flag('raw')) {
    if (watching || session.flag('selector')) throw new KubectlError('--raw may not be specified with other flags that filter the server request or alter the output')
    if (session.flag('output')) throw new KubectlError('--raw and --output are mutually exclusive')
  }
  const output = outputFormatOf(session.flag('output'), session.flag('template'), session.flag('allow-missing-template-keys'))
  const format: OutputFormat = output.format
  // Labels are a column: only the table printers have them.
  if (session.flag('show-labels') === 'true' && format !== 'table' && format !== 'wide') throw new KubectlError(`--show-labels option cannot be used with ${session.flag('output')} printer`)
  if (session.flag('output-watch-events') === 'true' && !watching) throw new KubectlError('--output-watch-events option can only be used with --watch or --watch-only')
  if (session.flag('raw')) return (await import('./raw.js')).runRaw(session, 'GET', args)
  const mapper = await ResourceMapper.discover(session)
  const files = session.list('filename')
  const fromFiles = files.length > 0 || session.flag('kustomize') !== ''
  if (fromFiles) refuseArgumentsWithPaths(args)
  const requests = fromFiles ? await requestsFromFiles(session, mapper, files).catch((error: unknown) => {
    // The table printer's get collects a kustomization's failure, or a file it cannot parse, with the others and prints them bare.
    const collected = (session.flag('kustomize') !== '' && files.length === 0) || (error instanceof KubectlError && builderReadError(error))
    if (collected && (format === 'table' || format === 'wide') && error instanceof KubectlError && !(error instanceof KubectlPlainError)) throw new KubectlPlainError(error.message)
    throw error
  }) : parseResourceArguments(mapper, args)
  if (!fromFiles) refuseNamesWithSelection(args, session.flag('selector') !== '' || session.flag('field-selector') !== '')
  if (requests.length === 0 && !fromFiles) {
    throw new KubectlError(
      'You must specify the type of resource to get. Use "kubectl api-resources" for a complete list of supported resources.\n\nerror: Required resource not specified.\nUse "kubectl explain <resource>" for a detailed description of that resource (e.g. kubectl explain pods).\nSee \'kubectl get -h\' for help and examples',
    )
  }
  const allNamespaces = session.flag('all-namespaces') === 'true'
  const namespace = allNamespaces ? '' : session.namespace()
  const query: Record<string, string> = {}
  if (session.flag('selector')) query.labelSelector = session.flag('selector')
  if (session.flag('field-selector')) query.fieldSelector = session.flag('field-selector')
  if (session.flag('watch') === 'true' || session.flag('watch-only') === 'true') {
    if (requests.length > 1) throw new KubectlError('you may only specify a single resource type')
    const {runWatch} = await import('./watch.js')
    return runWatch(session, requests[0]!.resource, requests[0]!.names, format, query, allNamespaces)
  }
  const kinds = new Set(requests.map((request) => request.resource))
  const withKind = kinds.size > 1 || session.flag('show-kind') === 'true'
  const errors: string[] = []
  const objects: KubeObject[] = []
  const tables: Array<{resource: ApiResource; table: ServerTable}> = []
  const single = requests.length === 1 && requests[0]!.names.length === 1
  const wantsTable = format === 'table' || format === 'wide'
  /** What the server answered as kubectl's builder counts them (one per list, one per named object), as tables. */
  const answeredTables: unknown[] = []
  for (const {resource, names, namespace: ownNamespace} of requests) {
    const accept = wantsTable ? tableAccept : undefined
    const sortBy = session.flag('sort-by')
    // Metadata is the server's default: kubectl asks only for whole objects (to sort them).
    const tableQuery: Record<string, string> = sortBy ? {includeObject: 'Object'} : {}
    if (names.length > 0) {
      const rows: ServerTable['rows'][number][] = []
      let columns: ServerTable['columnDefinitions'] | null = null
      for (const name of names) {
        try {
          const response = await requestNamed(session, resource, ownNamespace ?? (namespace || session.namespace()), name, {accept, query: wantsTable ? {...tableQuery} : undefined})
          if (wantsTable) {
            const table = answerTable(response.body, session.clock.nowMilliseconds())
            answeredTables.push(table)
            columns ??= table.columnDefinitions
            rows.push(...table.rows)
          } else {
            objects.push(response.body as KubeObject)
          }
        } catch (error) {
          collectServerError(error, errors, session.flag('ignore-not-found') === 'true', session)
        }
      }
      if (columns) tables.push({resource, table: {columnDefinitions: columns, rows}})
      continue
    }
    let response: Awaited<ReturnType<typeof requestList>>
    try {
      // kubectl reads a list in chunks, except to sort it (it sorts one whole list).
      response = await requestList(session, resource, resource.namespaced ? namespace : '', {accept, query: {...query, ...(wantsTable ? tableQuery : {})}, chunkSize: sortBy ? 0 : chunkSizeOf(session)})
    } catch (error) {
      // kubectl goes on with the next kind and prints every refusal at the end.
      collectServerError(error, errors, false, session)
      continue
    }
    if (wantsTable) {
      const table = answerTable(response.body, session.clock.nowMilliseconds())
      answeredTables.push(table)
      if (table.rows.length > 0) tables.push({resource, table})
    } else {
      const body = response.body as {items?: KubeObject[]}
      for (const item of body.items ?? []) objects.push({apiVersion: resource.group ? `${resource.group}/${resource.version}` : resource.version, kind: resource.kind, ...item})
    }
  }
  if (session.flag('sort-by') && wantsTable) sortTables(tables, answeredTables, session.flag('sort-by'), single)
  // kubectl leaves a single object unsorted, whatever the path; a list, even of one, it sorts.
  if (session.flag('sort-by') && !wantsTable && !single && objects.length > 0) {
    const order = sortedOrder(objects, session.flag('sort-by'))
    const sorted = order.map((index) => objects[index]!)
    objects.splice(0, objects.length, ...sorted)
  }
  const printed: string[] = []
  // kubectl's name and go-template printers first try the List it built (of named objects or of
  // several kinds) as a Table, and log (-v=2) that they fall back.
  if ((format === 'name' || format === 'go-template') && (requests.length !== 1 || requests[0]!.names.length > 0)) {
    session.klog(2, 'table_printer.go:45', 'Unable to decode server response into a Table. Falling back to hardcoded types: attempt to decode non-Table object')
  }
  if (wantsTable) {
    tables.forEach(({resource, table}, index) => {
      const cells = tableCells(table, {
        wide: format === 'wide',
        noHeaders: session.flag('no-headers') === 'true',
        withNamespace: allNamespaces && resource.namespaced,
        kindPrefix: withKind ? kindName(resource) : null,
        labelColumns: session.list('label-columns'),
        showLabels: session.flag('show-labels') === 'true',
      })
      // Each kind's table after the first follows a blank line, unless there are no headers.
      printed.push((index > 0 && session.flag('no-headers') !== 'true' ? '\n' : '') + tabwrite(cells))
    })
  } else if (format === 'name') {
    for (const object of objects) {
      const resource = requests.find((request) => request.resource.kind === object.kind)?.resource ?? requests[0]!.resource
      printed.push(`${nameOf(resource, object)}\n`)
    }
  } else if (format === 'jsonpath' || format === 'custom-columns' || format === 'go-template') {
    // An empty list still prints: the template over an empty List, the columns' headers.
    if (objects.length > 0 || format === 'jsonpath' || !single) printed.push(printTemplated(output, objects, single, session.flag('no-headers') === 'true'))
  } else if (objects.length > 0 || !single) {
    printed.push(printObjects(format, objects, single, session.flag('show-managed-fields') === 'true'))
  }
  session.io.stdout(printed.join(''))
  for (const error of errors) session.io.stderr(`${error}\n`)
  // Only human-readable output says so; the other formats print an empty List or nothing.
  if (wantsTable && tables.length === 0 && errors.length === 0 && requests.every((request) => request.names.length === 0)) {
    // Files of no objects: the builder's namespace is the session's.
    const namespaced = requests.length === 0 || requests.some((request) => request.resource.namespaced)
    session.io.stderr(allNamespaces || !namespaced ? 'No resources found\n' : `No resources found in ${namespace} namespace.\n`)
  }
  return errors.length > 0 ? 1 : 0
}

