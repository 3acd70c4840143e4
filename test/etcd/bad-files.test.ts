// Bad database files give a clear error or a clean recovery, never silently wrong data.
import {spawn} from 'node:child_process'
import {copyFileSync, openSync, readFileSync, statSync, truncateSync, writeSync, closeSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {EmbeddedCluster, memberDatabasePath} from '../../src/core/etcd/cluster.js'
import {EmbeddedClient} from '../../src/core/etcd/embedded-client.js'
import {StorageError} from '../../src/core/storage/errors.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {bytes, temporaryFolder, text} from '../support/temp.js'

async function clusterWithData(crash: boolean): Promise<string> {
  const folder = temporaryFolder()
  const client = new EmbeddedClient(EmbeddedCluster.open(folder, {seed: 5, clock: new ManualClock()}), {endpoint: 'infra1'})
  for (let index = 0; index < 300; index++) await client.kv.put({key: bytes(`key-${index}`), value: bytes('x'.repeat(200))})
  if (crash) client.embedded.abandon()
  else await client.close()
  return folder
}

function openError(folder: string): StorageError {
  try {
    EmbeddedCluster.open(folder, {seed: 5, lockWaitMilliseconds: 200}).abandon()
  } catch (error) {
    expect(error).toBeInstanceOf(StorageError)
    return error as StorageError
  }
  throw new Error('the cluster opened')
}

describe('bad database files', () => {
  it('a file that is not a database is refused, naming the file', async () => {
    const folder = await clusterWithData(false)
    const path = memberDatabasePath(folder, 'infra2')
    const descriptor = openSync(path, 'r+')
    writeSync(descriptor, Buffer.from('this is not sqlite at all, just garbage bytes'), 0, 45, 0)
    closeSync(descriptor)
    const error = openError(folder)
    expect(error.code).toBe('NotADatabase')
    expect(error.message).toContain('infra2.db')
  })

  it('a damaged page is found after a crash instead of being served', async () => {
    const folder = await clusterWithData(true)
    const path = memberDatabasePath(folder, 'infra3')
    const size = statSync(path).size
    const descriptor = openSync(path, 'r+')
    // Scribble over pages in the middle of the file (keep the header intact).
    writeSync(descriptor, Buffer.alloc(8192, 0x5a), 0, 8192, Math.floor(size / 2 / 4096) * 4096)
    closeSync(descriptor)
    const error = openError(folder)
    expect(error.code).toBe('Corrupt')
    expect(error.message).toContain('infra3.db')
  })

  it('a truncated file is refused', async () => {
    const folder = await clusterWithData(true)
    const path = memberDatabasePath(folder, 'infra1')
    truncateSync(path, Math.floor(statSync(path).size / 3))
    const error = openError(folder)
    expect(['Corrupt', 'NotADatabase']).toContain(error.code)
  })

  it('a file of another member or another cluster is refused', async () => {
    const folder = await clusterWithData(false)
    copyFileSync(memberDatabasePath(folder, 'infra1'), memberDatabasePath(folder, 'infra2'))
    const error = openError(folder)
    expect(error.code).toBe('WrongCluster')
    expect(error.message).toMatch(/belongs to member 8211f1d0f64f3269 .* not to member 91bc3c398fb3c146 \(infra2\)/)
  })

  it('a lock held by a process that died is released: the next command recovers', async () => {
    const folder = await clusterWithData(false)
    // A process that takes the writer lock and is killed while holding it.
    const script = `import {WriterLock} from ${JSON.stringify(join(process.cwd(), 'dist/core/storage/writer-lock.js'))}; WriterLock.acquire(${JSON.stringify(folder)}, 1000); process.stdout.write('locked\\n'); setInterval(() => {}, 1000)`
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {stdio: ['ignore', 'pipe', 'inherit']})
    await new Promise<void>((resolve) => child.stdout.on('data', () => resolve()))
    expect(openError(folder).code).toBe('Locked')
    expect(openError(folder).message).toContain('another kubemu process holds its writer lock')
    child.kill('SIGKILL')
    await new Promise((resolve) => child.on('exit', resolve))
    const client = new EmbeddedClient(EmbeddedCluster.open(folder, {seed: 5}), {endpoint: 'infra1'})
    const response = await client.kv.range({key: bytes('key-299')})
    expect(text(response.kvs[0]!.value)).toBe('x'.repeat(200))
    await client.close()
  })

  it('the files are untouched by a refused open', async () => {
    const folder = await clusterWithData(false)
    copyFileSync(memberDatabasePath(folder, 'infra1'), memberDatabasePath(folder, 'infra2'))
    const before = readFileSync(memberDatabasePath(folder, 'infra3'))
    openError(folder)
    expect(readFileSync(memberDatabasePath(folder, 'infra3')).equals(before)).toBe(true)
  })
})
