import {describe, expect, it} from 'vitest'
import {DurableOutputs} from '../../src/core/etcd/durable-outputs.js'
import {StorageError} from '../../src/core/storage/errors.js'

/** A disk whose fsyncs end when the test says so. */
function manualDisk() {
  const pending: Array<(error: StorageError | null) => void> = []
  let syncs = 0
  const outputs = new DurableOutputs(
    (done) => pending.push(done),
    () => syncs++,
  )
  return {outputs, pending, syncsEnded: () => syncs, finishSync: (error: StorageError | null = null) => pending.shift()!(error)}
}

describe('outputs held until their Ready is on disk', () => {
  it('lets nothing out before its fsync ends, then everything in the order of the Readies', () => {
    const {outputs, pending, finishSync} = manualDisk()
    const released: string[] = []
    outputs.hold(true, () => released.push('ready 1 (entries)'))
    // A Ready without new raft state still waits behind the one before it.
    outputs.hold(false, () => released.push('ready 2 (heartbeat)'))
    expect(outputs.releaseDurable()).toBe(false)
    expect(released).toEqual([])
    expect(pending).toHaveLength(1)
    finishSync()
    expect(released).toEqual([])
    expect(outputs.releaseDurable()).toBe(true)
    expect(released).toEqual(['ready 1 (entries)', 'ready 2 (heartbeat)'])
    expect(outputs.holding).toBe(false)
  })

  it('runs one fsync at a time: writes made while one runs wait for the next, which covers them all', () => {
    const {outputs, pending, finishSync} = manualDisk()
    const released: number[] = []
    outputs.hold(true, () => released.push(1))
    outputs.hold(true, () => released.push(2))
    outputs.hold(true, () => released.push(3))
    expect(pending).toHaveLength(1)
    finishSync()
    outputs.releaseDurable()
    // The first fsync began before writes 2 and 3: they need the second.
    expect(released).toEqual([1])
    expect(pending).toHaveLength(1)
    finishSync()
    outputs.releaseDurable()
    expect(released).toEqual([1, 2, 3])
    expect(pending).toHaveLength(0)
  })

  it('lets a Ready that needs no sync out at once when nothing is held', () => {
    const {outputs, pending} = manualDisk()
    const released: string[] = []
    outputs.hold(false, () => released.push('applies of synced entries'))
    expect(released).toEqual(['applies of synced entries'])
    expect(pending).toHaveLength(0)
  })

  it('never lets out what a failed fsync covered, and says why to whoever drives next', () => {
    const {outputs, finishSync} = manualDisk()
    const released: number[] = []
    outputs.hold(true, () => released.push(1))
    finishSync(new StorageError('IO', 'member.db: fsync of the WAL failed (EIO)', 'member.db'))
    expect(() => outputs.releaseDurable()).toThrow('fsync of the WAL failed')
    expect(released).toEqual([])
  })

  it('drops what it holds when the member stops, as a crash before the fsync would', () => {
    const {outputs, finishSync} = manualDisk()
    const released: number[] = []
    outputs.hold(true, () => released.push(1))
    outputs.drop()
    finishSync()
    expect(outputs.releaseDurable()).toBe(false)
    expect(released).toEqual([])
  })
})
