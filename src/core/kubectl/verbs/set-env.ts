// `kubectl set env`: sets and removes the environment of the containers (and init containers) of
// a pod template, from arguments, -e, stdin (`-`) or the keys of a Secret or ConfigMap (--from),
// and --list prints it as kubectl does (`# Deployment d, container app`, KEY=VALUE, `# KEY from …`),
// --resolve reading the values the references name.
import {isJsonObject, type KubeObject} from '../../api/object.js'
import {milliValue, parseQuantity, unitValue, type Quantity} from '../../api/quantity.js'
import {KubectlError, refuseAllWithSelector, resourcesRequiredMessage, ServerError} from '../errors.js'
import {recordFlag} from '../record.js'
import {type ApiResource, objectPath, ResourceMapper} from '../resources.js'
import type {KubectlSession} from '../session.js'
import type {KubectlVerb} from '../verb.js'
import {parseResourceArguments} from './get.js'
import {commonFlags, type Containers, editEach, targetsOf} from './set-edit.js'

type EnvVar = Record<string, unknown>

/** kubectl's IsEnvironmentArgument, or a removal (KEY-). */
const isEnvironmentArgument = (argument: string) => /^.+=/s.test(argument) || argument.endsWith('-')

/** Go's validation.IsEnvVarName. */
const envVarNamePattern = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/
const envVarNameMessage = "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')"

/** kubectl's ParseEnv: the variables to set and the names to remove; `-` reads KEY=VALUE lines from stdin. */
async function parseEnv(specs: readonly string[], readStdin: () => Promise<string>): Promise<{env: EnvVar[]; remove: string[]}> {
  const env: EnvVar[] = []
  const remove: string[] = []
  const set = new Set<string>()
  for (const spec of specs) {
    if (spec === '-') {
      for (const line of (await readStdin()).split('\n')) {
        const text = line.includes('#') ? line.slice(0, line.indexOf('#')) : line
        const equals = text.indexOf('=')
        if (equals >= 0) env.push({name: text.slice(0, equals), value: text.slice(equals + 1)})
      }
    } else if (spec.includes('=')) {
      const name = spec.slice(0, spec.indexOf('='))
      if (!envVarNamePattern.test(name)) throw new KubectlError(`${JSON.stringify(name)} is not a valid key name: ${envVarNameMessage}`)
      set.add(name)
      env.push({name, value: spec.slice(spec.indexOf('=') + 1)})
    } else if (spec.endsWith('-')) remove.push(spec.slice(0, -1))
    else throw new KubectlError(`unknown environment variable: ${spec}`)
  }
  if (remove.some((name) => set.has(name))) throw new KubectlError('can not both modify and remove the same environment variable in the same command')
  return {env, remove}
}

/** The variables --from makes of a Secret's or ConfigMap's keys (--keys picks, --prefix names). */
async function referencedKeys(session: KubectlSession, mapper: ResourceMapper, from: string): Promise<EnvVar[]> {
  const keys = session.list('keys')
  const prefix = session.flag('prefix')
  const env: EnvVar[] = []
  for (const {resource, names} of parseResourceArguments(mapper, [from])) {
    for (const name of names) {
      const object = (await session.request('GET', objectPath(resource, session.namespace(), name))).body as KubeObject
      const reference = resource.group === '' && resource.resource === 'secrets' ? 'secretKeyRef' : resource.group === '' && resource.resource === 'configmaps' ? 'configMapKeyRef' : null
      if (reference === null) throw new KubectlError('unsupported resource specified in --from')
      for (const key of Object.keys(isJsonObject(object.data) ? object.data : {})) {
        if (keys.length > 0 && !keys.includes(key)) continue
        const envName = key.replace(/[^a-zA-Z0-9_]/g, '_').toUpperCase()
        if (envName !== key) session.io.stderr(`Warning: key ${key} transferred to ${envName}\n`)
        env.push({name: `${prefix}${envName}`, valueFrom: {[reference]: {key, name}}})
      }
    }
  }
  return env
}

/** kubectl's updateEnv: removals go, a set variable replaces the first of its name in place, new ones follow. */
function updatedEnv(existing: readonly EnvVar[], env: readonly EnvVar[], remove: readonly string[]): EnvVar[] {
  const covered = new Set(remove)
  const out: EnvVar[] = []
  for (const variable of existing) {
    const name = String(variable.name)
    if (covered.has(name)) continue
    const newer = env.find((candidate) => candidate.name === name)
    if (newer) covered.add(name)
    out.push(newer ? {...newer} : variable)
  }
  for (const variable of env) {
    if (covered.has(String(variable.name))) continue
    covered.add(String(variable.name))
    out.push({...variable})
  }
  return out
}

/** kubectl's selectString: a container name against -c, where * matches any run of characters. */
function selectsContainer(name: string, spec: string): boolean {
  if (spec === '*') return true
  if (!spec.includes('*')) return name === spec
  const pattern = spec.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')
  return new RegExp(`^${pattern}$`, 's').test(name)
}

/** kubectl's GetEnvVarRefString: what a valueFrom names. */
function referenceText(from: Record<string, unknown>): string {
  const ref = (key: string) => (isJsonObject(from[key]) ? (from[key] as Record<string, unknown>) : null)
  const configMap = ref('configMapKeyRef')
  if (configMap) return `configmap ${String(configMap.name ?? '')}, key ${String(configMap.key ?? '')}`
  const secret = ref('secretKeyRef')
  if (secret) return `secret ${String(secret.name ?? '')}, key ${String(secret.key ?? '')}`
  const field = ref('fieldRef')
  if (field) return `field path ${String(field.fieldPath ?? '')}`
  const resourceField = ref('resourceFieldRef')
  if (resourceField) return `resource field ${resourceField.containerName ? `${String(resourceField.containerName)}/` : ''}${String(resourceField.resource ?? '')}`
  return 'invalid valueFrom'
}

/** kubectl's FormatMap: key="value" lines in key order. */
const formatMap = (map: unknown) =>
  Object.entries(isJsonObject(map) ? map : {})
    .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
    .map(([key, value]) => `${key}=${JSON.stringify(String(value))}`)
    .join('\n')

/** A fieldRef's value read from the object itself, as kubectl's extractFieldPathAsString reads it. */
function fieldValue(object: KubeObject, fieldPath: string): string {
  const subscripted = /^(.+)\['(.*)'\]$/s.exec(fieldPath)
  if (subscripted) {
    const [, path = '', key = ''] = subscripted
    if (path === 'metadata.annotations') return String(object.metadata.annotations?.[key] ?? '')
    if (path === 'metadata.labels') return String(object.metadata.labels?.[key] ?? '')
    throw new Error(`fieldPath ${JSON.stringify(fieldPath)} does not support subscript`)
  }
  if (fieldPath === 'metadata.annotations') return formatMap(object.metadata.annotations)
  if (fieldPath === 'metadata.labels') return formatMap(object.metadata.labels)
  if (fieldPath === 'metadata.name') return object.metadata.name ?? ''
  if (fieldPath === 'metadata.namespace') return object.metadata.namespace ?? ''
  if (fieldPath === 'metadata.uid') return String(object.metadata.uid ?? '')
  throw new Error(`unsupported fieldPath: ${fieldPath}`)
}

/** A resourceFieldRef's value from the container's requests or limits, divided and rounded up. */
function resourceFieldValue(reference: Record<string, unknown>, container: Record<string, unknown>): string {
  const resource = String(reference.resource ?? '')
  const match = /^(limits|requests)\.(cpu|memory|ephemeral-storage)$/.exec(resource)
  if (!match) throw new Error(`unsupported container resource : ${resource}`)
  const resources = isJsonObject(container.resources) ? container.resources : {}
  const amounts = isJsonObject(resources[match[1]!]) ? (resources[match[1]!] as Record<string, unknown>) : {}
  const quantity = (text: unknown): Quantity => parseQuantity(text === undefined || text === null ? '0' : String(text))
  const amount = quantity(amounts[match[2]!])
  const divisorGiven = quantity(reference.divisor)
  const divisor = divisorGiven.nanos === 0n ? parseQuantity('1') : divisorGiven
  const value = match[2] === 'cpu' ? Number(milliValue(amount)) / Number(milliValue(divisor)) : Number(unitValue(amount)) / Number(unitValue(divisor))
  return String(Math.ceil(value))
}

/** Reads Secrets and ConfigMaps once per container, as kubectl's ResourceStore does. */
async function referenceValue(session: KubectlSession, store: Map<string, KubeObject>, from: Record<string, unknown>, object: KubeObject, container: Record<string, unknown>): Promise<string> {
  for (const [key, resource, words] of [['secretKeyRef', 'secrets', 'secret'], ['configMapKeyRef', 'configmaps', 'config map']] as const) {
    const reference = from[key]
    if (!isJsonObject(reference)) continue
    const name = String(reference.name ?? '')
    let source = store.get(`${resource}/${name}`)
    if (!source) {
      source = (await session.request('GET', `/api/v1/namespaces/${session.namespace()}/${resource}/${name}`)).body as KubeObject
      store.set(`${resource}/${name}`, source)
    }
    const data = isJsonObject(source.data) ? source.data : {}
    const wanted = String(reference.key ?? '')
    if (!(wanted in data)) throw new Error(`key ${wanted} not found in ${words} ${name}`)
    return resource === 'secrets' ? Buffer.from(String(data[wanted]), 'base64').toString('utf8') : String(data[wanted])
  }
  if (isJsonObject(from.fieldRef)) return fieldValue(object, String(from.fieldRef.fieldPath ?? ''))
  if (isJsonObject(from.resourceFieldRef)) return resourceFieldValue(from.resourceFieldRef, container)
  throw new Error('invalid valueFrom')
}

/** --list: the container's variables, a reference as `# KEY from …` or, with --resolve, its value; what failed after. */
async function listContainer(session: KubectlSession, kind: string, object: KubeObject, container: Record<string, unknown>): Promise<void> {
  session.io.stdout(`# ${kind} ${object.metadata.name ?? ''}, container ${String(container.name ?? '')}\n`)
  const store = new Map<string, KubeObject>()
  const failed = new Map<string, string[]>()
  for (const variable of Array.isArray(container.env) ? container.env.filter(isJsonObject) : []) {
    const name = String(variable.name ?? '')
    if (!isJsonObject(variable.valueFrom)) {
      session.io.stdout(`${name}=${String(variable.value ?? '')}\n`)
      continue
    }
    if (session.flag('resolve') === 'true') {
      try {
        session.io.stdout(`${name}=${await referenceValue(session, store, variable.valueFrom, object, container)}\n`)
        continue
      } catch (error) {
        if (!(error instanceof Error) || (error instanceof KubectlError && !(error instanceof ServerError))) throw error
        const text = error instanceof ServerError ? (error.status.message ?? '') : error.message
        failed.set(text, [...(failed.get(text) ?? []), name])
      }
    }
    session.io.stdout(`# ${name} from ${referenceText(variable.valueFrom)}\n`)
  }
  const lines = [...failed].map(([text, names]) => `error retrieving reference for ${[...names].sort().join(', ')}: ${text}`).sort()
  for (const line of lines) session.io.stderr(`${line}\n`)
}

export const setEnv: KubectlVerb = {
  name: 'env',
  flags: [
    ...commonFlags,
    {name: 'recursive', shorthand: 'R', kind: 'bool'},
    {name: 'env', shorthand: 'e', kind: 'stringArray'},
    {name: 'list', kind: 'bool'},
    {name: 'overwrite', kind: 'bool', defaultValue: 'true'},
    {name: 'from', kind: 'string'},
    {name: 'prefix', kind: 'string'},
    {name: 'keys', kind: 'stringSlice'},
    {name: 'resolve', kind: 'bool'},
    recordFlag,
  ],
  run: async (session, args) => {
    refuseAllWithSelector(session.flag('all') === 'true', session.flag('selector'))
    const firstPair = args.findIndex(isEnvironmentArgument)
    const resources = firstPair < 0 ? [...args] : args.slice(0, firstPair)
    const pairs = firstPair < 0 ? [] : args.slice(firstPair)
    if (!pairs.every(isEnvironmentArgument)) throw new KubectlError(`all resources must be specified before environment changes: ${args.join(' ')}`)
    const list = session.flag('list') === 'true'
    if (session.list('filename').length === 0 && resources.length === 0) throw new KubectlError(resourcesRequiredMessage)
    if (list && session.flag('output') !== '') throw new KubectlError('--list and --output may not be specified together')
    if (session.list('keys').length > 0 && session.flag('from') === '') throw new KubectlError('when specifying --keys, a configmap or secret must be provided with --from')
    const {env, remove} = await parseEnv([...session.list('env'), ...pairs], () => session.io.readStdin())
    const mapper = await ResourceMapper.discover(session)
    if (session.flag('from') !== '') env.push(...(await referencedKeys(session, mapper, session.flag('from'))))
    const wanted = session.flag('containers')
    const overwrite = session.flag('overwrite') === 'true'
    const edit = async (containers: Containers, initContainers: Containers, object: KubeObject, resource: ApiResource) => {
      const selected = [...containers, ...initContainers].filter((container) => selectsContainer(String(container.name ?? ''), wanted))
      if (selected.length === 0) {
        session.io.stderr(`Warning: ${object.kind ?? resource.kind}/${object.metadata.name ?? ''} does not have any containers matching ${JSON.stringify(wanted)}\n`)
        return
      }
      for (const container of selected) {
        const existing = Array.isArray(container.env) ? container.env.filter(isJsonObject) : []
        if (!overwrite) {
          for (const variable of env) {
            const current = existing.find((candidate) => candidate.name === variable.name)
            if (current && current.value !== variable.value) throw new KubectlError(`${resource.resource}/${object.metadata.name ?? ''} '${String(current.name)}' already has a value (${String(current.value ?? '')}), and --overwrite is false`)
          }
        }
        const updated = updatedEnv(existing, env, remove)
        if (updated.length > 0) container.env = updated
        else delete container.env
        if (list) await listContainer(session, object.kind ?? resource.kind, object, container)
      }
    }
    return editEach(session, await targetsOf(session, mapper, resources), 'env updated', (serverMessage) => `failed to patch env update to pod template: ${serverMessage}`, edit, {listOnly: list})
  },
}
