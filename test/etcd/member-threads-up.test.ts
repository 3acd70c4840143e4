// `kubemu up` with KUBEMU_MEMBER_THREADS=1: the members' SQLite work in threads, through the real
// etcdctl and kubemu's own commands, a member stopped and started, /metrics, and a SIGKILL of up.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu, UpProcess} from '../support/up-process.js'

const home = temporaryFolder()
const environment = {...process.env, KUBEMU_HOME: home, KUBECONFIG: '', KUBEMU_MEMBER_THREADS: '1'}
let up: UpProcess

function startUp(): UpProcess {
  const previous = process.env.KUBEMU_MEMBER_THREADS
  process.env.KUBEMU_MEMBER_THREADS = '1'
  try {
    return new UpProcess(home)
  } finally {
    if (previous === undefined) delete process.env.KUBEMU_MEMBER_THREADS
    else process.env.KUBEMU_MEMBER_THREADS = previous
  }
}

const etcdctl = (url: string, line: string) => runShell(`etcdctl --endpoints=${url} ${line}`, {cwd: home, env: {...process.env, ETCDCTL_API: '3'}})
const member = (line: string) => runShell(`${kubemu} member ${line}`, {cwd: home, env: environment})

function sample(text: string, name: string): number {
  const line = text.split('\n').find((entry) => entry.startsWith(`${name} `))
  if (!line) throw new Error(`no sample ${name}`)
  return Number(line.slice(name.length + 1))
}

describe('kubemu up with its members in threads', () => {
  beforeAll(async () => {
    up = startUp()
    await up.until(/etcd: \S+ is the leader/)
  }, 60_000)
  afterAll(async () => {
    if (process.env.SHOW_UP) console.log(up.output)
    await up.stop()
  })

  it('says so, serves writes a stopped and started member catches up on, and counts fsyncs and commits in /metrics', async () => {
    expect(up.output).toContain('etcd: each member persists and applies in a thread of its own')
    const urls = up.etcdUrls()
    expect((await etcdctl(urls.infra1!, 'put a 1')).stdout).toBe('OK\n')
    expect((await member('stop infra3')).status).toBe(0)
    for (let index = 0; index < 20; index++) expect((await etcdctl(urls.infra1!, `put b/${index} v${index}`)).status).toBe(0)
    expect((await member('start infra3')).status).toBe(0)
    // Read from infra3 alone (serializable): what it has applied since it started.
    const keysOnInfra3 = async () => (await etcdctl(urls.infra3!, 'get b/ --prefix --keys-only --consistency=s')).stdout.split('\n').filter((line) => line.startsWith('b/')).length
    let count = 0
    for (let attempt = 0; attempt < 50 && count !== 20; attempt++) count = await keysOnInfra3()
    expect(count).toBe(20)
    const metrics = await (await fetch(`${urls.infra1}/metrics`)).text()
    expect(sample(metrics, 'etcd_disk_wal_fsync_duration_seconds_count')).toBeGreaterThan(0)
    expect(sample(metrics, 'etcd_disk_backend_commit_duration_seconds_count')).toBeGreaterThan(0)
  }, 120_000)

  it('loses nothing acknowledged when up is killed with SIGKILL and started again', async () => {
    const urls = up.etcdUrls()
    for (let index = 0; index < 50; index++) expect((await etcdctl(urls.infra1!, `put k/${index} v${index}`)).stdout).toBe('OK\n')
    up.child.kill('SIGKILL')
    await up.exited
    up = startUp()
    await up.until(/etcd: \S+ is the leader/)
    const listed = await etcdctl(up.etcdUrls().infra2!, 'get k/ --prefix --keys-only')
    expect(listed.stdout.split('\n').filter((line) => line.startsWith('k/')).length).toBe(50)
  }, 120_000)
})
