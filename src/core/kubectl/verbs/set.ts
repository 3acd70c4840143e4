// `kubectl set image|resources|serviceaccount|subject`: edits the containers (or the service account) of a pod template (or a pod), or a binding's subjects, and
// sends the change as a strategic merge patch; --dry-run=client prints the edited object.
import {isJsonObject} from '../../api/object.js'
import {canonicalQuantity} from '../../api/quantity.js'
import {KubectlError, refuseAllWithSelector, noResourcesMessage, resourcesRequiredMessage} from '../errors.js'
import {hasManifestSource} from '../kustomize/manifests.js'
import {recordFlag} from '../record.js'
import type {KubectlVerb} from '../verb.js'
import {ResourceMapper} from '../resources.js'
import {parseResourceArguments} from './get.js'
import {aggregated, commonFlags, editEach, podSpecOf, targetsOf} from './set-edit.js'
import {setEnv} from './set-env.js'
import {setSelector} from './set-selector.js'

/**
 * kubectl's GetResourcesAndPairs: the resources, then the KEY=VALUE (or KEY-) pairs; a resource
 * after a pair is an error. A word that starts with `=` is a resource.
 */
function resourcesAndPairs(args: readonly string[], pairType: string): {resources: string[]; pairs: string[]} {
  const resources: string[] = []
  const pairs: string[] = []
  for (const argument of args) {
    const pair = (argument.includes('=') && !argument.startsWith('=')) || (argument.endsWith('-') && argument !== '-')
    if (pair) pairs.push(argument)
    else if (pairs.length > 0) throw new KubectlError(`all resources must be specified before ${pairType} changes: ${argument}`)
    else resources.push(argument)
  }
  return {resources, pairs}
}

/** kubectl's ParsePairs without removals: NAME=VALUE each, the others named together as invalid. */
function namedValues(pairs: readonly string[], pairType: string): Map<string, string> {
  const values = new Map<string, string>()
  const invalid: string[] = []
  for (const pair of pairs) {
    const equals = pair.indexOf('=')
    if (equals > 0) values.set(pair.slice(0, equals), pair.slice(equals + 1))
    else invalid.push(pair)
  }
  if (invalid.length > 0) throw new KubectlError(`invalid ${pairType} format: ${invalid.join(', ')}`)
  return values
}

const setImage: KubectlVerb = {
  name: 'image',
  // kubectl's set image picks containers by the NAME=IMAGE pairs: no --containers.
  flags: [...commonFlags.filter((flag) => flag.name !== 'containers'), {name: 'recursive', shorthand: 'R', kind: 'bool'}, recordFlag],
  run: async (session, args) => {
    const {resources, pairs} = resourcesAndPairs(args, 'image')
    const images = namedValues(pairs, 'image')
    if (resources.length === 0 && !hasManifestSource(session)) throw new KubectlError(noResourcesMessage)
    const targets = await targetsOf(session, await ResourceMapper.discover(session), resources)
    const invalid: string[] = []
    if (images.size === 0) invalid.push('at least one image update is required')
    if (images.has('*') && images.size > 1) invalid.push('all containers are already specified by *, but saw more than one container_name=container_image pairs')
    if (invalid.length > 0) throw aggregated(invalid)
    return editEach(session, targets, 'image updated', (serverMessage) => `failed to patch image update to pod template: ${serverMessage}`, (containers, initContainers) => {
      const missing: string[] = []
      for (const [name, image] of images) {
        const matches = [...containers, ...initContainers].filter((container) => name === '*' || container.name === name)
        if (matches.length === 0) missing.push(`error: unable to find container named "${name}"`)
        for (const container of matches) container.image = image
      }
      return missing
    })
  },
}

function resourceList(text: string): Record<string, string> {
  const list: Record<string, string> = {}
  for (const part of text.split(',').filter((entry) => entry.length > 0)) {
    const equals = part.indexOf('=')
    if (equals <= 0) throw new KubectlError(`invalid resource spec: ${part}`)
    list[part.slice(0, equals)] = canonicalQuantity(part.slice(equals + 1))
  }
  return list
}

const setResources: KubectlVerb = {
  name: 'resources',
  flags: [...commonFlags, {name: 'recursive', shorthand: 'R', kind: 'bool'}, {name: 'limits', kind: 'string'}, {name: 'requests', kind: 'string'}, recordFlag],
  run: async (session, args) => {
    const limits = resourceList(session.flag('limits'))
    const requests = resourceList(session.flag('requests'))
    if (args.length === 0 && !hasManifestSource(session)) throw new KubectlError(noResourcesMessage)
    if (Object.keys(limits).length === 0 && Object.keys(requests).length === 0) throw new KubectlError('you must specify an update to requests or limits (in the form of --requests/--limits)')
    const wanted = session.flag('containers')
    const mapper = await ResourceMapper.discover(session)
    if (parseResourceArguments(mapper, args).length === 0 && session.list('filename').length === 0) throw new KubectlError(resourcesRequiredMessage)
    return editEach(session, await targetsOf(session, mapper, args), 'resource requirements updated', (serverMessage) => `failed to patch resources update to pod template ${serverMessage}`, (containers, initContainers) => {
      const chosen = [...containers, ...initContainers].filter((candidate) => wanted === '*' || candidate.name === wanted)
      if (chosen.length === 0) return [`error: unable to find container named ${wanted}`]
      for (const container of chosen) {
        const resources = isJsonObject(container.resources) ? container.resources : {}
        if (Object.keys(limits).length > 0) resources.limits = {...(isJsonObject(resources.limits) ? resources.limits : {}), ...limits}
        if (Object.keys(requests).length > 0) resources.requests = {...(isJsonObject(resources.requests) ? resources.requests : {}), ...requests}
        container.resources = resources
      }
    })
  },
}

const setServiceAccount: KubectlVerb = {
  name: 'serviceaccount',
  aliases: ['sa'],
  flags: [...commonFlags.filter((flag) => flag.name !== 'containers' && flag.name !== 'selector'), {name: 'recursive', shorthand: 'R', kind: 'bool'}, recordFlag],
  run: async (session, args) => {
    // The last argument is the service account; the ones before it name the objects.
    if (args.length === 0) throw new KubectlError('serviceaccount is required')
    const serviceAccount = args[args.length - 1]!
    const resources = args.slice(0, -1)
    if (resources.length === 0 && !hasManifestSource(session)) throw new KubectlError(noResourcesMessage)
    const mapper = await ResourceMapper.discover(session)
    if (resources.length > 0 && parseResourceArguments(mapper, resources).every(({names}) => names.length === 0)) throw new KubectlError('resource(s) were provided, but no name was specified')
    const targets = await targetsOf(session, mapper, resources)
    return editEach(session, targets, 'serviceaccount updated', (serverMessage) => `failed to patch ServiceAccountName ${serverMessage}`, (_containers, _initContainers, object, resource) => {
      const podSpec = podSpecOf(resource, object)
      if (podSpec) podSpec.serviceAccountName = serviceAccount
    }, {sendUnchanged: true})
  },
}

/** A binding's subject as kubectl's set subject builds it. */
type Subject = {kind: string; apiGroup?: string; name: string; namespace?: string}

const setSubject: KubectlVerb = {
  name: 'subject',
  flags: [
    ...commonFlags.filter((flag) => flag.name !== 'containers'),
    {name: 'recursive', shorthand: 'R', kind: 'bool'},
    {name: 'user', kind: 'stringArray'},
    {name: 'group', kind: 'stringArray'},
    {name: 'serviceaccount', kind: 'stringArray'},
  ],
  run: async (session, args) => {
    if (args.length === 0 && !hasManifestSource(session)) throw new KubectlError(noResourcesMessage)
    const mapper = await ResourceMapper.discover(session)
    const targets = await targetsOf(session, mapper, args)
    if (session.flag('local') === 'true' && session.flag('dry-run') === 'server') throw new KubectlError('cannot specify --local and --dry-run=server - did you mean --dry-run=client?')
    refuseAllWithSelector(session.flag('all') === 'true', session.flag('selector'))
    const [users, groups, serviceAccounts] = [session.list('user'), session.list('group'), session.list('serviceaccount')]
    if (users.length + groups.length + serviceAccounts.length === 0) throw new KubectlError('you must specify at least one value of user, group or serviceaccount')
    for (const serviceAccount of serviceAccounts) {
      const [namespace, name, ...more] = serviceAccount.split(':')
      if (more.length > 0 || name === undefined || name === '') throw new KubectlError('serviceaccount must be <namespace>:<name>')
      if (namespace === '' && targets.some((target) => target.resource.resource === 'clusterrolebindings')) throw new KubectlError('serviceaccount must be <namespace>:<name>, namespace must be specified')
    }
    // Each list sorted and without repeats (Go's sets.String), users, then groups, then service accounts.
    const sorted = (values: readonly string[]) => [...new Set(values)].sort()
    const subjects: Subject[] = [
      ...sorted(users).map((name) => ({kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name})),
      ...sorted(groups).map((name) => ({kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name})),
      ...sorted(serviceAccounts).map((serviceAccount) => {
        const [namespace, name] = serviceAccount.split(':') as [string, string]
        return {kind: 'ServiceAccount', namespace: namespace || session.namespace(), name}
      }),
    ]
    const same = (left: Subject, right: Subject) => left.kind === right.kind && (left.apiGroup ?? '') === (right.apiGroup ?? '') && left.name === right.name && (left.namespace ?? '') === (right.namespace ?? '')
    return editEach(session, targets, 'subjects updated', (serverMessage) => `failed to patch subjects to rolebinding: ${serverMessage}`, (_containers, _initContainers, object, resource) => {
      if (resource.group !== 'rbac.authorization.k8s.io' || (resource.resource !== 'rolebindings' && resource.resource !== 'clusterrolebindings')) {
        return [`error: ${resource.resource}/${object.metadata.name ?? ''} setting subjects is only supported for RoleBinding/ClusterRoleBinding`]
      }
      // Only the subjects the binding lacks are added; a binding that has them all is left as it is (nothing printed).
      const binding = object as typeof object & {subjects?: Subject[]}
      const existing = binding.subjects ?? []
      const added = subjects.filter((subject) => !existing.some((present) => same(present, subject)))
      if (added.length > 0) binding.subjects = [...existing, ...added]
      return []
    }, {anyKind: true})
  },
}

export const setVerb: KubectlVerb = {name: 'set', flags: [], subverbs: [setImage, setEnv, setResources, setSelector, setServiceAccount, setSubject]}
