// `kubectl create ingress NAME --rule=host/path=service:port[,tls[=secret]]`, as kubectl 1.32
// parses its rules (a path ending in '*' is a Prefix, else Exact; rules of one host share it;
// TLS hosts grouped by secret), --class, --default-backend and --annotation, with its errors.
import {KubectlError, ServerError} from '../errors.js'
import type {KubectlVerb} from '../verb.js'
import {generatorFlags, oneName, submitGenerated} from './create-common.js'

/** kubectl's ruleRegex (regexHostPathSvc + regexTLS), matched at the start of the rule only, as Go's MatchString does. */
const rulePattern = /^([\w*\-.]*)(\/.*)=([\w-]+):([\w-]+)(,(tls)=?([\w-]+)?)?/

type Json = Record<string, unknown>

/** intstr.Parse: a number when it reads as one, else a port name. */
function backendPort(port: string): Json {
  return /^[+-]?\d+$/.test(port) ? {number: Number(port)} : {name: port}
}

function serviceBackend(service: string): Json {
  const [name, port] = service.split(':')
  return {service: {name, port: backendPort(port ?? '')}}
}

function httpPath(pathAndService: string): Json {
  const [pathPart, service] = pathAndService.split('=')
  let path = `/${pathPart}`
  let pathType = 'Exact'
  if (path.endsWith('*')) {
    pathType = 'Prefix'
    path = path.slice(0, -1)
  }
  return {path, pathType, backend: serviceBackend(service ?? '')}
}

function ingressRules(rules: readonly string[]): Json[] {
  const built: Array<{host?: string; http: {paths: Json[]}}> = []
  for (const rule of rules) {
    const withoutTls = rule.split(',')[0]!
    const slash = withoutTls.indexOf('/')
    const host = withoutTls.slice(0, slash)
    const path = httpPath(withoutTls.slice(slash + 1))
    const existing = built.find((entry) => (entry.host ?? '') === host)
    if (existing) existing.http.paths.push(path)
    else built.push({...(host !== '' ? {host} : {}), http: {paths: [path]}})
  }
  return built
}

function tlsEntries(rules: readonly string[]): Json[] {
  const seenHosts = new Set<string>()
  const entries: Array<{hosts?: string[]; secretName?: string}> = []
  for (const rule of rules) {
    const parts = rule.split(',')
    if (parts.length !== 2) continue
    const host = rule.split('/')[0]!
    const secret = parts[1]!.split('=')[1] ?? ''
    if (seenHosts.has(host)) continue
    seenHosts.add(host)
    const sameSecret = entries.find((entry) => (entry.secretName ?? '') === secret)
    if (sameSecret) {
      sameSecret.hosts = [...(sameSecret.hosts ?? []), host]
      continue
    }
    const entry: {hosts?: string[]; secretName?: string} = {}
    if (host !== '') entry.hosts = [host]
    if (secret !== '') entry.secretName = secret
    if (entry.hosts || entry.secretName) entries.push(entry)
  }
  return entries
}

export const ingressGenerator: KubectlVerb = {
  name: 'ingress',
  aliases: ['ing'],
  flags: [...generatorFlags, {name: 'class', kind: 'string'}, {name: 'rule', kind: 'stringArray'}, {name: 'default-backend', kind: 'string'}, {name: 'annotation', kind: 'stringArray'}],
  run: (session, args) => {
    const name = oneName(args, 'kubectl create ingress')
    const rules = session.list('rule')
    const annotationPairs = session.list('annotation')
    const defaultBackend = session.flag('default-backend')
    if (defaultBackend.length === 0 && rules.length === 0) {
      throw new KubectlError('not enough information provided: every ingress has to either specify a default-backend (which catches all traffic) or a list of rules (which catch specific paths)')
    }
    for (const rule of rules) if (!rulePattern.test(rule)) throw new KubectlError(`rule ${rule} is invalid and should be in format host/path=svcname:svcport[,tls[=secret]]`)
    for (const annotation of annotationPairs) if (!annotation.includes('=')) throw new KubectlError(`annotation ${annotation} is invalid and should be in format key=[value]`)
    if (defaultBackend.length > 0 && defaultBackend.split(':').length !== 2) throw new KubectlError('default-backend should be in format servicename:serviceport')
    const annotations: Record<string, string> = {}
    for (const annotation of annotationPairs) {
      const equals = annotation.indexOf('=')
      annotations[annotation.slice(0, equals)] = annotation.slice(equals + 1)
    }
    const metadata: Json = {name, creationTimestamp: null}
    if (Object.keys(annotations).length > 0) metadata.annotations = Object.fromEntries(Object.keys(annotations).sort().map((key) => [key, annotations[key]]))
    const spec: Json = {}
    if (session.flag('class')) spec.ingressClassName = session.flag('class')
    if (defaultBackend) spec.defaultBackend = serviceBackend(defaultBackend)
    const tls = tlsEntries(rules)
    if (tls.length > 0) spec.tls = tls
    const built = ingressRules(rules)
    if (built.length > 0) spec.rules = built
    // kubectl wraps the server's refusal in its own words (the Status message, not its Invalid layout).
    return submitGenerated(session, {kind: 'Ingress', apiVersion: 'networking.k8s.io/v1', metadata, spec, status: {loadBalancer: {}}}).catch((error: unknown) => {
      if (error instanceof ServerError) throw new KubectlError(`failed to create ingress: ${error.status.message ?? ''}`)
      throw error
    })
  },
}
