// `kubectl create <generator>`: namespace, deployment, configmap, secret generic,
// serviceaccount — objects built as kubectl builds them (field order, container names from
// images), printed for --dry-run=client or created on the server.
import {existsSync, readFileSync} from 'node:fs'
import type {KubeObject} from '../../api/object.js'
import {KubectlError} from '../errors.js'
import type {KubectlVerb} from '../verb.js'
import type {KubectlSession} from '../session.js'
import {clusterRandomness} from '../../seed.js'
import {containerNameOf, fileSources, generatorFlags, oneName, sortedRecord, submitGenerated} from './create-common.js'
import {ingressGenerator} from './create-ingress.js'
import {moreGenerators, secretGenerators} from './create-more.js'
import {podDisruptionBudgetGenerator} from './create-pdb.js'

function literalPairs(values: readonly string[]): Array<[string, string]> {
  return values.map((value) => {
    const equals = value.indexOf('=')
    if (equals <= 0) throw new KubectlError(`invalid literal source ${value}, expected key=value`)
    return [value.slice(0, equals), value.slice(equals + 1)]
  })
}

function envFilePairs(paths: readonly string[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = []
  for (const path of paths) {
    if (!existsSync(path)) throw new KubectlError(`error reading ${path}: no such file or directory`)
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      const trimmed = line.trim()
      if (trimmed.length === 0 || trimmed.startsWith('#')) continue
      const equals = trimmed.indexOf('=')
      if (equals < 0) pairs.push([trimmed, process.env[trimmed] ?? ''])
      else pairs.push([trimmed.slice(0, equals), trimmed.slice(equals + 1)])
    }
  }
  return pairs
}


const namespaceGenerator: KubectlVerb = {
  name: 'namespace',
  aliases: ['ns'],
  flags: generatorFlags,
  run: (session, args) => {
    const name = oneName(args, 'kubectl create namespace')
    return submitGenerated(session, {kind: 'Namespace', apiVersion: 'v1', metadata: {name, creationTimestamp: null}, spec: {}, status: {}})
  },
}

const deploymentGenerator: KubectlVerb = {
  name: 'deployment',
  aliases: ['deploy'],
  flags: [...generatorFlags, {name: 'image', kind: 'stringSlice'}, {name: 'replicas', shorthand: 'r', kind: 'int', defaultValue: '1'}, {name: 'port', kind: 'int', defaultValue: '-1'}],
  run: (session, args) => {
    // `create deployment NAME --image=… -- [COMMAND] [args...]`: one NAME before the dash, the container's command after it.
    const beforeDash = args.length - session.flags.rest.length
    const name = oneName(args.slice(0, beforeDash), 'kubectl create deployment')
    const command = args.slice(beforeDash)
    const images = session.list('image')
    // Required as cobra requires it: given, even empty (`--image=` builds no container, and the server refuses the Deployment).
    if (!session.flags.changed.has('image')) throw new KubectlError('required flag(s) "image" not set')
    if (images.length > 1 && command.length > 0) throw new KubectlError('cannot specify multiple --image options and command')
    const port = Number(session.flag('port'))
    if (port >= 0 && images.length > 1) throw new KubectlError('cannot specify port when using multiple images')
    const labels = {app: name}
    // kubectl's suffix for an image name that is not a valid container name follows the cluster's seed, if it has one.
    const random = () => clusterRandomness(session.clusterFolder()).numbers('kubectl')()
    const containers = images.map((image) => ({name: containerNameOf(image, random), image, ...(command.length > 0 ? {command} : {}), ...(port >= 0 ? {ports: [{containerPort: port}]} : {}), resources: {}}))
    return submitGenerated(session, {
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      metadata: {name, creationTimestamp: null, labels},
      spec: {replicas: Number(session.flag('replicas')), selector: {matchLabels: labels}, template: {metadata: {creationTimestamp: null, labels}, spec: {containers}}, strategy: {}},
      status: {},
    })
  },
}

/** An env file is the whole of the data: kubectl refuses it beside literals or files. */
function refuseEnvFileWithOthers(session: KubectlSession): void {
  if (session.list('from-env-file').length > 0 && (session.list('from-file').length > 0 || session.list('from-literal').length > 0)) {
    throw new KubectlError('from-env-file cannot be combined with from-file or from-literal')
  }
}

const configMapGenerator: KubectlVerb = {
  name: 'configmap',
  aliases: ['cm'],
  flags: [...generatorFlags, {name: 'from-literal', kind: 'stringArray'}, {name: 'from-file', kind: 'stringSlice'}, {name: 'from-env-file', kind: 'stringSlice'}, {name: 'append-hash', kind: 'bool'}],
  run: (session, args) => {
    const name = oneName(args, 'kubectl create configmap')
    refuseEnvFileWithOthers(session)
    const data: Array<[string, string]> = [...literalPairs(session.list('from-literal')), ...envFilePairs(session.list('from-env-file'))]
    const binary: Array<[string, string]> = []
    for (const [key, content] of fileSources(session.list('from-file'))) {
      const text = content.toString('utf8')
      if (Buffer.from(text, 'utf8').equals(content)) data.push([key, text])
      else binary.push([key, content.toString('base64')])
    }
    const object: KubeObject = {kind: 'ConfigMap', apiVersion: 'v1', metadata: {name, creationTimestamp: null}}
    if (data.length > 0) object.data = sortedRecord(data)
    if (binary.length > 0) object.binaryData = sortedRecord(binary)
    return submitGenerated(session, object)
  },
}

const secretGeneric: KubectlVerb = {
  name: 'generic',
  flags: [...generatorFlags, {name: 'from-literal', kind: 'stringArray'}, {name: 'from-file', kind: 'stringSlice'}, {name: 'from-env-file', kind: 'stringSlice'}, {name: 'type', kind: 'string'}, {name: 'append-hash', kind: 'bool'}],
  run: (session, args) => {
    const name = oneName(args, 'kubectl create secret generic')
    refuseEnvFileWithOthers(session)
    const pairs: Array<[string, string]> = [
      ...literalPairs(session.list('from-literal')).map(([key, value]): [string, string] => [key, Buffer.from(value).toString('base64')]),
      ...envFilePairs(session.list('from-env-file')).map(([key, value]): [string, string] => [key, Buffer.from(value).toString('base64')]),
      ...fileSources(session.list('from-file')).map(([key, content]): [string, string] => [key, content.toString('base64')]),
    ]
    const object: KubeObject = {kind: 'Secret', apiVersion: 'v1', metadata: {name, creationTimestamp: null}}
    if (pairs.length > 0) object.data = sortedRecord(pairs)
    if (session.flag('type')) object.type = session.flag('type')
    return submitGenerated(session, object)
  },
}

const serviceAccountGenerator: KubectlVerb = {
  name: 'serviceaccount',
  aliases: ['sa'],
  flags: generatorFlags,
  run: (session, args) => submitGenerated(session, {kind: 'ServiceAccount', apiVersion: 'v1', metadata: {name: oneName(args, 'kubectl create serviceaccount'), creationTimestamp: null}}),
}

export const createGenerators: readonly KubectlVerb[] = [
  namespaceGenerator,
  deploymentGenerator,
  configMapGenerator,
  {name: 'secret', flags: [], subverbs: [secretGeneric, ...secretGenerators]},
  serviceAccountGenerator,
  ingressGenerator,
  ...moreGenerators,
  podDisruptionBudgetGenerator,
]
