// `kubectl describe`: TYPE NAME…, TYPE/NAME…, TYPE with -l or alone (every object of it), each
// described in kubectl's layout with its events; descriptions separated by two blank lines.
import type {KubeObject} from '../../api/object.js'
import type {DescribeContext} from '../describe/context.js'
import {collectServerError, KubectlError} from '../errors.js'
import type {KubectlFlag} from '../flags.js'
import {type ApiResource, chunkSizeOf, collectionPath, objectPath, ResourceMapper, requestInChunks, requestList, requestNamed} from '../resources.js'
import type {KubectlSession} from '../session.js'
import {parseResourceArguments, refuseArgumentsWithPaths, refuseNamesWithSelection, requestsFromFiles} from './get.js'

export const describeFlags: readonly KubectlFlag[] = [
  {name: 'selector', shorthand: 'l', kind: 'string'},
  {name: 'all-namespaces', shorthand: 'A', kind: 'bool'},
  {name: 'show-events', kind: 'bool', defaultValue: 'true'},
  {name: 'filename', shorthand: 'f', kind: 'stringArray'},
  {name: 'kustomize', shorthand: 'k', kind: 'string'},
  {name: 'recursive', shorthand: 'R', kind: 'bool'},
  {name: 'chunk-size', kind: 'int', defaultValue: '500'},
]

export async function runDescribe(session: KubectlSession, args: readonly string[]): Promise<number> {
  const mapper = await ResourceMapper.discover(session)
  // -f or -k: each object the files or the kustomization name, in its own namespace.
  const files = session.list('filename')
  const fromFiles = files.length > 0 || session.flag('kustomize') !== ''
  if (fromFiles) refuseArgumentsWithPaths(args)
  const requests = fromFiles ? await requestsFromFiles(session, mapper, files, 'describe') : parseResourceArguments(mapper, args)
  refuseNamesWithSelection(args, session.flag('selector') !== '')
  if (requests.length === 0 && !fromFiles) {
    throw new KubectlError('You must specify the type of resource to describe. Use "kubectl api-resources" for a complete list of supported resources.')
  }
  const allNamespaces = session.flag('all-namespaces') === 'true'
  const namespace = allNamespaces ? '' : session.namespace()
  const context: DescribeContext = {
    nowMilliseconds: session.clock.nowMilliseconds(),
    showEvents: session.flag('show-events') !== 'false',
    list: async (group, resource, listNamespace, query, options = {}) => {
      const found = mapper.resources.find((candidate) => candidate.group === group && candidate.resource === resource)
      if (!found) return []
      const path = collectionPath(found, found.namespaced ? listNamespace : '')
      const chunkSize = options.whole ? 0 : chunkSizeOf(session)
      const request = {query, allow: [403, 404]}
      const response = chunkSize > 0 ? await requestInChunks(session, path, request, chunkSize) : await session.request('GET', path, request)
      return response.status === 200 ? ((response.body as {items?: KubeObject[]}).items ?? []) : []
    },
    get: async (group, resource, getNamespace, name) => {
      const found = mapper.resources.find((candidate) => candidate.group === group && candidate.resource === resource)
      if (!found) return null
      const response = await session.request('GET', objectPath(found, found.namespaced ? getNamespace : '', name), {allow: [403, 404]})
      return response.status === 200 ? (response.body as KubeObject) : null
    },
  }
  const targets: Array<{resource: ApiResource; object: KubeObject}> = []
  const errors: string[] = []
  for (const {resource, names, namespace: own} of requests) {
    if (fromFiles) {
      // Objects from files are not read by the builder, only by the describer, at the version
      // discovery maps their kind to (an object without apiVersion too).
      const mapped = resource.version ? resource : (mapper.resources.find((candidate) => candidate.group === resource.group && candidate.resource === resource.resource) ?? resource)
      for (const name of names) targets.push({resource: mapped, object: {metadata: {name, namespace: own ?? ''}}})
      continue
    }
    if (names.length > 0) {
      for (const name of names) {
        try {
          targets.push({resource, object: (await requestNamed(session, resource, own ?? (namespace || session.namespace()), name)).body as KubeObject})
        } catch (error) {
          collectServerError(error, errors, false, session)
        }
      }
      continue
    }
    const query: Record<string, string> = {}
    if (session.flag('selector')) query.labelSelector = session.flag('selector')
    const listed = await requestList(session, resource, resource.namespaced ? namespace : '', {query, chunkSize: chunkSizeOf(session)})
    for (const item of (listed.body as {items?: KubeObject[]}).items ?? []) targets.push({resource, object: item})
  }
  // The describers load only for describe: every other verb starts without them.
  const {describerOf} = await import('../describe/describers.js')
  const descriptions: string[] = []
  for (const {resource, object} of targets) {
    const describer = describerOf(resource.group, resource.resource)
    // Each of kubectl's describers reads the object again before it describes it (the builder's read only found it).
    let described: KubeObject
    try {
      described = (await session.request('GET', objectPath(resource, object.metadata.namespace ?? '', String(object.metadata.name ?? '')))).body as KubeObject
    } catch (error) {
      collectServerError(error, errors, false, session)
      continue
    }
    descriptions.push(await describer({apiVersion: resource.group ? `${resource.group}/${resource.version}` : resource.version, kind: resource.kind, ...described}, context))
  }
  session.io.stdout(descriptions.join('\n\n'))
  for (const error of errors) session.io.stderr(`${error}\n`)
  if (targets.length === 0 && errors.length === 0) {
    session.io.stderr(allNamespaces ? 'No resources found\n' : `No resources found in ${namespace} namespace.\n`)
  }
  return errors.length > 0 ? 1 : 0
}
