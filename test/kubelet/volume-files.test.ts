// A pod's ConfigMap, Secret and service-account volumes as `ls -la` shows them inside its container
// (the kubelet's atomic writer: a timestamped directory, `..data` and a link per key), and
// `kubectl cp` of such a volume: the real kubectl 1.32 and kubemu's against `kubemu up` print the
// same, and neither writes the links it receives. The docs' security-context example: the
// process's identity, fsGroup's setgid volume, and permissions on the root filesystem.
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {kubectlsOnUp} from '../support/up-with-real-kubectl.js'

const manifest = `apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {motd: "hello\\n", color: blue}
---
apiVersion: v1
kind: Secret
metadata: {name: credentials}
stringData: {password: s3cret}
---
apiVersion: v1
kind: Pod
metadata: {name: reader}
spec:
  containers:
  - name: app
    image: busybox:1.36
    command: [sh, -c, 'sleep 3600']
    volumeMounts:
    - {name: settings, mountPath: /etc/config}
    - {name: credentials, mountPath: /etc/credentials, readOnly: true}
  volumes:
  - {name: settings, configMap: {name: settings}}
  - {name: credentials, secret: {secretName: credentials, defaultMode: 0400}}
`

describe('volume files in a container, under up', {timeout: 300_000}, () => {
  const {ours, real, home} = kubectlsOnUp()

  it('lists a ConfigMap volume as the atomic writer leaves it, the same through both kubectls', async () => {
    expect((await real('apply -f -', manifest)).status).toBe(0)
    expect((await real('wait --for=condition=Ready pod/reader --timeout=60s')).status).toBe(0)
    const listed = await real('exec reader -- ls -la /etc/config')
    expect(listed.status).toBe(0)
    expect(await ours('exec reader -- ls -la /etc/config')).toEqual(listed)
    const lines = listed.stdout.split('\n')
    const directory = /(\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\d{1,10})$/.exec(lines[3]!)?.[1]
    expect(lines[0]).toBe('total 12')
    expect(lines[1]).toMatch(/^drwxrwxrwx +3 root +root +4096 \w{3} [ \d]\d \d\d:\d\d \.$/)
    expect(lines[3]).toMatch(/^drwxr-xr-x +2 root +root +4096 /)
    expect(lines.slice(4, 7).map((line) => line.replace(/^(\S+) +(\d+) +root +root +(\d+) .{12} /, '$1 $2 $3 '))).toEqual([
      `lrwxrwxrwx 1 ${directory!.length} ..data -> ${directory}`,
      'lrwxrwxrwx 1 12 color -> ..data/color',
      'lrwxrwxrwx 1 11 motd -> ..data/motd',
    ])
    // A Secret lives in memory (tmpfs), its files with the volume's defaultMode.
    const secret = await real('exec reader -- ls -l /etc/credentials/..data/')
    expect(secret.stdout).toMatch(/^total 4\n-r-------- +1 root +root +6 .{12} password\n$/)
    expect((await real('exec reader -- ls -ld /etc/credentials')).stdout).toMatch(/^drwxrwxrwt +3 root +root +100 /)
    expect((await real('exec reader -- cat /etc/config/motd')).stdout).toBe('hello\n')
  })

  it("copies links of a volume as kubectl cp does: skipped with kubectl's warning, the files of the timestamped directory copied", async () => {
    const key = {real: await real('cp reader:/etc/config/motd real-motd'), ours: await ours('cp reader:/etc/config/motd our-motd')}
    expect(key.real.status).toBe(0)
    expect(key.real.stderr).toContain(`warning: skipping symlink: "real-motd" -> "..data/motd" (consider using "kubectl exec -n "" "reader" -- tar cf - "/etc/config/motd" | tar xf -")\n`)
    expect({...key.ours, stderr: key.ours.stderr.replaceAll('our-motd', 'real-motd')}).toEqual(key.real)
    expect(existsSync(join(home(), 'real-motd'))).toBe(false)
    expect(existsSync(join(home(), 'our-motd'))).toBe(false)
    const folder = {real: await real('cp reader:/etc/config real-config'), ours: await ours('cp reader:/etc/config our-config')}
    expect({...folder.ours, stderr: folder.ours.stderr.replaceAll('our-config', 'real-config')}).toEqual(folder.real)
    expect(folder.real.stderr.split('\n').filter((line) => line.startsWith('warning:')).length).toBe(3)
    for (const copy of ['real-config', 'our-config']) {
      const entries = readdirSync(join(home(), copy))
      expect(entries).toHaveLength(1)
      expect(entries[0]).toMatch(/^\.\.\d{4}_/)
      expect(readFileSync(join(home(), copy, entries[0]!, 'motd'), 'utf8')).toBe('hello\n')
    }
  })

  it("runs the docs' security-context example: the user and groups, fsGroup's setgid volume, and what a user not root may not write", async () => {
    const securityContextDemo = `apiVersion: v1
kind: Pod
metadata: {name: security-context-demo}
spec:
  securityContext: {runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000, supplementalGroups: [4000]}
  volumes: [{name: sec-ctx-vol, emptyDir: {}}]
  containers:
  - name: sec-ctx-demo
    image: busybox:1.28
    command: [sh, -c, 'sleep 1h']
    volumeMounts: [{name: sec-ctx-vol, mountPath: /data/demo}]
    securityContext: {allowPrivilegeEscalation: false}
`
    expect((await real('apply -f -', securityContextDemo)).status).toBe(0)
    expect((await real('wait --for=condition=Ready pod/security-context-demo --timeout=60s')).status).toBe(0)
    const both = async (line: string) => {
      const [mine, theirs] = [await ours(line), await real(line)]
      expect(mine).toEqual(theirs)
      return theirs
    }
    expect((await both('exec security-context-demo -- id')).stdout).toBe('uid=1000 gid=3000 groups=2000,3000,4000\n')
    expect((await both('exec security-context-demo -- ls -l /data')).stdout).toMatch(/^total 4\ndrwxrwsrwx +2 root +2000 +4096 .{12} demo\n$/)
    expect((await both(`exec security-context-demo -- sh -c 'cd /data/demo && echo hello > testfile && ls -l testfile'`)).stdout).toMatch(/^-rw-r--r-- +1 1000 +2000 +6 .{12} testfile\n$/)
    const denied = await both('exec security-context-demo -- touch /testfile')
    expect({status: denied.status, stderr: denied.stderr}).toEqual({status: 1, stderr: 'touch: /testfile: Permission denied\ncommand terminated with exit code 1\n'})
    expect((await both('exec security-context-demo -- whoami')).stderr).toBe('whoami: unknown uid 1000\ncommand terminated with exit code 1\n')
  })
})
