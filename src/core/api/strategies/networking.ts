// The NetworkPolicy strategy as kube-apiserver 1.32 has it: defaults (policyTypes from the rules,
// TCP for ports without a protocol) and ValidateNetworkPolicy's field errors.
import {fieldError, type FieldError, FieldPath} from '../field-errors.js'
import {isJsonObject, type KubeObject} from '../object.js'
import {isQualifiedName, isValidLabelValue, isValidPortName, isValidPortNumber} from '../names.js'
import {defineStrategy} from './base.js'
import {validateLabels} from './meta.js'
import {type Json, objects, spec} from './json-fields.js'
import type {Strategy} from './strategy.js'

const specPath = FieldPath.root('spec')
const protocols = ['TCP', 'UDP', 'SCTP']
const policyTypes = ['Ingress', 'Egress']
const cidrMessage = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'

function defaultNetworkPolicy(object: KubeObject): void {
  const policySpec = spec(object)
  for (const direction of ['ingress', 'egress']) {
    for (const rule of objects(policySpec[direction])) for (const port of objects(rule.ports)) if (port.protocol === undefined) port.protocol = 'TCP'
  }
  if (!Array.isArray(policySpec.policyTypes) || policySpec.policyTypes.length === 0) {
    policySpec.policyTypes = Array.isArray(policySpec.egress) && policySpec.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress']
  }
}

/** metav1 ValidateLabelSelector. */
export function validateLabelSelector(selector: Json, path: FieldPath): FieldError[] {
  const errors = validateLabels(isJsonObject(selector.matchLabels) ? (selector.matchLabels as Record<string, string>) : undefined, path.child('matchLabels'))
  objects(selector.matchExpressions).forEach((expression, index) => {
    const expressionPath = path.child('matchExpressions').index(index)
    const values = Array.isArray(expression.values) ? expression.values.map(String) : []
    const operator = typeof expression.operator === 'string' ? expression.operator : ''
    if (operator === 'In' || operator === 'NotIn') {
      if (values.length === 0) errors.push(fieldError.required(expressionPath.child('values'), "must be specified when `operator` is 'In' or 'NotIn'"))
    } else if (operator === 'Exists' || operator === 'DoesNotExist') {
      if (values.length > 0) errors.push(fieldError.forbidden(expressionPath.child('values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
    } else errors.push(fieldError.invalid(expressionPath.child('operator'), operator, 'not a valid selector operator'))
    const key = typeof expression.key === 'string' ? expression.key : ''
    for (const message of isQualifiedName(key)) errors.push(fieldError.invalid(expressionPath.child('key'), key, message))
    values.forEach((value, valueIndex) => {
      for (const message of isValidLabelValue(value)) errors.push(fieldError.invalid(expressionPath.child('values').index(valueIndex), value, message))
    })
  })
  return errors
}

function validatePort(port: Json, path: FieldPath): FieldError[] {
  const errors: FieldError[] = []
  if (port.protocol !== undefined && !protocols.includes(String(port.protocol))) errors.push(fieldError.notSupported(path.child('protocol'), String(port.protocol), protocols))
  const endPort = typeof port.endPort === 'number' ? port.endPort : undefined
  if (port.port === undefined) {
    if (endPort !== undefined) errors.push(fieldError.invalid(path.child('endPort'), endPort, 'may not be specified when `port` is not specified'))
  } else if (typeof port.port === 'number') {
    for (const message of isValidPortNumber(port.port)) errors.push(fieldError.invalid(path.child('port'), port.port, message))
    if (endPort !== undefined) {
      if (endPort < port.port) errors.push(fieldError.invalid(path.child('endPort'), port.port, 'must be greater than or equal to `port`'))
      for (const message of isValidPortNumber(endPort)) errors.push(fieldError.invalid(path.child('endPort'), endPort, message))
    }
  } else {
    const name = String(port.port)
    if (endPort !== undefined) errors.push(fieldError.invalid(path.child('endPort'), endPort, 'may not be specified when `port` is non-numeric'))
    for (const message of isValidPortName(name)) errors.push(fieldError.invalid(path.child('port'), name, message))
  }
  return errors
}

/** A CIDR as Go's net.ParseCIDR reads it (IPv4 dotted quads, or IPv6), as [bits of the address, prefix length]. */
function parseCidr(text: string): {address: bigint; prefix: number; width: number} | null {
  const slash = text.indexOf('/')
  if (slash < 0) return null
  const prefixText = text.slice(slash + 1)
  const addressText = text.slice(0, slash)
  if (!/^\d{1,3}$/.test(prefixText)) return null
  const prefix = Number(prefixText)
  const v4 = addressText.split('.')
  if (v4.length === 4 && v4.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255)) {
    return prefix <= 32 ? {address: v4.reduce((sum, part) => (sum << 8n) + BigInt(part), 0n), prefix, width: 32} : null
  }
  const v6 = ipv6Bits(addressText)
  return v6 !== null && prefix <= 128 ? {address: v6, prefix, width: 128} : null
}

function ipv6Bits(text: string): bigint | null {
  if (!/^[0-9a-fA-F:]+$/.test(text) || text.split('::').length > 2) return null
  const [head, tail] = text.includes('::') ? text.split('::') as [string, string] : [text, null]
  const groups = (part: string) => (part === '' ? [] : part.split(':'))
  const left = groups(head)
  const right = tail === null ? [] : groups(tail)
  const missing = 8 - left.length - right.length
  if ((tail === null && missing !== 0) || missing < (tail === null ? 0 : 1)) return null
  const all = [...left, ...Array<string>(tail === null ? 0 : missing).fill('0'), ...right]
  if (all.some((group) => !/^[0-9a-fA-F]{1,4}$/.test(group))) return null
  return all.reduce((sum, group) => (sum << 16n) + BigInt(`0x${group}`), 0n)
}

function networkOf(cidr: {address: bigint; prefix: number; width: number}): bigint {
  const host = BigInt(cidr.width - cidr.prefix)
  return (cidr.address >> host) << host
}

function validateIpBlock(block: Json, path: FieldPath): FieldError[] {
  const cidrText = typeof block.cidr === 'string' ? block.cidr : ''
  if (cidrText === '') return [fieldError.required(path.child('cidr'), '')]
  const cidr = parseCidr(cidrText)
  if (!cidr) return [fieldError.invalid(path.child('cidr'), cidrText, cidrMessage)]
  const errors: FieldError[] = []
  ;(Array.isArray(block.except) ? block.except.map(String) : []).forEach((exceptText, index) => {
    const exceptPath = path.child('except').index(index)
    const except = parseCidr(exceptText)
    if (!except) {
      errors.push(fieldError.invalid(exceptPath, exceptText, cidrMessage))
      return
    }
    const contained = except.width === cidr.width && networkOf({...except, prefix: cidr.prefix}) === networkOf(cidr)
    if (!contained || cidr.prefix >= except.prefix) errors.push(fieldError.invalid(exceptPath, exceptText, 'must be a strict subset of `cidr`'))
  })
  return errors
}

function validatePeer(peer: Json, path: FieldPath): FieldError[] {
  const errors: FieldError[] = []
  let peers = 0
  for (const field of ['podSelector', 'namespaceSelector']) {
    if (peer[field] === undefined || peer[field] === null) continue
    peers += 1
    errors.push(...validateLabelSelector(isJsonObject(peer[field]) ? peer[field] : {}, path.child(field)))
  }
  const hasIpBlock = peer.ipBlock !== undefined && peer.ipBlock !== null
  if (hasIpBlock) {
    peers += 1
    errors.push(...validateIpBlock(isJsonObject(peer.ipBlock) ? peer.ipBlock : {}, path.child('ipBlock')))
  }
  if (peers === 0) errors.push(fieldError.required(path, 'must specify a peer'))
  else if (peers > 1 && hasIpBlock) errors.push(fieldError.forbidden(path, 'may not specify both ipBlock and another peer'))
  return errors
}

export function validateNetworkPolicy(object: KubeObject): FieldError[] {
  const policySpec = spec(object)
  const errors = validateLabelSelector(isJsonObject(policySpec.podSelector) ? policySpec.podSelector : {}, specPath.child('podSelector'))
  for (const [direction, peersField] of [['ingress', 'from'], ['egress', 'to']] as const) {
    objects(policySpec[direction]).forEach((rule, ruleIndex) => {
      const rulePath = specPath.child(direction).index(ruleIndex)
      objects(rule.ports).forEach((port, index) => errors.push(...validatePort(port, rulePath.child('ports').index(index))))
      objects(rule[peersField]).forEach((peer, index) => errors.push(...validatePeer(peer, rulePath.child(peersField).index(index))))
    })
  }
  const types = Array.isArray(policySpec.policyTypes) ? policySpec.policyTypes.map(String) : []
  if (types.length > policyTypes.length) {
    errors.push(fieldError.invalid(specPath.child('policyTypes'), {goString: `&[]networking.PolicyType{${types.map((type) => JSON.stringify(type)).join(', ')}}`}, 'may not specify more than two policyTypes'))
    return errors
  }
  types.forEach((type, index) => {
    if (!policyTypes.includes(type)) errors.push(fieldError.notSupported(specPath.child('policyTypes').index(index), type, policyTypes))
  })
  return errors
}

export const networkPolicyStrategy: Strategy = defineStrategy({
  generation: true,
  defaults: defaultNetworkPolicy,
  validate: validateNetworkPolicy,
})
