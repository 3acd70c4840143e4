// CertificateSigningRequest (certificates.k8s.io/v1): kube-apiserver's strategies for the object
// and its /status and /approval subresources (pkg/registry/certificates), and its validation
// (pkg/apis/certificates/validation): the request must be a signed PKCS #10 in a PEM block, the
// spec is fixed at creation and names the requesting user, approval conditions come only through
// /approval and the certificate only through /status.
import {X509Certificate} from 'node:crypto'
import {fieldError, type FieldError, FieldPath} from '../field-errors.js'
import {dns1123LabelLengthMax, dns1123SubdomainLengthMax, isDns1123Label, isDns1123Subdomain} from '../names.js'
import {formatTimestamp, isJsonObject, jsonEqual, type JsonObject, type KubeObject} from '../object.js'
import {pemBlocks} from '../../util/der.js'
import {CertificateRequestError, checkRequestSignature, parseCertificateRequestPem} from '../../util/x509.js'
import {defineStrategy} from './base.js'
import {objects, str} from './json-fields.js'
import type {Strategy, SubresourceWrite, WriteContext} from './strategy.js'

export const legacyUnknownSignerName = 'kubernetes.io/legacy-unknown'

/** The key usages a request may name (certificates.KeyUsage), sorted as sets.String lists them. */
export const keyUsages = [
  'any', 'cert sign', 'client auth', 'code signing', 'content commitment', 'crl sign', 'data encipherment', 'decipher only', 'digital signature',
  'email protection', 'encipher only', 'ipsec end system', 'ipsec tunnel', 'ipsec user', 'key agreement', 'key encipherment', 'microsoft sgc',
  'netscape sgc', 'ocsp signing', 's/mime', 'server auth', 'signing', 'timestamping',
] as const

/** Shortest allowed spec.expirationSeconds. */
export const expirationSecondsMin = 600
const approvalTypes = ['Approved', 'Denied'] as const
const permanentTypes = ['Approved', 'Denied', 'Failed'] as const

const specOf = (object: KubeObject): JsonObject => (isJsonObject(object.spec) ? object.spec : {})
const statusOf = (object: KubeObject): JsonObject => (isJsonObject(object.status) ? object.status : {})
const conditionsOf = (object: KubeObject): JsonObject[] => objects(statusOf(object).conditions)
const usagesOf = (object: KubeObject): string[] => (Array.isArray(specOf(object).usages) ? (specOf(object).usages as unknown[]).map(String) : [])
const certificateOf = (object: KubeObject): string => str(statusOf(object).certificate)

/** The PEM text of spec.request (base64 on the wire). */
export function requestPem(object: KubeObject): string {
  return Buffer.from(str(specOf(object).request), 'base64').toString('latin1')
}

/** Go's %#v of a []byte, as a bad value prints in a field error. */
function goBytes(bytes: Buffer): {goString: string} {
  return {goString: `[]byte{${[...bytes].map((byte) => `0x${byte.toString(16)}`).join(', ')}}`}
}

/** kube's ValidateSignerName: `domain.example/path`, each part DNS labels. */
export function validateSignerName(path: FieldPath, signerName: string): FieldError[] {
  if (signerName.length === 0) return [fieldError.required(path)]
  const segments = signerName.split('/')
  if (segments.length !== 2) return [fieldError.invalid(path, signerName, "must be a fully qualified domain and path of the form 'example.com/signer-name'")]
  const [domain, rest] = segments as [string, string]
  const errors: FieldError[] = []
  if (domain.length > dns1123SubdomainLengthMax) errors.push(fieldError.tooLong(path, dns1123SubdomainLengthMax))
  const domainLabels = domain.split('.')
  for (const label of domainLabels) {
    const failures = isDns1123Label(label)
    if (failures.length === 0) continue
    for (const failure of failures) errors.push(fieldError.invalid(path, domain, `validating label ${JSON.stringify(label)}: ${failure}`))
    break
  }
  if (domainLabels.length < 2) errors.push(fieldError.invalid(path, domain, 'should be a domain with at least two segments separated by dots'))
  for (const label of rest.split('.')) {
    const failures = isDns1123Subdomain(label)
    if (failures.length === 0) continue
    for (const failure of failures) errors.push(fieldError.invalid(path, rest, `validating label ${JSON.stringify(label)}: ${failure}`))
    break
  }
  // A domain, then a path that holds a namespace and a name, and the '/' between.
  const signerNameLengthMax = dns1123SubdomainLengthMax + (dns1123SubdomainLengthMax + dns1123LabelLengthMax + 1) + 1
  if (signerName.length > signerNameLengthMax) errors.push(fieldError.tooLong(path, signerNameLengthMax))
  return errors
}

/** validateCertificate: status.certificate must hold CERTIFICATE PEM blocks only, each one parsing. */
function certificateFailure(pem: string): string | null {
  if (pem.length === 0) return null
  const blocks = pemBlocks(pem)
  if (blocks.length === 0) return 'must contain at least one CERTIFICATE PEM block'
  for (const block of blocks) {
    if (block.type !== 'CERTIFICATE') return `only CERTIFICATE PEM blocks are allowed, found ${JSON.stringify(block.type)}`
    if (block.headers) return 'no PEM block headers are permitted'
    try {
      new X509Certificate(block.bytes)
    } catch {
      return 'x509: malformed certificate'
    }
  }
  return null
}

/** The compatibility allowances kube grants an update when the stored object already breaks a rule. */
interface ValidationOptions {
  allowSettingApprovalConditions: boolean
  allowSettingCertificate: boolean
  allowBothApprovedAndDenied: boolean
  allowLegacySignerName: boolean
  allowDuplicateConditionTypes: boolean
  allowEmptyConditionType: boolean
  allowArbitraryCertificate: boolean
  allowUnknownUsages: boolean
  allowDuplicateUsages: boolean
}

function optionsFor(object: KubeObject, old: KubeObject | null): ValidationOptions {
  const oldTypes = old ? conditionsOf(old).map((condition) => str(condition.type)) : []
  const oldUsages = old ? usagesOf(old) : []
  const unchangedCertificate = old !== null && certificateOf(object) === certificateOf(old)
  return {
    allowSettingApprovalConditions: false,
    allowSettingCertificate: false,
    allowBothApprovedAndDenied: oldTypes.includes('Approved') && oldTypes.includes('Denied'),
    allowLegacySignerName: old !== null && str(specOf(old).signerName) === legacyUnknownSignerName,
    allowDuplicateConditionTypes: new Set(oldTypes).size !== oldTypes.length,
    allowEmptyConditionType: oldTypes.includes(''),
    allowArbitraryCertificate: unchangedCertificate || (old !== null && certificateFailure(Buffer.from(certificateOf(old), 'base64').toString('latin1')) !== null),
    allowUnknownUsages: oldUsages.some((usage) => !(keyUsages as readonly string[]).includes(usage)),
    allowDuplicateUsages: new Set(oldUsages).size !== oldUsages.length,
  }
}

function requestFailure(object: KubeObject): string | null {
  try {
    checkRequestSignature(parseCertificateRequestPem(requestPem(object)))
    return null
  } catch (error) {
    if (error instanceof CertificateRequestError) return error.message
    throw error
  }
}

function validateConditions(object: KubeObject, options: ValidationOptions): FieldError[] {
  const path = FieldPath.root('status').child('conditions')
  const errors: FieldError[] = []
  const seen = new Set<string>()
  let approved = false
  let denied = false
  conditionsOf(object).forEach((condition, index) => {
    const type = str(condition.type)
    const status = str(condition.status)
    if (!options.allowEmptyConditionType && type.length === 0) errors.push(fieldError.required(path.index(index).child('type')))
    const allowed = (permanentTypes as readonly string[]).includes(type) ? ['True'] : ['False', 'True', 'Unknown']
    if (status.length === 0) errors.push(fieldError.required(path.index(index).child('status')))
    else if (!allowed.includes(status)) errors.push(fieldError.notSupported(path.index(index).child('status'), status, allowed))
    if (!options.allowBothApprovedAndDenied) {
      if (type === 'Approved') {
        approved = true
        if (denied) errors.push(fieldError.invalid(path.index(index).child('type'), type, 'Approved and Denied conditions are mutually exclusive'))
      } else if (type === 'Denied') {
        denied = true
        if (approved) errors.push(fieldError.invalid(path.index(index).child('type'), type, 'Approved and Denied conditions are mutually exclusive'))
      }
    }
    if (!options.allowDuplicateConditionTypes) {
      if (seen.has(type)) errors.push(fieldError.duplicate(path.index(index).child('type'), type))
      seen.add(type)
    }
  })
  return errors
}

function validateRequest(object: KubeObject, options: ValidationOptions): FieldError[] {
  const spec = specOf(object)
  const path = FieldPath.root('spec')
  const errors: FieldError[] = []
  const failure = requestFailure(object)
  if (failure !== null) errors.push(fieldError.invalid(path.child('request'), goBytes(Buffer.from(str(spec.request), 'base64')), failure))
  const usages = usagesOf(object)
  if (usages.length === 0) errors.push(fieldError.required(path.child('usages')))
  if (!options.allowUnknownUsages) {
    usages.forEach((usage, index) => {
      if (!(keyUsages as readonly string[]).includes(usage)) errors.push(fieldError.notSupported(path.child('usages').index(index), usage, keyUsages))
    })
  }
  if (!options.allowDuplicateUsages) {
    const seen = new Set<string>()
    usages.forEach((usage, index) => {
      if (seen.has(usage)) errors.push(fieldError.duplicate(path.child('usages').index(index), usage))
      seen.add(usage)
    })
  }
  const signerName = str(spec.signerName)
  if (!options.allowLegacySignerName && signerName === legacyUnknownSignerName) {
    errors.push(fieldError.invalid(path.child('signerName'), signerName, 'the legacy signerName is not allowed via this API version'))
  } else {
    errors.push(...validateSignerName(path.child('signerName'), signerName))
  }
  if (typeof spec.expirationSeconds === 'number' && spec.expirationSeconds < expirationSecondsMin) {
    errors.push(fieldError.invalid(path.child('expirationSeconds'), spec.expirationSeconds, 'may not specify a duration less than 600 seconds (10 minutes)'))
  }
  errors.push(...validateConditions(object, options))
  if (!options.allowArbitraryCertificate) {
    const certificateError = certificateFailure(Buffer.from(certificateOf(object), 'base64').toString('latin1'))
    if (certificateError !== null) errors.push(fieldError.invalid(FieldPath.root('status').child('certificate'), '<certificate data>', certificateError))
  }
  return errors
}

function validateUpdate(object: KubeObject, old: KubeObject, options: ValidationOptions): FieldError[] {
  const errors = validateRequest(object, options)
  const path = FieldPath.root('status').child('conditions')
  const ofType = (from: KubeObject, type: string) => conditionsOf(from).filter((condition) => condition.type === type)
  for (const type of permanentTypes) {
    if (ofType(object, type).length < ofType(old, type).length) errors.push(fieldError.forbidden(path, `updates may not remove a condition of type ${JSON.stringify(type)}`))
  }
  if (!options.allowSettingApprovalConditions) {
    for (const type of approvalTypes) {
      const before = ofType(old, type)
      const after = ofType(object, type)
      if (after.length > before.length) errors.push(fieldError.forbidden(path, `updates may not add a condition of type ${JSON.stringify(type)}`))
      else if (after.length === before.length && !jsonEqual(before, after)) errors.push(fieldError.forbidden(path, `updates may not modify a condition of type ${JSON.stringify(type)}`))
    }
  }
  if (certificateOf(object) !== certificateOf(old)) {
    if (!options.allowSettingCertificate) errors.push(fieldError.forbidden(FieldPath.root('status').child('certificate'), 'updates may not set certificate content'))
    else if (certificateOf(old).length > 0) errors.push(fieldError.forbidden(FieldPath.root('status').child('certificate'), 'updates may not modify existing certificate content'))
  }
  return errors
}

/** v1's defaulting of a condition: a missing status is True. */
function defaultConditions(object: KubeObject): void {
  for (const condition of conditionsOf(object)) if (condition.status === undefined || condition.status === '') condition.status = 'True'
}

/** Conditions without timestamps get now; a condition that kept its type and status keeps its transition time. */
function populateConditionTimestamps(object: KubeObject, old: KubeObject, context: WriteContext): void {
  const now = formatTimestamp(context.nowMilliseconds)
  for (const condition of conditionsOf(object)) {
    if (!condition.lastUpdateTime) condition.lastUpdateTime = now
    if (!condition.lastTransitionTime) {
      const same = conditionsOf(old).find((before) => before.type === condition.type && before.status === condition.status && before.lastTransitionTime)
      condition.lastTransitionTime = same ? same.lastTransitionTime : now
    }
  }
}

/** Replaces `object` by `old` but for what `keep` copies over from the request. */
function onlyFrom(object: KubeObject, old: KubeObject, keep: (wanted: KubeObject, result: KubeObject) => void): void {
  const wanted = structuredClone(object)
  for (const key of Object.keys(object)) delete object[key]
  Object.assign(object, structuredClone(old))
  keep(wanted, object)
}

/** /status: the certificate and conditions other than Approved and Denied, which stay as stored. */
const statusWrite: SubresourceWrite = {
  prepareForUpdate(object, old, context) {
    onlyFrom(object, old, (wanted, result) => {
      const status: JsonObject = {...statusOf(wanted)}
      // Approved and Denied conditions keep their stored values in their places; adding or
      // removing one is left for validation to refuse (kube's preserveConditionInstances).
      const conditions = objects(status.conditions)
      for (const type of approvalTypes) {
        const before = conditionsOf(old).filter((condition) => condition.type === type)
        const places = conditions.flatMap((condition, index) => (condition.type === type ? [index] : []))
        if (places.length === before.length) places.forEach((place, index) => (conditions[place] = before[index]!))
      }
      if (conditions.length > 0) status.conditions = conditions
      else delete status.conditions
      result.status = status
      // Metadata goes with the write, as on any status update; the spec does not.
      result.metadata = {...wanted.metadata}
    })
    defaultConditions(object)
    populateConditionTimestamps(object, old, context)
  },
  validateUpdate: (object, old) => validateUpdate(object, old, {...optionsFor(object, old), allowSettingCertificate: true}),
}

/** /approval: the conditions only (the certificate stays as stored). */
const approvalWrite: SubresourceWrite = {
  prepareForUpdate(object, old, context) {
    onlyFrom(object, old, (wanted, result) => {
      const status: JsonObject = {...statusOf(old)}
      const conditions = objects(statusOf(wanted).conditions)
      if (conditions.length > 0) status.conditions = conditions
      else delete status.conditions
      result.status = status
      result.metadata = {...wanted.metadata}
    })
    defaultConditions(object)
    populateConditionTimestamps(object, old, context)
  },
  validateUpdate: (object, old) => validateUpdate(object, old, {...optionsFor(object, old), allowSettingApprovalConditions: true}),
}

export const certificateSigningRequestStrategy: Strategy = defineStrategy({
  hasStatus: true,
  // Any name will do: kube validates CSR names with no rule.
  nameValidation: () => [],
  prepareForCreate(object, context) {
    const spec: JsonObject = {...specOf(object)}
    delete spec.username
    delete spec.uid
    delete spec.groups
    delete spec.extra
    const user = context?.user
    if (user) {
      if (user.name) spec.username = user.name
      if (user.uid) spec.uid = user.uid
      if (user.groups.length > 0) spec.groups = [...user.groups]
      if (user.extra && Object.keys(user.extra).length > 0) spec.extra = Object.fromEntries(Object.entries(user.extra).map(([key, values]) => [key, [...values]]))
    }
    object.spec = spec
    // Nobody creates a request already approved or issued.
    object.status = {}
  },
  onUpdate(object, old) {
    if (old.spec === undefined) delete object.spec
    else object.spec = structuredClone(old.spec)
  },
  validate: (object) => validateRequest(object, optionsFor(object, null)),
  validateUpdate: (object, old) => validateUpdate(object, old, optionsFor(object, old)),
  subresourceWrites: {status: statusWrite, approval: approvalWrite},
  fields: (object) => ({'spec.signerName': str(specOf(object).signerName)}),
})
