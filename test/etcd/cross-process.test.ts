// The process model across processes: readers need no lock, and a watch sees the writes that
// other processes make.
import {spawn, spawnSync} from 'node:child_process'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'
import {EmbeddedCluster} from '../../src/core/etcd/cluster.js'
import {defaultLayout} from '../../src/core/etcd/layout.js'
import {ReadOnlyMember} from '../../src/core/etcd/read-only-member.js'
import {prefixEnd} from '../../src/core/mvcc/key-range.js'
import {systemClock} from '../../src/core/util/clock.js'
import {bytes, temporaryFolder, text} from '../support/temp.js'

const here = dirname(fileURLToPath(import.meta.url))
const kubemu = resolve(here, '../../bin/kubemu')

function etcdctl(home: string, ...argv: string[]): string {
  const result = spawnSync(process.execPath, [kubemu, 'etcdctl', ...argv], {env: {...process.env, KUBEMU_HOME: home}, encoding: 'utf8'})
  if (result.status !== 0) throw new Error(`etcdctl ${argv.join(' ')} failed: ${result.stderr}`)
  return result.stdout
}

describe('across processes', () => {
  it('reads committed state while another process holds the cluster', async () => {
    const folder = temporaryFolder()
    const holder = spawn(process.execPath, [join(here, 'holder.mjs'), folder], {stdio: ['ignore', 'pipe', 'inherit']})
    try {
      await new Promise<void>((ready) => holder.stdout.on('data', () => ready()))
      expect(() => EmbeddedCluster.open(folder, {lockWaitMilliseconds: 100})).toThrow('another kubemu process holds its writer lock')
      const reader = ReadOnlyMember.open(folder, defaultLayout(), 'infra1', systemClock)!
      expect(reader.servesCurrentState(folder)).toBe(true)
      const response = reader.range({key: bytes('held')})
      expect(text(response.kvs[0]!.value)).toBe('by another process')
      expect(response.header.memberId).toBe(0x8211f1d0f64f3269n)
      reader.close()
    } finally {
      holder.kill('SIGKILL')
    }
  })

  it('a watch sees the writes of other processes, in order', async () => {
    const home = temporaryFolder()
    etcdctl(home, 'put', 'w/0', 'start')
    const reader = ReadOnlyMember.open(join(home, 'default'), defaultLayout(), 'infra2', systemClock)!
    const watcher = reader.watch({key: bytes('w/'), rangeEnd: prefixEnd(bytes('w/')), prevKv: true})
    const seen: string[] = []
    const collecting = (async () => {
      while (seen.length < 3) {
        const response = await watcher.next()
        if (!response) return
        for (const event of response.events) seen.push(`${event.type} ${text(event.kv.key)}=${text(event.kv.value)} @${event.kv.modRevision}${event.prevKv ? ` was ${text(event.prevKv.value)}` : ''}`)
      }
    })()
    etcdctl(home, 'put', 'w/1', 'a')
    etcdctl(home, 'put', 'w/1', 'b')
    etcdctl(home, 'del', 'w/0')
    await collecting
    watcher.cancel()
    reader.close()
    expect(seen).toEqual(['PUT w/1=a @3', 'PUT w/1=b @4 was a', 'DELETE w/0= @5 was start'])
  })
})
