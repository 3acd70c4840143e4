// The Ingress and IngressClass strategies as kube-apiserver 1.32 has them (networking.k8s.io/v1):
// ValidateIngressCreate/Update's field errors (rules and paths, pathType, a backend that is a
// service or a resource, wildcard hosts, TLS, the class annotation), and IngressClass's
// controller, parameters (scope defaulted to Cluster) and immutable controller.
import {isIP} from 'node:net'
import {fieldError, type FieldError, FieldPath} from '../field-errors.js'
import {isJsonObject, type KubeObject} from '../object.js'
import {httpPathErrors, isDns1035Label, isDns1123Label, isDns1123Subdomain, isValidPortName, isValidPortNumber, isWildcardDns1123Subdomain, pathSegmentNameErrors} from '../names.js'
import {defineStrategy} from './base.js'
import {type Json, objects, spec, str} from './json-fields.js'
import type {Strategy} from './strategy.js'

const specPath = FieldPath.root('spec')
const ingressClassAnnotation = 'kubernetes.io/ingress.class'
/** kube's maxLenIngressClassController. */
const ingressClassControllerLengthMax = 250
const pathTypes = ['Exact', 'ImplementationSpecific', 'Prefix']
const invalidPathSequences = ['//', '/./', '/../', '%2f', '%2F']
const invalidPathSuffixes = ['/..', '/.']
const parameterScopes = ['Cluster', 'Namespace']

const present = (value: unknown) => value !== undefined && value !== null
const invalidEach = (path: FieldPath, value: string, messages: readonly string[]) => messages.map((message) => fieldError.invalid(path, value, message))

/** validateIngressTypedLocalObjectReference and the IngressClass parameters' shared part. */
function validateReference(reference: Json, path: FieldPath): FieldError[] {
  const errors: FieldError[] = []
  if (present(reference.apiGroup)) errors.push(...invalidEach(path.child('apiGroup'), str(reference.apiGroup), isDns1123Subdomain(str(reference.apiGroup))))
  for (const field of ['kind', 'name']) {
    const value = str(reference[field])
    if (value === '') errors.push(fieldError.required(path.child(field)))
    else errors.push(...invalidEach(path.child(field), value, pathSegmentNameErrors(value)))
  }
  return errors
}

function validateBackend(backend: Json, path: FieldPath): FieldError[] {
  const hasResource = present(backend.resource)
  const hasService = present(backend.service)
  if (hasResource && hasService) return [fieldError.invalid(path, '', 'cannot set both resource and service backends')]
  if (hasResource) return validateReference(isJsonObject(backend.resource) ? backend.resource : {}, path.child('resource'))
  if (!hasService) return [fieldError.invalid(path, '', 'resource or service backend is required')]
  const errors: FieldError[] = []
  const service = isJsonObject(backend.service) ? backend.service : {}
  const name = str(service.name)
  if (name === '') errors.push(fieldError.required(path.child('service', 'name')))
  else errors.push(...invalidEach(path.child('service', 'name'), name, isDns1035Label(name)))
  const port = isJsonObject(service.port) ? service.port : {}
  const portName = str(port.name)
  const portNumber = typeof port.number === 'number' ? port.number : 0
  if (portName !== '' && portNumber !== 0) errors.push(fieldError.invalid(path, '', 'cannot set both port name & port number'))
  else if (portName !== '') errors.push(...invalidEach(path.child('service', 'port', 'name'), portName, isValidPortName(portName)))
  else if (portNumber !== 0) errors.push(...isValidPortNumber(portNumber).map((message) => fieldError.invalid(path.child('service', 'port', 'number'), portNumber, message)))
  else errors.push(fieldError.required(path, 'port name or number is required'))
  return errors
}

function validatePath(httpPath: Json, path: FieldPath): FieldError[] {
  if (!present(httpPath.pathType)) return [fieldError.required(path.child('pathType'), 'pathType must be specified')]
  const errors: FieldError[] = []
  const type = str(httpPath.pathType)
  const value = str(httpPath.path)
  if (type === 'Exact' || type === 'Prefix') {
    if (!value.startsWith('/')) errors.push(fieldError.invalid(path.child('path'), value, 'must be an absolute path'))
    for (const sequence of invalidPathSequences) if (value.includes(sequence)) errors.push(fieldError.invalid(path.child('path'), value, `must not contain '${sequence}'`))
    for (const suffix of invalidPathSuffixes) if (value.endsWith(suffix)) errors.push(fieldError.invalid(path.child('path'), value, `cannot end with '${suffix}'`))
  } else if (type === 'ImplementationSpecific') {
    if (value.length > 0 && !value.startsWith('/')) errors.push(fieldError.invalid(path.child('path'), value, 'must be an absolute path'))
  } else errors.push(fieldError.notSupported(path.child('pathType'), type, pathTypes))
  errors.push(...validateBackend(isJsonObject(httpPath.backend) ? httpPath.backend : {}, path.child('backend')))
  return errors
}

function validateRules(rules: Json[], path: FieldPath): FieldError[] {
  const errors: FieldError[] = []
  rules.forEach((rule, index) => {
    const host = str(rule.host)
    const hostPath = path.index(index).child('host')
    if (host.length > 0) {
      if (isIP(host) !== 0) errors.push(fieldError.invalid(hostPath, host, 'must be a DNS name, not an IP address'))
      errors.push(...invalidEach(hostPath, host, host.includes('*') ? isWildcardDns1123Subdomain(host) : isDns1123Subdomain(host)))
    }
    if (!isJsonObject(rule.http)) return
    const httpPath = path.index(index).child('http')
    const paths = objects(rule.http.paths)
    if (paths.length === 0) errors.push(fieldError.required(httpPath.child('paths')))
    paths.forEach((entry, pathIndex) => errors.push(...validatePath(entry, httpPath.child('paths').index(pathIndex))))
  })
  return errors
}

function validateTls(entries: Json[], path: FieldPath): FieldError[] {
  const errors: FieldError[] = []
  entries.forEach((entry, index) => {
    ;(Array.isArray(entry.hosts) ? entry.hosts.map(String) : []).forEach((host, hostIndex) => {
      errors.push(...invalidEach(path.index(index).child('hosts').index(hostIndex), host, host.includes('*') ? isWildcardDns1123Subdomain(host) : isDns1123Subdomain(host)))
    })
    const secret = str(entry.secretName)
    if (secret.length > 0) errors.push(...invalidEach(path.index(index).child('secretName'), secret, isDns1123Subdomain(secret)))
  })
  return errors
}

/** ValidateIngressSpec. */
function validateIngress(object: KubeObject): FieldError[] {
  const ingressSpec = spec(object)
  const errors: FieldError[] = []
  const rules = objects(ingressSpec.rules)
  if (rules.length === 0 && !present(ingressSpec.defaultBackend)) {
    errors.push(fieldError.invalid(specPath, {goString: Array.isArray(ingressSpec.rules) ? '[]networking.IngressRule{}' : '[]networking.IngressRule(nil)'}, 'either `defaultBackend` or `rules` must be specified'))
  }
  if (present(ingressSpec.defaultBackend)) errors.push(...validateBackend(isJsonObject(ingressSpec.defaultBackend) ? ingressSpec.defaultBackend : {}, specPath.child('defaultBackend')))
  errors.push(...validateRules(rules, specPath.child('rules')))
  errors.push(...validateTls(objects(ingressSpec.tls), specPath.child('tls')))
  if (present(ingressSpec.ingressClassName)) {
    const className = str(ingressSpec.ingressClassName)
    errors.push(...invalidEach(specPath.child('ingressClassName'), className, isDns1123Subdomain(className)))
  }
  return errors
}

/** ValidateIngressCreate: the class annotation must agree with ingressClassName. */
function validateIngressCreate(object: KubeObject): FieldError[] {
  const errors = validateIngress(object)
  const annotation = object.metadata.annotations?.[ingressClassAnnotation]
  const className = spec(object).ingressClassName
  if (annotation !== undefined && present(className) && annotation !== className) {
    errors.push(fieldError.invalid(FieldPath.root('annotations').child(ingressClassAnnotation), annotation, 'must match `ingressClassName` when both are specified'))
  }
  return errors
}

export const ingressStrategy: Strategy = defineStrategy({
  generation: true,
  hasStatus: true,
  generationFields: ['spec'],
  prepareForCreate: (object) => {
    object.status = {loadBalancer: {}}
  },
  validate: validateIngressCreate,
  validateUpdate: (object) => validateIngress(object),
})

function validateParameters(parameters: Json, path: FieldPath): FieldError[] {
  const errors = validateReference(parameters, path)
  if (!present(parameters.scope)) return [...errors, fieldError.required(path.child('scope'))]
  const scope = str(parameters.scope)
  if (!parameterScopes.includes(scope)) return [...errors, fieldError.notSupported(path.child('scope'), scope, parameterScopes)]
  if (scope === 'Namespace') {
    if (!present(parameters.namespace)) errors.push(fieldError.required(path.child('namespace'), "`parameters.scope` is set to 'Namespace'"))
    else errors.push(...invalidEach(path.child('namespace'), str(parameters.namespace), isDns1123Label(str(parameters.namespace))))
  }
  if (scope === 'Cluster' && present(parameters.namespace)) errors.push(fieldError.forbidden(path.child('namespace'), "`parameters.scope` is set to 'Cluster'"))
  return errors
}

/** validateIngressClassSpec, with IsDomainPrefixedPath for the controller. */
function validateIngressClass(object: KubeObject): FieldError[] {
  const classSpec = spec(object)
  const errors: FieldError[] = []
  const controllerPath = specPath.child('controller')
  const controller = str(classSpec.controller)
  if (controller.length === 0) errors.push(fieldError.required(controllerPath))
  else {
    if (controller.length > ingressClassControllerLengthMax) errors.push(fieldError.tooLong(controllerPath, ingressClassControllerLengthMax))
    const slash = controller.indexOf('/')
    const [host, path] = slash < 0 ? [controller, ''] : [controller.slice(0, slash), controller.slice(slash + 1)]
    if (host.length === 0 || path.length === 0) errors.push(fieldError.invalid(controllerPath, controller, 'must be a domain-prefixed path (such as "acme.io/foo")'))
    else {
      errors.push(...invalidEach(controllerPath, host, isDns1123Subdomain(host)))
      errors.push(...invalidEach(controllerPath, path, httpPathErrors(path)))
    }
  }
  if (isJsonObject(classSpec.parameters)) errors.push(...validateParameters(classSpec.parameters, specPath.child('parameters')))
  return errors
}

export const ingressClassStrategy: Strategy = defineStrategy({
  generation: true,
  defaults: (object) => {
    const parameters = spec(object).parameters
    if (isJsonObject(parameters) && !present(parameters.scope)) parameters.scope = 'Cluster'
  },
  validate: validateIngressClass,
  validateUpdate: (object, old) => {
    const errors: FieldError[] = []
    const controller = spec(object).controller
    if (controller !== spec(old).controller) errors.push(fieldError.invalid(specPath.child('controller'), str(controller), 'field is immutable'))
    return [...errors, ...validateIngressClass(object)]
  },
})
