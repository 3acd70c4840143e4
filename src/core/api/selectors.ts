// Label selectors (equality- and set-based, as `labelSelector=` and metav1.LabelSelector) and
// field selectors, parsed and matched as k8s.io/apimachinery/pkg/labels and /fields do.
import {isQualifiedName, isValidLabelValue} from './names.js'
import {isJsonObject} from './object.js'

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

/** The lexer's tokens: a literal operator or punctuation, an identifier, the end, or a scan error. */
type TokenKind = 'error' | 'end' | ')' | ',' | '!' | '==' | '=' | '>' | 'identifier' | 'in' | '<' | '!=' | 'notin' | '('

interface Token {
  readonly kind: TokenKind
  readonly literal: string
}

const literalTokens: ReadonlyMap<string, TokenKind> = new Map<string, TokenKind>([
  [')', ')'], [',', ','], ['!', '!'], ['==', '=='], ['=', '='], ['>', '>'], ['in', 'in'], ['<', '<'], ['!=', '!='], ['notin', 'notin'], ['(', '('],
])

const isSelectorSpace = (character: string) => character === ' ' || character === '\t' || character === '\r' || character === '\n'
const isSpecialSymbol = (character: string) => '=!(),><'.includes(character)

/** Splits a selector into tokens as apimachinery's lexer does (so its error texts follow from the same tokens). */
function selectorTokens(text: string): Token[] {
  const tokens: Token[] = []
  let position = 0
  for (;;) {
    while (position < text.length && isSelectorSpace(text[position]!)) position++
    if (position >= text.length) {
      tokens.push({kind: 'end', literal: ''})
      return tokens
    }
    if (tokens.length > selectorRequirementsMax * 8) throw new SelectorError(`too many requirements (at most ${selectorRequirementsMax})`)
    if (isSpecialSymbol(text[position]!)) {
      // The longest run of symbols that is a token: "!=" and "==" before "!" and "=".
      let buffer = ''
      let last: Token | null = null
      while (position < text.length && isSpecialSymbol(text[position]!)) {
        buffer += text[position]
        const kind = literalTokens.get(buffer)
        if (kind) last = {kind, literal: buffer}
        else if (last) break
        position++
      }
      tokens.push(last ?? {kind: 'error', literal: `error expected: keyword found '${buffer}'`})
      continue
    }
    let word = ''
    while (position < text.length && !isSpecialSymbol(text[position]!) && !isSelectorSpace(text[position]!)) word += text[position++]
    tokens.push({kind: literalTokens.get(word) ?? 'identifier', literal: word})
  }
}

/** A list of field errors as apimachinery aggregates them: one alone, several in brackets. */
const aggregated = (errors: readonly string[]) => (errors.length === 1 ? errors[0]! : `[${errors.join(', ')}]`)

const binaryOperators: ReadonlyMap<TokenKind, SelectorOperator> = new Map<TokenKind, SelectorOperator>([['in', 'in'], ['notin', 'notin'], ['=', '='], ['==', '=='], ['!=', '!='], ['>', 'gt'], ['<', 'lt']])

/** apimachinery's recursive-descent parser over the tokens, with its error texts. */
class SelectorParser {
  private position = 0

  constructor(private readonly tokens: readonly Token[]) {}

  /** In a value's place, `in` and `notin` are plain words. */
  private peek(values: boolean): Token {
    const token = this.tokens[this.position]!
    return values && (token.kind === 'in' || token.kind === 'notin') ? {kind: 'identifier', literal: token.literal} : token
  }

  private take(values: boolean): Token {
    const token = this.peek(values)
    this.position++
    return token
  }

  parse(): Requirement[] {
    const requirements: Requirement[] = []
    for (;;) {
      const next = this.peek(true)
      if (next.kind === 'end') return requirements
      if (next.kind !== 'identifier' && next.kind !== '!') throw new SelectorError(`found '${next.literal}', expected: !, identifier, or 'end of string'`)
      if (requirements.length >= selectorRequirementsMax) throw new SelectorError(`too many requirements (at most ${selectorRequirementsMax})`)
      try {
        requirements.push(this.requirement())
      } catch (error) {
        if (error instanceof SelectorError) throw new SelectorError(`unable to parse requirement: ${error.message}`)
        throw error
      }
      const after = this.take(true)
      if (after.kind === 'end') return requirements
      if (after.kind !== ',') throw new SelectorError(`found '${after.literal}', expected: ',' or 'end of string'`)
      const following = this.peek(true)
      if (following.kind !== 'identifier' && following.kind !== '!') throw new SelectorError(`found '${following.literal}', expected: identifier after ','`)
    }
  }

  private requirement(): Requirement {
    let token = this.take(true)
    const absent = token.kind === '!'
    if (absent) token = this.take(true)
    if (token.kind !== 'identifier') throw new SelectorError(`found '${token.literal}', expected: identifier`)
    const key = token.literal
    const keyErrors = isQualifiedName(key)
    // The key is checked with no field path, which Go prints as <nil>.
    if (keyErrors.length > 0) throw new SelectorError(`<nil>: Invalid value: ${JSON.stringify(key)}: ${keyErrors.join('; ')}`)
    const next = this.peek(true).kind
    if (absent || next === 'end' || next === ',') return {key, operator: absent ? '!' : 'exists', values: []}
    const operatorToken = this.take(false)
    const operator = binaryOperators.get(operatorToken.kind)
    if (!operator) throw new SelectorError(`found '${operatorToken.literal}', expected: in, notin, =, ==, !=, gt, lt`)
    const values = operator === 'in' || operator === 'notin' ? this.valueSet() : [this.exactValue()]
    return checkedRequirement(key, operator, [...new Set(values)].sort())
  }

  private valueSet(): string[] {
    const open = this.take(true)
    if (open.kind !== '(') throw new SelectorError(`found '${open.literal}' expected: '('`)
    const first = this.peek(true)
    if (first.kind === ')') {
      this.take(true)
      return ['']
    }
    if (first.kind !== 'identifier' && first.kind !== ',') throw new SelectorError(`found '${first.literal}', expected: ',', ')' or identifier`)
    const values = this.identifiers()
    // apimachinery names the token it saw first, not the one that failed.
    if (this.take(true).kind !== ')') throw new SelectorError(`found '${first.literal}', expected: ')'`)
    return values
  }

  /** A comma-separated list; empty places are empty values. */
  private identifiers(): string[] {
    const values: string[] = []
    for (;;) {
      const token = this.take(true)
      if (token.kind === 'identifier') {
        values.push(token.literal)
        const next = this.peek(true)
        if (next.kind === ',') continue
        if (next.kind === ')') return values
        throw new SelectorError(`found '${next.literal}', expected: ',' or ')'`)
      }
      if (token.kind !== ',') throw new SelectorError(`found '${token.literal}', expected: ',', or identifier`)
      if (values.length === 0) values.push('')
      const next = this.peek(true)
      if (next.kind === ')') {
        values.push('')
        return values
      }
      if (next.kind === ',') {
        this.take(true)
        values.push('')
      }
    }
  }

  private exactValue(): string {
    const next = this.peek(true)
    if (next.kind === 'end' || next.kind === ',') return ''
    const token = this.take(true)
    if (token.kind === 'identifier') return token.literal
    throw new SelectorError(`found '${token.literal}', expected: identifier`)
  }
}

/** NewRequirement's checks of the values (the key was checked already), aggregated as apimachinery does. */
function checkedRequirement(key: string, operator: SelectorOperator, values: string[]): Requirement {
  const errors: string[] = []
  if (operator === 'gt' || operator === 'lt') {
    values.forEach((value, index) => {
      if (!/^[+-]?\d+$/.test(value)) errors.push(`values[${index}]: Invalid value: ${JSON.stringify(value)}: for 'Gt', 'Lt' operators, the value must be an integer`)
    })
  }
  values.forEach((value, index) => {
    const valueErrors = isValidLabelValue(value)
    if (valueErrors.length > 0) errors.push(`values[${index}][${key}]: Invalid value: ${JSON.stringify(value)}: ${valueErrors.join('; ')}`)
  })
  if (errors.length > 0) throw new SelectorError(aggregated(errors))
  return {key, operator, values}
}

/** Parses the string form: `app=web,tier!=db,env in (a,b),!legacy,release`, with apimachinery's grammar and errors. */
export function parseLabelSelector(text: string): LabelSelector {
  return new SelectorParser(selectorTokens(text)).parse()
}

export interface LabelSelectorObject {
  matchLabels?: Record<string, string>
  matchExpressions?: Array<{key: string; operator: string; values?: string[]}>
}

/** Whether untyped JSON has metav1.LabelSelector's shape (its operators are checked when it is read). */
export function isLabelSelectorObject(value: unknown): value is LabelSelectorObject {
  if (!isJsonObject(value)) return false
  const isStringList = (list: unknown) => Array.isArray(list) && list.every((item) => typeof item === 'string')
  const isStringMap = (map: unknown) => isJsonObject(map) && Object.values(map).every((item) => typeof item === 'string')
  const isExpression = (expression: unknown) =>
    isJsonObject(expression) && typeof expression.key === 'string' && typeof expression.operator === 'string' && (expression.values === undefined || isStringList(expression.values))
  return (value.matchLabels === undefined || isStringMap(value.matchLabels)) && (value.matchExpressions === undefined || (Array.isArray(value.matchExpressions) && value.matchExpressions.every(isExpression)))
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
