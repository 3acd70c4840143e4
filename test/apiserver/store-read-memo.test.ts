// The API server's kept reads (RBAC, CRDs, APIServices, ServiceAccounts): the copy answers while
// nothing was written since, as an informer's has every change it saw; after a write a failed read
// is an error (never the copy from before it) and the next request reads again.
import {describe, expect, it} from 'vitest'
import {StoreReadMemo} from '../../src/core/apiserver/store-read-memo.js'

describe('the kept reads', () => {
  it('never answers with a copy from before a write, and reads again once the store answers', async () => {
    const listeners: Array<(key: string) => void> = []
    const store = {
      exclusiveWriterEpoch: () => 1,
      onWrite: (listener: (key: string) => void) => {
        listeners.push(listener)
        return () => {}
      },
    }
    const memo = new StoreReadMemo(store, ['/registry/rolebindings/'], 10)
    let value = ['pre']
    let failing = false
    const read = async () => {
      if (failing) throw new Error('etcdserver: request timed out')
      return [...value]
    }
    expect(await memo.read('bindings', read)).toEqual(['pre'])
    // Without a write since, the copy answers while the store cannot (etcd without a quorum).
    failing = true
    expect(await memo.read('bindings', read)).toEqual(['pre'])
    failing = false
    // The binding is deleted: the copy from before is no answer any more.
    value = []
    for (const listener of listeners) listener('/registry/rolebindings/default/pre')
    failing = true
    await expect(memo.read('bindings', read)).rejects.toThrow('request timed out')
    failing = false
    expect(await memo.read('bindings', read)).toEqual([])
  })
})
