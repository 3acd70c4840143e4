// `kubectl set selector (-f FILE | TYPE NAME) EXPRESSIONS`: replaces a Service's selector with the
// equality terms of a label selector, on the server or with --local; kubectl refuses set-based
// terms (and every kind but Service) with its own words.
import {isJsonObject} from '../../api/object.js'
import {parseLabelSelector, SelectorError} from '../../api/selectors.js'
import {KubectlError, noResourcesMessage} from '../errors.js'
import {hasManifestSource} from '../kustomize/manifests.js'
import {ResourceMapper} from '../resources.js'
import type {KubectlVerb} from '../verb.js'
import {parseResourceArguments} from './get.js'
import {commonFlags, editEach, targetsOf} from './set-edit.js'

interface Expression {
  readonly key: string
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'
  readonly values: readonly string[]
}

/** metav1.ParseToLabelSelector: equality terms as matchLabels, set terms as expressions (values sorted). */
function toLabelSelector(text: string): {matchLabels: Record<string, string>; expressions: Expression[]} {
  let requirements
  try {
    requirements = parseLabelSelector(text)
  } catch (error) {
    if (error instanceof SelectorError) throw new KubectlError(`couldn't parse the selector string ${JSON.stringify(text)}: ${error.message}`)
    throw error
  }
  const matchLabels: Record<string, string> = {}
  const expressions: Expression[] = []
  for (const {key, operator, values} of requirements) {
    if (operator === '=' || operator === '==') {
      matchLabels[key] = values[0] ?? ''
      continue
    }
    const named = ({in: 'In', notin: 'NotIn', exists: 'Exists', '!': 'DoesNotExist'} as const)[operator as 'in' | 'notin' | 'exists' | '!']
    if (operator === 'gt' || operator === 'lt') throw new KubectlError(`"${operator}" isn't supported in label selectors`)
    if (named === undefined) throw new KubectlError(`"${operator}" is not a valid label selector operator`)
    expressions.push({key, operator: named, values: [...values].sort()})
  }
  return {matchLabels, expressions}
}

/** Go's %v of []LabelSelectorRequirement: `[{env In [a b]}]`. */
const expressionsText = (expressions: readonly Expression[]) => `[${expressions.map(({key, operator, values}) => `{${key} ${operator} [${values.join(' ')}]}`).join(' ')}]`

export const setSelector: KubectlVerb = {
  name: 'selector',
  flags: [
    ...commonFlags.filter((flag) => flag.name !== 'containers' && flag.name !== 'selector'),
    {name: 'recursive', shorthand: 'R', kind: 'bool', defaultValue: 'true'},
    {name: 'resource-version', kind: 'string'},
  ],
  run: async (session, args) => {
    // The last argument is the selector; the ones before it name the objects.
    const selector = args.length > 0 ? toLabelSelector(args[args.length - 1]!) : null
    const resources = args.slice(0, -1)
    if (selector === null) throw new KubectlError('one selector is required')
    if (resources.length === 0 && !hasManifestSource(session)) throw new KubectlError(noResourcesMessage)
    const mapper = await ResourceMapper.discover(session)
    if (resources.length > 0 && parseResourceArguments(mapper, resources).every(({names}) => names.length === 0)) throw new KubectlError('resource(s) were provided, but no name was specified')
    const resourceVersion = session.flag('resource-version')
    return editEach(session, await targetsOf(session, mapper, resources), 'selector updated', (serverMessage) => serverMessage, (_containers, _initContainers, object, resource) => {
      if (resource.group !== '' || resource.kind !== 'Service') throw new KubectlError('setting a selector is only supported for Services')
      if (selector.expressions.length > 0) throw new KubectlError(`match expression ${expressionsText(selector.expressions)} not supported on this object`)
      const spec = isJsonObject(object.spec) ? object.spec : (object.spec = {})
      spec.selector = {...selector.matchLabels}
      if (resourceVersion) object.metadata.resourceVersion = resourceVersion
    }, {anyKind: true, sendUnchanged: true, untypedAnswer: true})
  },
}
