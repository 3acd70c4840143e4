// The service strategy: types, ports, selectors and cluster IPs as kube-apiserver validates them.
import {fieldError, type FieldError, FieldPath} from '../field-errors.js'
import {isValidPortName, isValidPortNumber} from '../names.js'
import {isJsonObject, type KubeObject} from '../object.js'
import {defineStrategy} from './base.js'
import {nameIsDns1035Label, nameIsDnsLabel, validateLabels} from './meta.js'
import type {Strategy} from './strategy.js'
import {objects, spec, str} from './json-fields.js'

const specPath = FieldPath.root('spec')

const supportedServiceTypes = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort']
export const nodePortRange = {first: 30000, last: 32767}

function validateService(object: KubeObject): FieldError[] {
  const errors: FieldError[] = []
  const serviceSpec = spec(object)
  const type = str(serviceSpec.type)
  if (!supportedServiceTypes.includes(type)) errors.push(fieldError.notSupported(specPath.child('type'), type, supportedServiceTypes))
  const ports = objects(serviceSpec.ports)
  const headless = serviceSpec.clusterIP === 'None'
  if (ports.length === 0 && type !== 'ExternalName' && !headless) errors.push(fieldError.required(specPath.child('ports')))
  if (type === 'ExternalName' && str(serviceSpec.externalName).length === 0) errors.push(fieldError.required(specPath.child('externalName')))
  const names = new Set<string>()
  const portsSeen = new Set<string>()
  ports.forEach((port, index) => {
    const path = specPath.child('ports').index(index)
    const name = str(port.name)
    if (ports.length > 1 && name.length === 0) errors.push(fieldError.required(path.child('name')))
    if (name.length > 0) {
      for (const message of nameIsDnsLabel(name, false)) errors.push(fieldError.invalid(path.child('name'), name, message))
      if (names.has(name)) errors.push(fieldError.duplicate(path.child('name'), name))
      names.add(name)
    }
    const number = typeof port.port === 'number' ? port.port : 0
    for (const message of isValidPortNumber(number)) errors.push(fieldError.invalid(path.child('port'), number, message))
    const protocol = str(port.protocol)
    if (!['SCTP', 'TCP', 'UDP'].includes(protocol)) errors.push(fieldError.notSupported(path.child('protocol'), protocol, ['SCTP', 'TCP', 'UDP']))
    const identity = `${number}/${protocol}`
    if (portsSeen.has(identity)) errors.push(fieldError.duplicate(path, {goString: `core.ServicePort{Name:"${name}", Protocol:"${protocol}", Port:${number}}`}))
    portsSeen.add(identity)
    const target = port.targetPort
    if (typeof target === 'number') {
      for (const message of isValidPortNumber(target)) errors.push(fieldError.invalid(path.child('targetPort'), target, message))
    } else if (typeof target === 'string') {
      for (const message of isValidPortName(target)) errors.push(fieldError.invalid(path.child('targetPort'), target, message))
    }
    if (typeof port.nodePort === 'number' && port.nodePort !== 0) {
      if (type !== 'NodePort' && type !== 'LoadBalancer') {
        errors.push(fieldError.forbidden(path.child('nodePort'), 'may not be used when `type` is \'ClusterIP\''))
      } else if (port.nodePort < nodePortRange.first || port.nodePort > nodePortRange.last) {
        errors.push(fieldError.invalid(path.child('nodePort'), port.nodePort, `provided port is not in the valid range. The range of valid ports is ${nodePortRange.first}-${nodePortRange.last}`))
      }
    }
  })
  errors.push(...validateLabels(isJsonObject(serviceSpec.selector) ? (serviceSpec.selector as Record<string, string>) : undefined, specPath.child('selector')))
  const sessionAffinity = str(serviceSpec.sessionAffinity)
  if (!['ClientIP', 'None'].includes(sessionAffinity)) errors.push(fieldError.notSupported(specPath.child('sessionAffinity'), sessionAffinity, ['ClientIP', 'None']))
  return errors
}

export const serviceStrategy: Strategy = defineStrategy({
  hasStatus: true,
  returnDeletedObject: true,
  nameValidation: nameIsDns1035Label,
  defaults: (object) => {
    const serviceSpec = spec(object)
    if (serviceSpec.type === undefined) serviceSpec.type = 'ClusterIP'
    if (serviceSpec.sessionAffinity === undefined) serviceSpec.sessionAffinity = 'None'
    for (const port of objects(serviceSpec.ports)) {
      if (port.protocol === undefined) port.protocol = 'TCP'
      if (port.targetPort === undefined || port.targetPort === 0 || port.targetPort === '') port.targetPort = port.port
    }
    if ((serviceSpec.type === 'NodePort' || serviceSpec.type === 'LoadBalancer') && serviceSpec.externalTrafficPolicy === undefined) {
      serviceSpec.externalTrafficPolicy = 'Cluster'
    }
    if (serviceSpec.type !== 'ExternalName' && serviceSpec.internalTrafficPolicy === undefined) serviceSpec.internalTrafficPolicy = 'Cluster'
    if (serviceSpec.type === 'LoadBalancer' && serviceSpec.allocateLoadBalancerNodePorts === undefined) serviceSpec.allocateLoadBalancerNodePorts = true
  },
  prepareForCreate: (object) => {
    object.status = {loadBalancer: {}}
  },
  validate: validateService,
  validateUpdate: (object, old) => {
    const errors = validateService(object)
    const before = str(spec(old).clusterIP)
    const now = str(spec(object).clusterIP)
    if (before.length > 0 && now !== before && spec(object).type !== 'ExternalName') {
      errors.push(fieldError.invalid(specPath.child('clusterIPs').index(0), {goString: `[]string{${now.length > 0 ? JSON.stringify(now) : ''}}`}, 'may not change once set'))
    }
    return errors
  },
  fields: (object) => ({'spec.clusterIP': str(spec(object).clusterIP), 'spec.type': str(spec(object).type)}),
})
