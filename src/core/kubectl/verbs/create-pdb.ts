// `kubectl create poddisruptionbudget|pdb NAME --selector … --min-available|--max-unavailable`:
// the selector string becomes a metav1.LabelSelector as kubectl's ParseToLabelSelector makes it.
import {parseLabelSelector, type Requirement, SelectorError} from '../../api/selectors.js'
import {KubectlError} from '../errors.js'
import type {KubectlVerb} from '../verb.js'
import {generatorFlags, oneName, submitGenerated} from './create-common.js'

interface LabelSelectorObject {
  matchLabels?: Record<string, string>
  matchExpressions?: Array<{key: string; operator: string; values?: string[]}>
}

const expressionOperators: Partial<Record<Requirement['operator'], string>> = {in: 'In', notin: 'NotIn', exists: 'Exists', '!': 'DoesNotExist'}

/** Equalities go to matchLabels, set terms to matchExpressions (sorted by key, as labels.Parse sorts); != and gt/lt are refused. */
export function labelSelectorObject(text: string): LabelSelectorObject {
  let requirements: readonly Requirement[]
  try {
    requirements = parseLabelSelector(text)
  } catch (error) {
    if (error instanceof SelectorError) throw new KubectlError(`couldn't parse the selector string "${text}": ${error.message}`)
    throw error
  }
  const selector: LabelSelectorObject = {}
  for (const requirement of [...requirements].sort((left, right) => (left.key < right.key ? -1 : left.key > right.key ? 1 : 0))) {
    if (requirement.operator === '=' || requirement.operator === '==') {
      selector.matchLabels = {...selector.matchLabels, [requirement.key]: requirement.values[0] ?? ''}
      continue
    }
    if (requirement.operator === '!=') throw new KubectlError('"!=" is not a valid label selector operator')
    const operator = expressionOperators[requirement.operator]
    if (operator === undefined) throw new KubectlError(`"${requirement.operator}" isn't supported in label selectors`)
    const expression: {key: string; operator: string; values?: string[]} = {key: requirement.key, operator}
    if (requirement.operator === 'in' || requirement.operator === 'notin') expression.values = [...requirement.values]
    selector.matchExpressions = [...(selector.matchExpressions ?? []), expression]
  }
  return selector
}

/** A count or a percentage, nothing else (kubectl's check before it builds the budget). */
const budgetValuePattern = /^[0-9]+%?$/

const intOrPercent = (text: string): number | string => (text.endsWith('%') ? text : Number(text))

export const podDisruptionBudgetGenerator: KubectlVerb = {
  name: 'poddisruptionbudget',
  aliases: ['pdb'],
  flags: [...generatorFlags, {name: 'selector', kind: 'string'}, {name: 'min-available', kind: 'string'}, {name: 'max-unavailable', kind: 'string'}],
  run: (session, args) => {
    const name = oneName(args, 'kubectl create poddisruptionbudget')
    const selector = session.flag('selector')
    const minAvailable = session.flag('min-available')
    const maxUnavailable = session.flag('max-unavailable')
    if (selector === '') throw new KubectlError('a selector must be specified')
    if (minAvailable === '' && maxUnavailable === '') throw new KubectlError('one of min-available or max-unavailable must be specified')
    if (minAvailable !== '' && maxUnavailable !== '') throw new KubectlError('min-available and max-unavailable cannot be both specified')
    if (minAvailable !== '' && !budgetValuePattern.test(minAvailable)) throw new KubectlError('invalid format specified for min-available')
    if (maxUnavailable !== '' && !budgetValuePattern.test(maxUnavailable)) throw new KubectlError('invalid format specified for max-unavailable')
    const spec: Record<string, unknown> = {}
    if (minAvailable !== '') spec.minAvailable = intOrPercent(minAvailable)
    spec.selector = labelSelectorObject(selector)
    if (maxUnavailable !== '') spec.maxUnavailable = intOrPercent(maxUnavailable)
    const status = {disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0}
    return submitGenerated(session, {kind: 'PodDisruptionBudget', apiVersion: 'policy/v1', metadata: {name, creationTimestamp: null}, spec, status})
  },
}
