// kube-apiserver's compactor on the embedded cluster, on an injected clock: every five minutes it
// compacts to the revision it noted five minutes before, through compact_rev_key as kube does.
import {describe, expect, it} from 'vitest'
import {compactionIntervalMilliseconds, compactWhenDue, runCompactor} from '../../src/core/apiserver/compactor.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import {ManualClock, SteppedClock} from '../../src/core/util/clock.js'
import {temporaryFolder} from '../support/temp.js'

const bytes = (text: string) => new TextEncoder().encode(text)
const text = (value: Uint8Array | undefined) => new TextDecoder().decode(value)

describe('compactor', () => {
  it('compacts every interval to the revision of the interval before, and history before it is gone', async () => {
    const clock = new SteppedClock()
    const store = new LazyEmbeddedStore(temporaryFolder(), {clock})
    const first = await store.create('/registry/configmaps/default/a', bytes('1'))
    const reports: string[] = []
    const stop = new AbortController()
    let sleeping = clock.nextSleep()
    const running = runCompactor(store, clock, stop.signal, (message) => reports.push(message))
    await sleeping

    // First step: notes the current revision, compacts nothing (kube does not compact on its first step).
    sleeping = clock.nextSleep()
    clock.advance(compactionIntervalMilliseconds)
    await sleeping
    const noted = (await store.get('/registry/no-such-key')).revision
    expect(text((await store.get('compact_rev_key')).object?.value)).toBe('0')
    expect(reports).toEqual([])
    const updated = await store.update('/registry/configmaps/default/a', bytes('2'), first.modRevision)

    // Second step: compacts to the revision noted at the first; that revision stays readable, older ones do not.
    sleeping = clock.nextSleep()
    clock.advance(compactionIntervalMilliseconds)
    await sleeping
    expect(reports).toEqual([`etcd: compacted to revision ${noted}`])
    expect(text((await store.get('compact_rev_key')).object?.value)).toBe(String(noted))
    expect((await store.list('/registry/configmaps/', {revision: noted})).objects.map((object) => text(object.value))).toEqual(['1'])
    await expect(store.list('/registry/configmaps/', {revision: first.modRevision - 1})).rejects.toThrow(/compacted/)
    expect((await store.get('/registry/configmaps/default/a')).object?.modRevision).toBe(updated.modRevision)

    // Another API server's step in between: this one takes up its count and does not compact twice.
    const other = await store.compactStep({version: 2, revision: 0})
    expect(other.version).toBe(3)
    sleeping = clock.nextSleep()
    clock.advance(compactionIntervalMilliseconds)
    await sleeping
    expect(reports).toHaveLength(1)

    stop.abort()
    await running
    await store.close()
  })

  it('one-shot: each command an interval after the last step takes the next one where compact_rev_key left off', async () => {
    const clock = new ManualClock()
    const folder = temporaryFolder()
    const start = clock.nowMilliseconds()
    let store = new LazyEmbeddedStore(folder, {clock})
    const first = await store.create('/registry/configmaps/default/a', bytes('1'))
    // The first command starts the count, as an API server starting does: no write yet.
    expect(await compactWhenDue(store, start, undefined)).toBe(true)
    expect((await store.get('compact_rev_key')).object).toBeNull()
    expect(await compactWhenDue(store, start + compactionIntervalMilliseconds - 1, start)).toBe(false)
    // An interval later: notes the revision, compacts nothing.
    expect(await compactWhenDue(store, start + compactionIntervalMilliseconds, start)).toBe(true)
    const noted = (await store.get('compact_rev_key')).object!.modRevision
    expect(text((await store.get('compact_rev_key')).object?.value)).toBe('0')
    await store.update('/registry/configmaps/default/a', bytes('2'), first.modRevision)
    await store.close()

    // The next command keeps no state but the time of the last step: it compacts to the revision noted then.
    store = new LazyEmbeddedStore(folder, {clock})
    expect(await compactWhenDue(store, start + 2 * compactionIntervalMilliseconds, start + compactionIntervalMilliseconds)).toBe(true)
    expect(text((await store.get('compact_rev_key')).object?.value)).toBe(String(noted))
    expect((await store.list('/registry/configmaps/', {revision: noted})).objects.map((object) => text(object.value))).toEqual(['1'])
    await expect(store.list('/registry/configmaps/', {revision: first.modRevision - 1})).rejects.toThrow(/compacted/)
    await store.close()
  })
})
