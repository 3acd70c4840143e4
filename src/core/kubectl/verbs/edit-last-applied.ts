// `kubectl apply edit-last-applied`: the objects' last-applied configurations in the editor, each
// one edited saved as the object's new configuration, in the loop of kubectl 1.32's editor in its
// apply-edit mode: an edit that does not validate or decode reopens the file with the reasons on
// top, the same edit saved again gives up (keeping a copy), and a failed save keeps a copy too.
import {spawnSync} from 'node:child_process'
import {existsSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {isJsonObject, jsonEqual, type KubeObject} from '../../api/object.js'
import {goJson, goJsonCompact} from '../../util/go-json.js'
import {goYaml} from '../../printers/kubectl/go-yaml.js'
import {KubectlError} from '../errors.js'
import {readYamlDocument} from '../yaml-faults.js'
import {type ApiResource, kindName, objectPath, ResourceMapper, StaleDiscoveryError} from '../resources.js'
import type {KubectlSession} from '../session.js'
import {editFile} from './replace-edit.js'

/** One object whose configuration is edited: where it lives, and the configuration shown. */
export interface ShownConfiguration {
  readonly resource: ApiResource
  readonly name: string
  readonly configuration: unknown
}

/** Why the file was reopened, as kubectl's editor writes it under the header. */
interface EditReason {
  readonly head: string
  readonly other: readonly string[]
}

const applyEditHeader = "# Please edit the 'last-applied-configuration' annotations below.\n# Lines beginning with a '#' will be ignored, and an empty file will abort the edit.\n#\n"

/** kubectl's header with the reasons, each line of a reason behind `# ` (hashOnLineBreak). */
function headerWith(reasons: readonly EditReason[]): string {
  const hashed = (text: string) => text.replaceAll('\n', '\n# ')
  let header = applyEditHeader
  for (const {head, other} of reasons) {
    header += `# ${hashed(head)}${other.length > 0 ? ':' : ''}\n`
    for (const line of other) header += `# * ${hashed(line)}\n`
    header += '#\n'
  }
  return header
}

/** cmdutil.ManualStrip: the lines that are not comments (`#!` kept), line breaks as they were. */
function manualStrip(text: string): string {
  return text
    .split('\n')
    .filter((line) => !line.trim().startsWith('#') || line.trim().startsWith('#!'))
    .join('\n')
}

/** cmdutil.StripComments: the document as JSON when it converts, else without its comment lines. */
function strippedComments(text: string): string {
  const read = readYamlDocument(text)
  return 'value' in read ? JSON.stringify(read.value) : manualStrip(text)
}

/** The validator's check of the edited text (kubectl's schema validation reading the kind): its error, or null. */
function validationError(text: string): string | null {
  const read = readYamlDocument(manualStrip(text))
  if ('fault' in read) return `yaml: ${read.fault}`
  if (!isJsonObject(read.value)) return 'invalid object to validate'
  const errors: string[] = []
  const {apiVersion, kind} = read.value
  if (apiVersion === undefined || apiVersion === null) errors.push('apiVersion not set')
  else if (typeof apiVersion !== 'string') errors.push("apiVersion isn't string type")
  else if (apiVersion.split('/').length > 2) errors.push(`unexpected GroupVersion string: ${apiVersion}`)
  if (kind === undefined || kind === null) errors.push('kind not set')
  else if (typeof kind !== 'string') errors.push("kind isn't string type")
  // Go's aggregate error: one message bare, several in brackets.
  return errors.length === 0 ? null : errors.length === 1 ? errors[0]! : `[${errors.join(', ')}]`
}

/**
 * The resource of a kind, as kubectl's deferred mapper finds it: a kind the cached discovery
 * lacks is looked up again in the server's (the editor's loop cannot run the command again).
 */
async function resourceOfKind(session: KubectlSession, mapper: {current: ResourceMapper}, apiVersion: string, kind: string): Promise<ApiResource | null> {
  try {
    return mapper.current.forKind(apiVersion, kind)
  } catch (error) {
    if (!(error instanceof StaleDiscoveryError)) throw error
    session.discoveryFromServer = true
    mapper.current = await ResourceMapper.discover(session)
    return mapper.current.forKind(apiVersion, kind)
  }
}

/** The edited objects as kubectl's builder decodes them (a List flattened), each with its mapping; or the decoding error. */
async function decodedObjects(session: KubectlSession, text: string, mapper: {current: ResourceMapper}): Promise<Array<{object: KubeObject; resource: ApiResource}> | string> {
  const read = readYamlDocument(manualStrip(text))
  if ('fault' in read) return `error converting YAML to JSON: yaml: ${read.fault}`
  if (!isJsonObject(read.value)) return 'Object \'Kind\' is missing in \'' + goJsonCompact(read.value) + '\''
  const objects = read.value.kind === 'List' && Array.isArray(read.value.items) ? read.value.items : [read.value]
  const decoded: Array<{object: KubeObject; resource: ApiResource}> = []
  for (const item of objects) {
    if (!isJsonObject(item) || typeof item.kind !== 'string' || item.kind === '') return `Object 'Kind' is missing in '${goJsonCompact(item)}'`
    const object = {...item, metadata: isJsonObject(item.metadata) ? item.metadata : {}} as KubeObject
    const apiVersion = typeof object.apiVersion === 'string' ? object.apiVersion : ''
    const resource = await resourceOfKind(session, mapper, apiVersion, object.kind ?? '')
    if (!resource) return `resource mapping not found for name: "${object.metadata.name ?? ''}" namespace: "${object.metadata.namespace ?? ''}" from "edited-file": no matches for kind "${object.kind}" in version "${apiVersion}"\nensure CRDs are installed first`
    decoded.push({object, resource})
  }
  return decoded
}

/** `fieldValidation`: --validate read as kubectl reads it (Ignore skips the validator, as kubectl's null schema). */
export async function editConfigurations(session: KubectlSession, mapper: ResourceMapper, shown: readonly ShownConfiguration[], fieldValidation: 'Strict' | 'Warn' | 'Ignore'): Promise<number> {
  const json = session.flag('output') === 'json'
  const validating = fieldValidation !== 'Ignore'
  const namespace = session.namespace()
  const mapperRef = {current: mapper}
  const first = shown[0]!
  const firstName = `${first.resource.resource}${first.resource.group ? `.${first.resource.group}` : ''} "${first.name}"`
  const value = shown.length === 1 ? first.configuration : {apiVersion: 'v1', items: shown.map((entry) => entry.configuration), kind: 'List', metadata: {}}
  // JSON holds no comments: kubectl writes no header (and so no reasons) there.
  const original = json ? `${goJson(value)}\n` : goYaml(value)
  const file = editFile(json ? 'json' : 'yaml')
  const editor = session.io.environment.KUBE_EDITOR || session.io.environment.EDITOR || 'vi'
  const kept = (error: KubectlError): KubectlError => {
    if (existsSync(file)) session.io.stderr(`A copy of your changes has been stored to ${JSON.stringify(file)}\n`)
    keep = true
    return error
  }
  let keep = false
  let reasons: EditReason[] = []
  let edited: string | null = null
  try {
    for (;;) {
      const failedBefore = edited !== null
      writeFileSync(file, `${json ? '' : headerWith(reasons)}${failedBefore ? manualStrip(edited!) : original}`)
      const result = spawnSync('sh', ['-c', `${editor} "$1"`, 'sh', file], {stdio: 'inherit', env: session.io.environment})
      if (result.status !== 0) throw kept(new KubectlError(`there was a problem with the editor "${editor}"`))
      const saved = readFileSync(file, 'utf8')
      if (failedBefore && strippedComments(saved) === strippedComments(edited!)) throw kept(new KubectlError('Edit cancelled, no valid changes were saved.'))
      edited = saved
      const invalid = validating ? validationError(saved) : null
      if (invalid !== null) {
        session.io.stderr(`error: ${firstName} is invalid\n`)
        reasons = [{head: `${firstName} was not valid`, other: [`<nil>: Invalid value: "The edited file failed validation": ${invalid}`]}]
        continue
      }
      if (strippedComments(original) === strippedComments(saved)) {
        session.io.stderr('Edit cancelled, no changes made.\n')
        return 0
      }
      if (!saved.split('\n').some((line) => line.trim() !== '' && !line.trim().startsWith('#'))) {
        session.io.stderr('Edit cancelled, saved file was empty.\n')
        return 0
      }
      const decoded = await decodedObjects(session, saved, mapperRef)
      if (typeof decoded === 'string') {
        reasons = [{head: `The edited file had a syntax error: ${decoded}`, other: []}]
        continue
      }
      // Every object must be in the command's namespace (one without gets it) before any is saved.
      for (const {object, resource} of decoded) {
        if (!resource.namespaced) continue
        const objectNamespace = object.metadata.namespace ?? ''
        if (objectNamespace === '') object.metadata.namespace = namespace
        else if (objectNamespace !== namespace) throw kept(new KubectlError(`the namespace from the provided object "${objectNamespace}" does not match the namespace "${namespace}". You must pass '--namespace=${objectNamespace}' to perform this operation.`))
      }
      for (const {object, resource} of decoded) {
        await saveConfiguration(session, shown, object, resource, namespace, fieldValidation).catch((error: unknown) => {
          throw error instanceof KubectlError ? kept(error) : error
        })
      }
      return 0
    }
  } finally {
    if (!keep) rmSync(file, {force: true})
  }
}

/**
 * One edited object saved as kubectl's visitToApplyEditPatch saves it: compared with the shown
 * configuration of the same uid (the first, for configurations that have none), then its JSON
 * merged into the annotation of the object it names, in the command's namespace.
 */
async function saveConfiguration(session: KubectlSession, shown: readonly ShownConfiguration[], object: KubeObject, resource: ApiResource, namespace: string, fieldValidation: string): Promise<void> {
  const uid = object.metadata.uid ?? ''
  const original = shown.find(({configuration}) => ((isJsonObject(configuration) && isJsonObject(configuration.metadata) ? configuration.metadata.uid : undefined) ?? '') === uid)
  if (!original) throw new KubectlError(`no original object found for ${kindName(resource)}/${object.metadata.name ?? ''}`)
  const name = object.metadata.name ?? ''
  const label = `${kindName(resource)}/${name}`
  if (jsonEqual(original.configuration, object)) {
    session.io.stdout(`${label} skipped\n`)
    return
  }
  const body = {metadata: {annotations: {'kubectl.kubernetes.io/last-applied-configuration': `${goJsonCompact(object)}\n`}}}
  await session.request('PATCH', objectPath(resource, namespace, name), {body, contentType: 'application/merge-patch+json', query: {fieldManager: session.flag('field-manager'), fieldValidation}})
  session.io.stdout(`${label} edited\n`)
}
