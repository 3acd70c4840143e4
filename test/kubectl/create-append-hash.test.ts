// The config map and secret generators as kubectl 1.32: --append-hash names the object with the
// hash of what was built (kubectl's ConfigMapHash and SecretHash, empty data as `{}`), `secret
// docker-registry --from-file` takes files in place of the --docker-* flags (a file without a key
// name is the .dockerconfigjson), and a client dry run in a namespace given with -n prints the
// namespace right after the name, in ObjectMeta's order.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import {realKubectl} from '../support/real-kubectl.js'

describe.runIf(existsSync(realKubectl))('create generators with --append-hash and --from-file as the real kubectl', () => {
  let cluster: ReferenceCluster

  beforeAll(async () => {
    cluster = await referenceCluster()
    writeFileSync(join(cluster.folder, 'config.json'), '{"auths":{"r.io":{"auth":"dTpw"}}}')
    for (const namespace of ['hash-real', 'hash-ours']) expect((await cluster.ours(`create ns ${namespace}`)).status).toBe(0)
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  for (const line of [
    'create cm h --from-literal=a=b --append-hash -o yaml',
    'create cm empty --append-hash -o name',
    'create cm files --from-file=DIR/config.json --append-hash --dry-run=client -o yaml',
    'create secret generic s --from-literal=a=b --append-hash -o name',
    'create secret generic typed --from-literal=a=b --type=x/y --append-hash --dry-run=client -o name',
    'create secret generic nothing --append-hash --dry-run=client -o name',
    'create secret docker-registry reg --docker-username=u --docker-password=p --append-hash --dry-run=client -o name',
    'create secret docker-registry fromfile --from-file=DIR/config.json --dry-run=client -o json',
    'create secret docker-registry keyed --from-file=.dockerconfigjson=DIR/config.json --docker-username=u -o yaml',
    'create secret docker-registry other --from-file=a=DIR/config.json',
    'create secret docker-registry noserver --docker-username=u --docker-password=p --docker-server= --dry-run=client -o name',
    'create secret docker-registry missing --from-file=DIR/nothere.json',
    'create cm j --from-literal=a=b --dry-run=client -o json',
    'create deployment j --image=x --dry-run=client -o json',
    'create sa j --dry-run=client -o json',
  ]) {
    it(`prints what the real kubectl prints: kubectl ${line} -n NS`, async () => {
      const command = line.replaceAll('DIR', cluster.folder)
      const [theirs, ours] = [await cluster.real(`${command} -n hash-real`), await cluster.ours(`${command} -n hash-ours`)]
      const view = (result: typeof theirs) => ({
        line,
        status: result.status,
        stdout: result.stdout.replaceAll(/hash-(real|ours)/g, 'NS').replace(/(uid|creationTimestamp|resourceVersion|time): .*$/gm, '$1: MASKED'),
        stderr: result.stderr.replaceAll(/hash-(real|ours)/g, 'NS'),
      })
      expect(view(ours)).toEqual(view(theirs))
    }, 30_000)
  }
})
