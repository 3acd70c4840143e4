// A container's securityContext in its simulated files: who its processes run as, what they may
// read and write, fsGroup's group on the volumes, and readOnlyRootFilesystem.
import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/api/object.js'
import type {Pod} from '../../src/core/api/kinds.js'
import {filesystemOf, type PodObjectReader} from '../../src/core/kubelet/container-setup.js'
import {identityOf} from '../../src/core/kubelet/shell/identity.js'
import {runOverTime} from '../../src/core/kubelet/shell/run.js'
import {networkUnavailable} from '../../src/core/network/types.js'

const at = Date.parse('2026-12-07T10:00:00Z')
const secret = {apiVersion: 'v1', kind: 'Secret', metadata: {name: 'credentials', namespace: 'default', creationTimestamp: '2026-12-07T09:00:00Z'}, data: {password: Buffer.from('s3cret').toString('base64')}} as unknown as KubeObject
const reader: PodObjectReader = {get: async (resource, _namespace, name) => (resource === 'secrets' && name === 'credentials' ? secret : null), services: async () => []}

function podWith(securityContext: Record<string, unknown>, containerContext: Record<string, unknown> = {}): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: {name: 'p', namespace: 'default', uid: 'u-1'},
    spec: {
      securityContext,
      volumes: [{name: 'scratch', emptyDir: {}}, {name: 'credentials', secret: {secretName: 'credentials', defaultMode: 0o400}}],
      containers: [{name: 'app', image: 'busybox:1.36', securityContext: containerContext, volumeMounts: [{name: 'scratch', mountPath: '/scratch'}, {name: 'credentials', mountPath: '/etc/credentials'}]}],
    },
  } as unknown as Pod
}

async function run(pod: Pod, script: string): Promise<string> {
  const container = pod.spec.containers[0]!
  const fs = await filesystemOf(pod, container, reader, undefined, at)
  const result = await runOverTime({argv: ['sh', '-c', script], environment: new Map(), fs, hostname: 'p', source: {kind: 'pod', namespace: 'default', name: 'p'}, unknownProgram: 'server', network: networkUnavailable, user: identityOf(pod, container)}, at, at + 60_000)
  return result.log.map((line) => `${line.text}\n`).join('')
}

describe('securityContext', () => {
  it('runs as root by default, with the groups busybox gives root', async () => {
    expect(await run(podWith({}), 'id; whoami; touch /made && echo made')).toBe('uid=0(root) gid=0(root) groups=0(root),10(wheel)\nroot\nmade\n')
  })

  it("keeps a user not root out of root's files, and lets fsGroup's group read a Secret volume", async () => {
    const plain = podWith({runAsUser: 1000})
    expect(await run(plain, 'id; cat /etc/credentials/password; echo " $?"; touch /tmp/mine; rm /etc/hosts')).toBe(
      "uid=1000 gid=0(root) groups=0(root)\ncat: can't open '/etc/credentials/password': Permission denied\n 1\nrm: can't remove '/etc/hosts': Permission denied\n",
    )
    const grouped = podWith({runAsUser: 1000, fsGroup: 2000})
    expect(await run(grouped, 'cat /etc/credentials/password; echo; ls -l /etc/credentials/..data/; ls -ld /scratch')).toMatch(
      /^s3cret\ntotal 4\n-r--r----- +1 root +2000 +6 .{12} password\ndrwxrwsrwx +2 root +2000 +4096 .{12} \/scratch\n$/,
    )
  })

  it('leaves only the volumes writable under readOnlyRootFilesystem', async () => {
    const pod = podWith({}, {readOnlyRootFilesystem: true})
    expect(await run(pod, 'touch /tmp/x; echo a > /scratch/a && cat /scratch/a')).toBe('touch: /tmp/x: Read-only file system\na\n')
    expect(await run(pod, 'mkdir -p /tmp/d/e; echo $?; mkdir -p /scratch/d/e && echo made')).toBe("mkdir: can't create directory '/tmp/d': Read-only file system\n1\nmade\n")
    // The directories made on the way to a mount are the root's, read-only; the mount is the volume's.
    const nested = {...pod, spec: {...pod.spec, containers: [{...pod.spec.containers[0]!, volumeMounts: [{name: 'scratch', mountPath: '/data/cache'}]}]}} as Pod
    expect(await run(nested, 'touch /data/x; touch /data/cache/x && echo cached')).toBe('touch: /data/x: Read-only file system\ncached\n')
  })

  it('checks a user not root wherever it writes or reads: mkdir -p, >>, touch of a file it does not own, head and grep', async () => {
    const pod = podWith({runAsUser: 1000})
    expect(await run(pod, "mkdir -p /etc/x/y; echo b >> /etc/hosts; true >> /etc/hosts; echo $?; touch /etc/hosts; head /etc/credentials/password; grep s /etc/credentials/password")).toBe(
      [
        "mkdir: can't create directory '/etc/x': Permission denied",
        "sh: can't create /etc/hosts: Permission denied",
        "sh: can't create /etc/hosts: Permission denied",
        '1',
        'touch: /etc/hosts: Permission denied',
        'head: /etc/credentials/password: Permission denied',
        'grep: /etc/credentials/password: Permission denied',
        '',
      ].join('\n'),
    )
  })
})
