// `kubectl patch --local --type=json` beside the real kubectl 1.32: both apply the patch to a
// file's object with no server, so every rule of evanphx/json-patch v4 (the library kubectl and
// kube-apiserver share) shows in stdout, stderr and the exit status: each operation on objects
// and arrays, indices as strconv.Atoi reads them, missing parents, pointer escapes, malformed
// patches, failed tests and the patches that make the library panic (only the panic's first
// line is compared: the rest is a Go stack trace).
import {execFile} from 'node:child_process'
import {existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {runKubectl} from '../../src/core/kubectl/kubectl.js'
import {realKubectl} from '../support/up-with-real-kubectl.js'
import {temporaryFolder} from '../support/temp.js'


const document = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {name: 'c', namespace: 'default'},
  data: {a: '1', b: '2'},
  x: {arr: [1, 2, 3], n: null, f: 1.5, o: {k: 'v'}},
}

const cases: Record<string, readonly string[]> = {
  add: [
    '[{"op":"add","path":"/data/c","value":"3"}]',
    '[{"op":"add","path":"/data/a","value":"9"}]',
    '[{"op":"add","path":"/nope/c","value":"3"}]',
    '[{"op":"add","path":"","value":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"z"}}}]',
    '[{"op":"add","path":"/data/c"}]',
    '[{"op":"add","path":"/data/a~1b~0c","value":"x"}]',
    '[{"op":"add","path":"/data/~01","value":"x"}]',
    '[{"op":"add","path":"/data/~2","value":"x"}]',
    '[{"op":"add","path":"/","value":"x"}]',
    '[{"op":"add","path":"data","value":"x"}]',
    '[{"op":"add","path":"data/q","value":"x"}]',
    '[{"op":"add","path":"zz/data/q","value":"x"}]',
    '[{"op":"add","path":"/x/f/y","value":4}]',
    '[{"op":"add","path":"/x/n/y","value":4}]',
    '[{"op":"add","path":"/x/o/k/y","value":4}]',
    '[{"op":"add","path":"/metadata/labels","value":{"a":"b"}},{"op":"add","path":"/metadata/labels/c~1d","value":"e"}]',
  ],
  'arrays': [
    '[{"op":"add","path":"/x/arr/0","value":0}]',
    '[{"op":"add","path":"/x/arr/3","value":4}]',
    '[{"op":"add","path":"/x/arr/4","value":5}]',
    '[{"op":"add","path":"/x/arr/-","value":4}]',
    '[{"op":"add","path":"/x/arr/-1","value":4}]',
    '[{"op":"add","path":"/x/arr/-4","value":4}]',
    '[{"op":"add","path":"/x/arr/-5","value":4}]',
    '[{"op":"add","path":"/x/arr/01","value":4}]',
    '[{"op":"add","path":"/x/arr/+1","value":4}]',
    '[{"op":"add","path":"/x/arr/x","value":4}]',
    '[{"op":"add","path":"/x/arr/ 1","value":4}]',
    '[{"op":"add","path":"/x/arr/99999999999999999999","value":4}]',
    '[{"op":"add","path":"/x/arr/0/y","value":4}]',
    '[{"op":"add","path":"/x/arr/1","value":[5,6]},{"op":"remove","path":"/x/arr/1/0"}]',
    '[{"op":"remove","path":"/x/arr/0"}]',
    '[{"op":"remove","path":"/x/arr/3"}]',
    '[{"op":"remove","path":"/x/arr/-1"}]',
    '[{"op":"remove","path":"/x/arr/-3"}]',
    '[{"op":"remove","path":"/x/arr/-4"}]',
    '[{"op":"remove","path":"/x/arr/-"}]',
    '[{"op":"remove","path":"/x/arr/01"}]',
    '[{"op":"replace","path":"/x/arr/0","value":9}]',
    '[{"op":"replace","path":"/x/arr/3","value":9}]',
    '[{"op":"replace","path":"/x/arr/-1","value":9}]',
    '[{"op":"replace","path":"/x/arr/-4","value":9}]',
    '[{"op":"replace","path":"/x/arr/-","value":9}]',
    '[{"op":"replace","path":"/x/arr/x","value":9}]',
    '[{"op":"test","path":"/x/arr/-1","value":3}]',
    '[{"op":"replace","path":"","value":[1,2]},{"op":"add","path":"/0","value":0}]',
  ],
  'remove and replace': [
    '[{"op":"remove","path":"/data/a"}]',
    '[{"op":"remove","path":"/data/zz"}]',
    '[{"op":"remove","path":"/nope/zz"}]',
    '[{"op":"remove","path":""}]',
    '[{"op":"remove","path":"/"}]',
    '[{"op":"remove","path":"/x/n"}]',
    '[{"op":"remove"}]',
    '[{"op":"remove","path":5}]',
    '[{"op":"replace","path":"/data/a","value":"9"}]',
    '[{"op":"replace","path":"/data/zz","value":"q"}]',
    '[{"op":"replace","path":"/x/y/z","value":1}]',
    '[{"op":"replace","path":"","value":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"z"}}}]',
    '[{"op":"replace","path":"","value":1}]',
    '[{"op":"replace","path":"","value":[1]}]',
    '[{"op":"replace","path":"/data/a"}]',
    '[{"op":"replace"}]',
    '[{"op":"replace","path":7}]',
  ],
  'move and copy': [
    '[{"op":"move","from":"/data/a","path":"/data/c"}]',
    '[{"op":"move","from":"/q","path":"/data/c"}]',
    '[{"op":"move","from":"/nope/q","path":"/data/c"}]',
    '[{"op":"move","from":"/data/a","path":"/nope/c"}]',
    '[{"op":"move","from":"/data","path":"/data/inner"}]',
    '[{"op":"move","from":"/data/a","path":"/data/a"}]',
    '[{"op":"move","from":"/x/arr/0","path":"/x/arr/-"}]',
    '[{"op":"move","from":"/x/arr/5","path":"/x/arr/-"}]',
    '[{"op":"move","from":"/x/arr/0","path":"/x/arr/5"}]',
    '[{"op":"move","from":"/x/arr","path":"/x/arr/0"}]',
    '[{"op":"move","path":"/data/c"}]',
    '[{"op":"move","from":"/data/a"}]',
    '[{"op":"move","from":3,"path":"/data/c"}]',
    '[{"op":"copy","from":"/data/a","path":"/data/c"}]',
    '[{"op":"copy","from":"/data/zz","path":"/data/c"}]',
    '[{"op":"copy","from":"/nope/zz","path":"/data/c"}]',
    '[{"op":"copy","from":"/data/a","path":"/nope/c"}]',
    '[{"op":"copy","from":"/x/arr/9","path":"/data/c"}]',
    '[{"op":"copy","from":"/x/arr/1","path":"/x/arr/9"}]',
    '[{"op":"copy","from":"/x","path":"/x/o/copy"}]',
    '[{"op":"copy","from":"/x/arr","path":"/x/arr/0"}]',
    '[{"op":"copy","from":"","path":"/self"}]',
    '[{"op":"copy","path":"/data/c"}]',
    '[{"op":"copy","from":"/data/a"}]',
    '[{"op":"copy","from":"/x/n","path":"/x/m"},{"op":"test","path":"/x/m","value":null}]',
  ],
  test: [
    '[{"op":"test","path":"/data/a","value":"1"}]',
    '[{"op":"test","path":"/data/a","value":"2"}]',
    '[{"op":"test","path":"/data/a","value":1}]',
    '[{"op":"test","path":"/data/zz","value":null}]',
    '[{"op":"test","path":"/data/zz","value":"1"}]',
    '[{"op":"test","path":"/x/n","value":null}]',
    '[{"op":"test","path":"/x/n","value":{}}]',
    '[{"op":"test","path":"/x/f","value":1.50}]',
    '[{"op":"test","path":"/x/arr","value":[1,2,3]}]',
    '[{"op":"test","path":"/x/arr","value":[1,2]}]',
    '[{"op":"test","path":"/x/o","value":{"k":"v"}}]',
    '[{"op":"test","path":"/x/o","value":{"k":"w"}}]',
    '[{"op":"test","path":"/x/o","value":{"k":"v","z":null}}]',
    '[{"op":"test","path":"/x/arr/9","value":1}]',
    '[{"op":"test","path":"/nope/a","value":1}]',
    '[{"op":"test","path":"","value":{}}]',
    '[{"op":"test","value":1}]',
    '[{"op":"test","path":"/data","value":{"b":"2","a":"1"}}]',
    '[{"op":"test","path":"/x","value":{"arr":[1,2,3],"n":null,"f":1.5,"o":{"k":"v"}}}]',
    '[{"op":"test","path":"/x","value":{"arr":[1,2,3],"n":{},"f":1.5,"o":{"k":"v"}}}]',
    `[{"op":"test","path":"","value":${JSON.stringify(document)}}]`,
    '[{"op":"add","path":"/data/c","value":"3"},{"op":"test","path":"/data/c","value":"4"}]',
    '[{"op":"add","path":"/y","value":null},{"op":"test","path":"/y","value":null}]',
    '[{"op":"add","path":"/y","value":null},{"op":"test","path":"/y","value":1}]',
    '[{"op":"add","path":"/y","value":null},{"op":"copy","from":"/y","path":"/w"},{"op":"test","path":"/w","value":null}]',
    '[{"op":"add","path":"/y","value":null},{"op":"copy","from":"/y","path":"/w"},{"op":"test","path":"/w","value":{}}]',
    '[{"op":"add","path":"/y","value":null},{"op":"copy","from":"/y","path":"/w"},{"op":"remove","path":"/w/q"}]',
  ],
  'malformed patches': [
    '[{"op":"frob","path":"/data/a"}]',
    '[{"path":"/data/a"}]',
    '[{"op":1,"path":"/data/a"}]',
    '[{"op":null,"path":"/data/a"}]',
    '[{"op":"","path":"/data/a"}]',
    '[{"op":"ADD","path":"/data/a","value":1}]',
    '[{"op":"add","path":null,"value":1}]',
    '[{"op":"add","path":"/data/c","value":"3","extra":true}]',
    '[]',
    'null',
    '{"op":"add"}',
    '"add"',
    '5',
    '[5]',
    '[null]',
    '[[]]',
  ],
  'numbers and strings': [
    '[{"op":"add","path":"/x/v","value":1.0}]',
    '[{"op":"add","path":"/x/v","value":1.5}]',
    '[{"op":"add","path":"/x/v","value":1e3}]',
    '[{"op":"add","path":"/x/v","value":1e21}]',
    '[{"op":"add","path":"/x/v","value":1e-7}]',
    '[{"op":"add","path":"/x/v","value":-0}]',
    '[{"op":"add","path":"/x/v","value":12345678901234567890}]',
    '[{"op":"add","path":"/x/v","value":0.1}]',
    '[{"op":"add","path":"/x/v","value":"<&>"}]',
    '[{"op":"add","path":"/x/s","value":"<a&b>\\u2028é"},{"op":"remove","path":"/kind"}]',
  ],
  // An object that has items is read as a list.
  'the patched object as kubectl reads it back': [
    '[{"op":"remove","path":"/kind"}]',
    '[{"op":"add","path":"/kind","value":5}]',
    '[{"op":"add","path":"/kind","value":""}]',
    '[{"op":"remove","path":"/apiVersion"}]',
    '[{"op":"remove","path":"/metadata"}]',
    '[{"op":"add","path":"/metadata/name","value":"renamed"}]',
    '[{"op":"replace","path":"/metadata","value":5}]',
    '[{"op":"add","path":"/items","value":[1]}]',
    '[{"op":"add","path":"/items","value":null}]',
    '[{"op":"add","path":"/items","value":[{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p"}}]}]',
    '[{"op":"add","path":"/items","value":[{"metadata":{"name":"p"}},null]}]',
    '[{"op":"add","path":"/items","value":5}]',
    '[{"op":"add","path":"/items","value":{}}]',
  ],
  'patches that make the library panic': [
    '[{"op":"test","path":"/data/zz"}]',
    '[{"op":"test","path":"/x/arr","value":[1,2,null]}]',
    '[{"op":"add","path":"/y","value":null},{"op":"add","path":"/y/z","value":1}]',
    '[{"op":"add","path":"/y","value":null},{"op":"copy","from":"/y","path":"/w"},{"op":"add","path":"/w/q","value":1}]',
    '[{"op":"replace","path":""}]',
    '[{"op":"test","path":""}]',
  ],
}

interface Result {
  readonly stdout: string
  readonly stderr: string
  readonly status: number
}

function runReal(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Result> {
  return new Promise((resolve) => {
    execFile(realKubectl, args, {env, encoding: 'utf8'}, (error, stdout, stderr) => {
      const status = error ? (typeof error.code === 'number' ? error.code : -1) : 0
      resolve({stdout, stderr, status})
    })
  })
}

/** kubemu's kubectl one-shot, in this process (a --local patch reaches no cluster). */
async function runOurs(args: readonly string[], environment: NodeJS.ProcessEnv): Promise<Result> {
  let [stdout, stderr] = ['', '']
  const status = await runKubectl(args, {stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), readStdin: async () => '', environment})
  return {stdout, stderr, status}
}

/** The real kubectl's runs under way at once. */
const realRunsAtOnceMax = 4

/** Each task's promise, with at most `max` of them started and unsettled at a time. */
function bounded<T>(tasks: ReadonlyArray<() => Promise<T>>, max: number): Array<Promise<T>> {
  const lanes: Array<Promise<unknown>> = Array.from({length: max}, () => Promise.resolve())
  return tasks.map((task, index) => {
    const started = lanes[index % max]!.then(task)
    lanes[index % max] = started.catch(() => undefined)
    return started
  })
}

/** A Go panic's first line: the rest is a stack trace with addresses. */
const shown = (result: Result) => ({...result, stderr: result.stderr.startsWith('panic: ') ? result.stderr.split('\n')[0] : result.stderr})

describe.runIf(existsSync(realKubectl))('patch --local --type=json as the real kubectl 1.32', () => {
  const folder = temporaryFolder()
  const file = join(folder, 'cm.json')
  const env = {...process.env, KUBEMU_HOME: folder, KUBECONFIG: ''}

  const argsOf = (patch: string) => ['patch', '-f', file, '--local', '--type=json', '-p', patch, '-o', 'json']

  beforeAll(() => {
    writeFileSync(file, JSON.stringify(document))
  })

  for (const [group, patches] of Object.entries(cases)) {
    it(group, async () => {
      // The real kubectl's runs go on while kubemu's run one at a time (a one-shot command takes
      // the cluster's writer lock, even when it sends nothing).
      const theirs = bounded(patches.map((patch) => () => runReal(argsOf(patch), env)), realRunsAtOnceMax)
      for (const [index, patch] of patches.entries()) {
        const ours = shown(await runOurs(argsOf(patch), env))
        expect({patch, ...ours}).toEqual({patch, ...shown(await theirs[index]!)})
      }
    }, 120_000)
  }
})
