// Label selectors (equality- and set-based, as `labelSelector=` and metav1.LabelSelector) and
// field selectors, parsed and matched as k8s.io/apimachinery/pkg/labels and /fields do.
import {isQualifiedName, isValidLabelValue} from './names.js'

export type SelectorOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt'

export interface Requirement {
  readonly key: string
  readonly operator: SelectorOperator
  readonly values: readonly string[]
}

/** A selector may list at most this many requirements, a bound on work per object. */
export const selectorRequirementsMax = 1_000

export class SelectorError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SelectorError'
  }
}

export type LabelSelector = readonly Requirement[]

export function matchesRequirement(requirement: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, requirement.key)
  const value = labels[requirement.key]
  switch (requirement.operator) {
    case 'in':
    case '=':
    case '==':
      return has && requirement.values.includes(value!)
    case 'notin':
    case '!=':
      return !has || !requirement.values.includes(value!)
    case 'exists':
      return has
    case '!':
      return !has
    case 'gt':
    case 'lt': {
      if (!has) return false
      const actual = Number.parseInt(value!, 10)
      const bound = Number.parseInt(requirement.values[0]!, 10)
      if (Number.isNaN(actual) || Number.isNaN(bound)) return false
      return requirement.operator === 'gt' ? actual > bound : actual < bound
    }
  }
}

export function matchesLabels(selector: LabelSelector, labels: Readonly<Record<string, string>> | undefined): boolean {
  const present = labels ?? {}
  return selector.every((requirement) => matchesRequirement(requirement, present))
}

/** labels.Set(map).AsSelector().Matches(labels), as a ReplicationController's or a Service's selector: every pair of the map is among the labels. */
export function labelMapSelects(selector: unknown, labels: Readonly<Record<string, string>> | undefined): boolean {
  if (typeof selector !== 'object' || selector === null || Array.isArray(selector)) return true
  return Object.entries(selector as Record<string, unknown>).every(([key, value]) => labels?.[key] === value)
}

function checkKey(key: string): void {
  const errors = isQualifiedName(key)
  if (errors.length > 0) throw new SelectorError(`unable to parse requirement: key: Invalid value: ${JSON.stringify(key)}: ${errors.join('; ')}`)
}

function checkValue(key: string, value: string): void {
  const errors = isValidLabelValue(value)
  if (errors.length > 0) {
    throw new SelectorError(`unable to parse requirement: values[0][${key}]: Invalid value: ${JSON.stringify(value)}: ${errors.join('; ')}`)
  }
}

/** Splits on commas outside parentheses. */
function splitTerms(text: string): string[] {
  const terms: string[] = []
  let depth = 0
  let current = ''
  for (const character of text) {
    if (character === '(') depth++
    if (character === ')') depth--
    if (character === ',' && depth === 0) {
      terms.push(current)
      current = ''
    } else current += character
  }
  terms.push(current)
  return terms.map((term) => term.trim())
}

/** Parses the string form: `app=web,tier!=db,env in (a,b),!legacy,release`. */
export function parseLabelSelector(text: string): LabelSelector {
  const trimmed = text.trim()
  if (trimmed.length === 0) return []
  const requirements: Requirement[] = []
  for (const term of splitTerms(trimmed)) {
    if (requirements.length >= selectorRequirementsMax) throw new SelectorError(`too many requirements (at most ${selectorRequirementsMax})`)
    if (term.length === 0) throw new SelectorError(`found '', expected: !, identifier, or 'end of string'`)
    const set = /^([^\s!=<>()]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term)
    if (set) {
      checkKey(set[1]!)
      const values = set[3]!.split(',').map((value) => value.trim()).filter((value) => value.length > 0)
      for (const value of values) checkValue(set[1]!, value)
      requirements.push({key: set[1]!, operator: set[2] as 'in' | 'notin', values})
      continue
    }
    const comparison = /^([^\s!=<>()]+)\s*(==|!=|=|>|<)\s*([^\s!=<>(),]*)$/.exec(term)
    if (comparison) {
      const key = comparison[1]!
      const operatorText = comparison[2]!
      const value = comparison[3]!
      checkKey(key)
      if (operatorText === '>' || operatorText === '<') {
        if (!/^-?[0-9]+$/.test(value)) throw new SelectorError(`unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer`)
        requirements.push({key, operator: operatorText === '>' ? 'gt' : 'lt', values: [value]})
      } else {
        checkValue(key, value)
        requirements.push({key, operator: operatorText as '=' | '==' | '!=', values: [value]})
      }
      continue
    }
    const absent = /^!\s*([^\s!=<>()]+)$/.exec(term)
    if (absent) {
      checkKey(absent[1]!)
      requirements.push({key: absent[1]!, operator: '!', values: []})
      continue
    }
    if (/^[^\s!=<>(),]+$/.test(term)) {
      checkKey(term)
      requirements.push({key: term, operator: 'exists', values: []})
      continue
    }
    throw new SelectorError(`unable to parse requirement: found '${term}', expected: identifier`)
  }
  return requirements
}

export interface LabelSelectorObject {
  matchLabels?: Record<string, string>
  matchExpressions?: Array<{key: string; operator: string; values?: string[]}>
}

/** metav1.LabelSelector as requirements; an empty selector matches everything. */
export function labelSelectorFromObject(selector: LabelSelectorObject): LabelSelector {
  const requirements: Requirement[] = []
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) requirements.push({key, operator: 'in', values: [value]})
  for (const expression of selector.matchExpressions ?? []) {
    const operator = {In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!'}[expression.operator]
    if (!operator) throw new SelectorError(`${JSON.stringify(expression.operator)} is not a valid label selector operator`)
    requirements.push({key: expression.key, operator: operator as SelectorOperator, values: expression.values ?? []})
  }
  return requirements
}

/** The string form kubectl and `status.selector` show: `app=web,tier in (a,b)`. */
export function formatLabelSelector(selector: LabelSelector): string {
  const sorted = [...selector].sort((left, right) => (left.key < right.key ? -1 : left.key > right.key ? 1 : 0))
  return sorted
    .map((requirement) => {
      switch (requirement.operator) {
        case 'in':
          return requirement.values.length === 1 ? `${requirement.key}=${requirement.values[0]}` : `${requirement.key} in (${[...requirement.values].sort().join(',')})`
        case 'notin':
          return `${requirement.key} notin (${[...requirement.values].sort().join(',')})`
        case '=':
        case '==':
          return `${requirement.key}=${requirement.values[0]}`
        case '!=':
          return `${requirement.key}!=${requirement.values[0]}`
        case 'exists':
          return requirement.key
        case '!':
          return `!${requirement.key}`
        case 'gt':
          return `${requirement.key}>${requirement.values[0]}`
        case 'lt':
          return `${requirement.key}<${requirement.values[0]}`
      }
    })
    .join(',')
}

export interface FieldRequirement {
  readonly field: string
  readonly operator: '=' | '!='
  readonly value: string
}

/** Parses `metadata.name=x,spec.nodeName!=` (values may be empty; `\,` escapes a comma). */
export function parseFieldSelector(text: string): FieldRequirement[] {
  const trimmed = text.trim()
  if (trimmed.length === 0) return []
  const requirements: FieldRequirement[] = []
  for (const term of trimmed.split(/(?<!\\),/)) {
    const match = /^([^=!]+)(==|!=|=)(.*)$/.exec(term.trim())
    if (!match) throw new SelectorError(`invalid selector: '${text}'; can't understand '${term}'`)
    requirements.push({field: match[1]!.trim(), operator: match[2] === '!=' ? '!=' : '=', value: match[3]!.replace(/\\,/g, ',')})
    if (requirements.length > selectorRequirementsMax) throw new SelectorError(`too many requirements (at most ${selectorRequirementsMax})`)
  }
  return requirements
}

export function matchesFields(requirements: readonly FieldRequirement[], fields: Readonly<Record<string, string>>): boolean {
  return requirements.every((requirement) => {
    const value = fields[requirement.field] ?? ''
    return requirement.operator === '=' ? value === requirement.value : value !== requirement.value
  })
}

/**
 * metav1.FormatLabelSelector: matchLabels as `k=v` and expressions as `k in (a,b)`, all sorted by
 * key, `<none>` when empty (NetworkPolicy's POD-SELECTOR column and describe).
 */
export function networkPolicySelectorText(selector: unknown): string {
  const value = (typeof selector === 'object' && selector !== null ? selector : {}) as LabelSelectorObject
  const parts: Array<{key: string; text: string}> = Object.entries(value.matchLabels ?? {}).map(([key, item]) => ({key, text: `${key}=${item}`}))
  for (const expression of value.matchExpressions ?? []) {
    const values = [...(expression.values ?? [])].sort().join(',')
    const text = {In: `${expression.key} in (${values})`, NotIn: `${expression.key} notin (${values})`, Exists: expression.key, DoesNotExist: `!${expression.key}`}[expression.operator]
    if (text !== undefined) parts.push({key: expression.key, text})
  }
  parts.sort((left, right) => (left.key < right.key ? -1 : left.key > right.key ? 1 : 0))
  return parts.length === 0 ? '<none>' : parts.map((part) => part.text).join(',')
}
