// A store that counts its reads (get) of single keys: what a test of the API server's store reads checks.
import type {Store} from '../../src/core/store/store.js'

export function countingStore(store: Store): {store: Store; gets: () => number} {
  let gets = 0
  const counted = new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'get') return (key: string) => (gets++, target.get(key))
      const value = Reflect.get(target, property, receiver) as unknown
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  return {store: counted, gets: () => gets}
}
