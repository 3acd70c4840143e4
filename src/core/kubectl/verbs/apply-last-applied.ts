// `kubectl apply view-last-applied`, `set-last-applied` and `edit-last-applied`: the last-applied
// configuration of objects named or read from files, printed as YAML or JSON; set to a file's
// object (an object without the annotation only with --create-annotation); or edited in the
// editor, as kubectl 1.32 does.
import type {KubeObject} from '../../api/object.js'
import {ChangedObjectPrinter} from '../output.js'
import {goYaml} from '../../printers/kubectl/go-yaml.js'
import {goJsonCompact} from '../../util/go-json.js'
import {KubectlError, noResourcesMessage} from '../errors.js'
import type {KubectlFlag} from '../flags.js'
import {isManifest, readManifestEntries} from '../manifests.js'
import {type ApiResource, kindName, objectPath, requestList, requestNamed, ResourceMapper} from '../resources.js'
import type {KubectlSession} from '../session.js'
import type {KubectlVerb} from '../verb.js'
import {dryRunOf, dryRunSuffix, lastAppliedAnnotation, placeObject} from './apply.js'
import type {ShownConfiguration} from './edit-last-applied.js'
import {fieldValidationOf} from '../field-validation.js'
import {parseResourceArguments} from './get.js'

interface Target {
  readonly resource: ApiResource
  readonly namespace: string
  readonly name: string
  /** The file's object (set-last-applied). */
  readonly object?: KubeObject
}

async function targetsOf(session: KubectlSession, mapper: ResourceMapper, args: readonly string[]): Promise<Target[]> {
  const files = session.list('filename')
  if (files.length > 0) {
    const targets: Target[] = []
    // Not validated: only the writers (create, apply, replace) validate what they read.
    for (const entry of await readManifestEntries(files, session.flag('recursive') === 'true', () => session.io.readStdin(), false)) {
      if (!isManifest(entry)) throw entry.error
      const {resource, namespace} = placeObject(session, mapper, entry)
      const object = {...entry.object, metadata: {...entry.object.metadata, ...(resource.namespaced ? {namespace} : {})}}
      targets.push({resource, namespace, name: entry.object.metadata.name ?? '', object})
    }
    return targets
  }
  if (args.length === 0) throw new KubectlError(noResourcesMessage)
  const namespace = session.namespace()
  const targets: Target[] = []
  for (const {resource, names} of parseResourceArguments(mapper, args)) {
    if (names.length > 0) {
      for (const name of names) targets.push({resource, namespace, name})
      continue
    }
    const query: Record<string, string> = session.flag('selector') ? {labelSelector: session.flag('selector')} : {}
    const listed = await requestList(session, resource, resource.namespaced ? namespace : '', {query})
    for (const item of (listed.body as {items?: KubeObject[]}).items ?? []) targets.push({resource, namespace: item.metadata.namespace ?? '', name: item.metadata.name ?? ''})
  }
  return targets
}

/** Go's json.Indent with two spaces: the text's own key order and escapes, its trailing newline kept. */
function indentedJson(text: string): string {
  const indented = JSON.stringify(JSON.parse(text), null, 2).replace(/[<>&\u2028\u2029]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`)
  return `${indented}${/\s*$/.exec(text)![0]}`
}

async function viewLastApplied(session: KubectlSession, args: readonly string[]): Promise<number> {
  const mapper = await ResourceMapper.discover(session)
  const targets = await targetsOf(session, mapper, args)
  const output = session.flag('output')
  if (output !== 'yaml' && output !== 'json') throw new KubectlError(`Unexpected -o output mode: ${output}, the flag 'output' must be one of yaml|json\nSee 'kubectl apply view-last-applied -h' for help and examples`)
  for (const target of targets) {
    const live = (await requestNamed(session, target.resource, target.namespace, target.name)).body as KubeObject
    const configuration = live.metadata.annotations?.[lastAppliedAnnotation]
    // kubectl means to refuse an object without one, but its error is lost: it is passed over.
    if (configuration === undefined) continue
    session.io.stdout(output === 'json' ? indentedJson(configuration) : goYaml(JSON.parse(configuration)))
  }
  return 0
}

async function setLastApplied(session: KubectlSession, args: readonly string[]): Promise<number> {
  if (session.list('filename').length === 0) throw new KubectlError(noResourcesMessage)
  const dryRun = dryRunOf(session)
  const mapper = await ResourceMapper.discover(session)
  const changes: Array<{target: Target; configuration: string; live: KubeObject}> = []
  for (const target of await targetsOf(session, mapper, args)) {
    // The file's object as JSON (keys sorted, a newline after), as kubectl's edit options encode it.
    const configuration = `${goJsonCompact(target.object)}\n`
    const live = (await requestNamed(session, target.resource, target.namespace, target.name)).body as KubeObject
    const existing = live.metadata.annotations?.[lastAppliedAnnotation]
    if (existing === undefined && session.flag('create-annotation') !== 'true') {
      throw new KubectlError(`no last-applied-configuration annotation found on resource: ${target.name}, to create the annotation, run the command with --create-annotation`)
    }
    if (existing === configuration) session.io.stdout(`set-last-applied ${target.name}: no changes required.\n`)
    else changes.push({target, configuration, live})
  }
  const printer = new ChangedObjectPrinter(session.flag('output'), '')
  for (const {target, configuration, live} of changes) {
    // kubectl prints the patched object, or on a client dry run the object as it read it.
    let printed = live
    if (dryRun !== 'client') {
      const body = {metadata: {annotations: {[lastAppliedAnnotation]: configuration}}}
      printed = (await session.request('PATCH', objectPath(target.resource, target.namespace, target.name), {body, contentType: 'application/merge-patch+json', query: dryRun === 'server' ? {dryRun: 'All'} : undefined})).body as KubeObject
    }
    session.io.stdout(printer.print(printed, `${kindName(target.resource)}/${target.name}`, `configured${dryRunSuffix(dryRun)}`))
  }
  return 0
}

/**
 * `apply edit-last-applied`: the last-applied configurations of the objects that have one, in the
 * editor (YAML, or JSON with -o json), in kubectl's apply-edit loop (edit-last-applied.ts).
 */
async function editLastApplied(session: KubectlSession, args: readonly string[]): Promise<number> {
  const output = session.flag('output')
  if (output !== 'json' && output !== 'yaml') throw new KubectlError(`unable to match a printer suitable for the output format ${JSON.stringify(output)}, allowed formats are: json,yaml`)
  const fieldValidation = fieldValidationOf(session)
  const mapper = await ResourceMapper.discover(session)
  const shown: ShownConfiguration[] = []
  for (const target of await targetsOf(session, mapper, args)) {
    const live = (await requestNamed(session, target.resource, target.namespace, target.name)).body as KubeObject
    const configuration = live.metadata.annotations?.[lastAppliedAnnotation]
    if (configuration !== undefined) shown.push({resource: target.resource, name: target.name, configuration: JSON.parse(configuration)})
  }
  if (shown.length === 0) throw new KubectlError('no last-applied-configuration annotation found on resources, to create the annotation, use command `kubectl apply set-last-applied --create-annotation`')
  const {editConfigurations} = await import('./edit-last-applied.js')
  return editConfigurations(session, mapper, shown, fieldValidation)
}

const fileFlags: readonly KubectlFlag[] = [
  {name: 'filename', shorthand: 'f', kind: 'stringArray'},
  {name: 'recursive', shorthand: 'R', kind: 'bool'},
]

export const lastAppliedVerbs: readonly KubectlVerb[] = [
  {
    name: 'view-last-applied',
    flags: [...fileFlags, {name: 'output', shorthand: 'o', kind: 'string', defaultValue: 'yaml'}, {name: 'selector', shorthand: 'l', kind: 'string'}, {name: 'all', kind: 'bool'}],
    run: viewLastApplied,
  },
  {
    name: 'edit-last-applied',
    flags: [...fileFlags, {name: 'output', shorthand: 'o', kind: 'string', defaultValue: 'yaml'}, {name: 'field-manager', kind: 'string', defaultValue: 'kubectl-client-side-apply'}, {name: 'validate', kind: 'string', defaultValue: 'strict', noValueDefault: 'strict'}, {name: 'windows-line-endings', kind: 'bool'}, {name: 'allow-missing-template-keys', kind: 'bool', defaultValue: 'true'}, {name: 'show-managed-fields', kind: 'bool'}, {name: 'template', kind: 'string'}],
    run: editLastApplied,
  },
  {
    name: 'set-last-applied',
    // kubectl's set-last-applied takes -f without -R.
    flags: [fileFlags[0]!, {name: 'output', shorthand: 'o', kind: 'string'}, {name: 'create-annotation', kind: 'bool'}, {name: 'dry-run', kind: 'string', defaultValue: 'none', noValueDefault: 'unchanged'}],
    run: setLastApplied,
  },
]
