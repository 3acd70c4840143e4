// APIServices as kube-aggregator's registry keeps them (pkg/apis/apiregistration/validation and
// v1/defaults.go): the name is version.group, a Service reference defaults its port to 443, a
// local APIService carries no TLS settings, and the status is the availability controllers' alone.
import {fieldError, type FieldError, FieldPath} from '../field-errors.js'
import {isJsonObject, type KubeObject} from '../object.js'
import {goQuote} from '../../util/go-quote.js'
import {isDns1035Label, isDns1123Subdomain} from '../names.js'
import {defineStrategy} from './base.js'
import {nameIsPathSegment} from './meta.js'
import {objects, str} from './json-fields.js'
import type {Strategy} from './strategy.js'

/** The largest groupPriorityMinimum and versionPriority a client may ask for. */
export const groupPriorityMinimumMax = 20_000
export const versionPriorityMax = 1000

const conditionStatuses = ['True', 'False', 'Unknown']
const specPath = FieldPath.root('spec')

function integer(value: unknown): number {
  return typeof value === 'number' ? value : 0
}

function validateApiService(object: KubeObject): FieldError[] {
  const errors: FieldError[] = []
  const spec = isJsonObject(object.spec) ? object.spec : {}
  const group = str(spec.group)
  const version = str(spec.version)
  const name = object.metadata.name ?? ''
  const required = `${version}.${group}`
  if (name.length > 0 && nameIsPathSegment(name, false).length === 0 && name !== required) {
    errors.push(fieldError.invalid(FieldPath.root('metadata').child('name'), name, `must be \`spec.version+"."+spec.group\`: ${goQuote(required)}`))
  }
  if (group.length === 0 && version !== 'v1') errors.push(fieldError.required(specPath.child('group'), 'only v1 may have an empty group and it better be legacy kube'))
  if (group.length > 0) for (const message of isDns1123Subdomain(group)) errors.push(fieldError.invalid(specPath.child('group'), group, message))
  for (const message of isDns1035Label(version)) errors.push(fieldError.invalid(specPath.child('version'), version, message))
  const groupPriority = integer(spec.groupPriorityMinimum)
  if (groupPriority <= 0 || groupPriority > groupPriorityMinimumMax) errors.push(fieldError.invalid(specPath.child('groupPriorityMinimum'), groupPriority, 'must be positive and less than 20000'))
  const versionPriority = integer(spec.versionPriority)
  if (versionPriority <= 0 || versionPriority > versionPriorityMax) errors.push(fieldError.invalid(specPath.child('versionPriority'), versionPriority, 'must be positive and less than 1000'))
  const caBundleBytes = Buffer.from(str(spec.caBundle), 'base64').length
  const insecure = spec.insecureSkipTLSVerify === true
  if (!isJsonObject(spec.service)) {
    if (caBundleBytes > 0) errors.push(fieldError.invalid(specPath.child('caBundle'), `${caBundleBytes} bytes`, 'local APIServices may not have a caBundle'))
    if (insecure) errors.push(fieldError.invalid(specPath.child('insecureSkipTLSVerify'), true, 'local APIServices may not have insecureSkipTLSVerify'))
    return errors
  }
  if (str(spec.service.namespace).length === 0) errors.push(fieldError.required(specPath.child('service', 'namespace')))
  if (str(spec.service.name).length === 0) errors.push(fieldError.required(specPath.child('service', 'name')))
  const port = integer(spec.service.port)
  if (port < 1 || port > 65535) errors.push(fieldError.invalid(specPath.child('service', 'port'), port, 'port is not valid: must be between 1 and 65535, inclusive'))
  if (insecure && caBundleBytes > 0) errors.push(fieldError.invalid(specPath.child('insecureSkipTLSVerify'), true, 'may not be true if caBundle is present'))
  return errors
}

export const apiServiceStrategy: Strategy = defineStrategy({
  hasStatus: true,
  nameValidation: nameIsPathSegment,
  defaults: (object) => {
    const spec = isJsonObject(object.spec) ? object.spec : null
    if (spec && isJsonObject(spec.service) && spec.service.port === undefined) spec.service.port = 443
  },
  prepareForCreate: (object) => {
    object.status = {}
  },
  validate: validateApiService,
  validateStatusUpdate: (object) => {
    const status = isJsonObject(object.status) ? object.status : {}
    return objects(status.conditions).flatMap((condition, index) =>
      conditionStatuses.includes(str(condition.status)) ? [] : [fieldError.notSupported(FieldPath.root('status').child('conditions').index(index).child('status'), str(condition.status), conditionStatuses)],
    )
  },
})
