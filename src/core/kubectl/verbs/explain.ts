// `kubectl explain RESOURCE[.field…]`: reads the group-version's OpenAPI v3 document from the
// server (/openapi/v3, then the document the index points to) and renders it as kubectl 1.32
// does; --recursive lists every field below without descriptions. --output=plaintext-openapiv2
// renders /openapi/v2 with the older printer (printers/kubectl/explain-v2.ts).
import {KubectlError, KubectlPlainError} from '../errors.js'
import type {KubectlFlag} from '../flags.js'
import {ResourceMapper} from '../resources.js'
import type {KubectlSession} from '../session.js'

export const explainFlags: readonly KubectlFlag[] = [
  {name: 'recursive', kind: 'bool'},
  {name: 'api-version', kind: 'string'},
  {name: 'output', shorthand: 'o', kind: 'string', defaultValue: 'plaintext'},
]

export async function runExplain(session: KubectlSession, args: readonly string[]): Promise<number> {
  const [target] = args
  if (!target) throw new KubectlError('You must specify the type of resource to explain. Use "kubectl api-resources" for a complete list of supported resources.')
  const output = session.flag('output')
  if (output !== 'plaintext' && output !== 'plaintext-openapiv2') throw new KubectlError(`unrecognized format: ${output}`)
  // kubectl explain tries discovery twice when nothing listens at the server.
  const mapper = await ResourceMapper.discover(session, 2)
  // The longest prefix that is a resource and its group (deployments.apps, customresourcedefinitions.apiextensions.k8s.io), the rest the field path.
  const parts = target.split('.')
  const namesResource = (length: number) => {
    const resource = mapper.find(parts.slice(0, length).join('.'))
    return resource !== null && resource.resource === parts[0] && resource.group === parts.slice(1, length).join('.')
  }
  const apiVersion = session.flag('api-version')
  // With --api-version kubectl splits resource and fields at the first dot (SplitAndParseResourceRequest): no group prefix.
  const prefixLength = apiVersion ? 1 : (parts.map((_, index) => parts.length - index).find((length) => length > 1 && namesResource(length)) ?? 1)
  const found = mapper.resolveBare(parts.slice(0, prefixLength).join('.'))
  const fieldPath = parts.slice(prefixLength)
  const [group, version] = apiVersion ? (apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion]) as [string, string] : [found.group, found.version]
  if (output === 'plaintext-openapiv2') return explainFromV2(session, {group, version, kind: found.kind}, fieldPath)
  const documentPath = group === '' ? `api/${version}` : `apis/${group}/${version}`
  const index = (await session.request('GET', '/openapi/v3')).body as {paths?: Record<string, {serverRelativeURL?: string}>}
  const location = index.paths?.[documentPath]?.serverRelativeURL
  if (!location) throw new KubectlError(`couldn't find resource for "${group}/${version}, Resource=${found.resource}"`)
  const url = new URL(location, 'http://server')
  const document = (await session.request('GET', url.pathname, {query: Object.fromEntries(url.searchParams)})).body as Record<string, unknown>
  // The explain printer loads only for explain.
  const {ExplainError, renderExplain} = await import('../../printers/kubectl/explain.js')
  try {
    session.io.stdout(renderExplain(document, {group, version, resource: found.resource}, fieldPath, session.flag('recursive') === 'true'))
  } catch (error) {
    if (!(error instanceof ExplainError)) throw error
    session.io.stdout(error.printed)
    throw new KubectlPlainError(error.message)
  }
  return 0
}

/** --output=plaintext-openapiv2: the older printer, from the server's /openapi/v2. */
async function explainFromV2(session: KubectlSession, target: {group: string; version: string; kind: string}, fieldPath: readonly string[]): Promise<number> {
  const document = (await session.request('GET', '/openapi/v2')).body as Record<string, unknown>
  const [{ExplainError}, {renderExplainV2}] = await Promise.all([import('../../printers/kubectl/explain.js'), import('../../printers/kubectl/explain-v2.js')])
  try {
    session.io.stdout(renderExplainV2(document, target, fieldPath, session.flag('recursive') === 'true'))
  } catch (error) {
    if (!(error instanceof ExplainError)) throw error
    session.io.stdout(error.printed)
    throw new KubectlPlainError(error.message)
  }
  return 0
}
