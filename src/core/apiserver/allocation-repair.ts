// kube-apiserver's repair loops for Service cluster IPs and node ports: at start and every
// 3 minutes the stored allocation bitmaps are checked against the Services that exist. A value a
// Service uses but the bitmap lacks is marked at once; a value marked but used by no Service
// (a Service deleted through etcd, an allocation whose write failed half-way) is released only
// once it has been seen leaked on three checks in a row, so an allocation still in flight is not
// taken back.
import {isJsonObject} from '../api/object.js'
import {objects, spec} from '../api/strategies/json-fields.js'
import type {ApiServer} from './apiserver.js'
import {listPrefix} from './keys.js'
import {changeRange, nodePortRangeDescription, type RangeDescription, readRange, serviceIpAt, serviceIpOffset, serviceIpRange, serviceNodePortRange} from './range-allocation.js'
import {objectFromStored} from './stored-objects.js'

/** kube's repair interval for both allocators. */
export const allocationRepairMillisecondsInterval = 180_000
/** kube's numRepairsBeforeLeakCleanup: a leaked value is released on the third check that finds it. */
export const repairsBeforeLeakCleanup = 3
/** Leaked values remembered at once per range (each range's size bounds it anyway). */
export const leaksTrackedMax = 100_000

interface RangeRepair {
  readonly range: RangeDescription
  readonly name: string
  /** The offsets of the values the existing Services use. */
  readonly used: (services: ReturnType<typeof objectFromStored>[]) => Set<number>
  /** Offset → checks left before it is released. */
  readonly leaks: Map<number, number>
}

export class AllocationRepair {
  private readonly ranges: RangeRepair[] = [
    {
      range: serviceIpRange,
      name: 'cluster IP',
      leaks: new Map(),
      used: (services) => {
        const offsets = new Set<number>()
        for (const service of services) {
          for (const ip of (spec(service).clusterIPs as unknown[] | undefined) ?? [spec(service).clusterIP]) {
            const offset = typeof ip === 'string' ? serviceIpOffset(ip) : null
            if (offset !== null) offsets.add(offset)
          }
        }
        return offsets
      },
    },
    {
      range: nodePortRangeDescription,
      name: 'node port',
      leaks: new Map(),
      used: (services) => {
        const offsets = new Set<number>()
        for (const service of services) {
          for (const port of objects(spec(service).ports)) {
            if (!isJsonObject(port) || typeof port.nodePort !== 'number') continue
            const offset = port.nodePort - serviceNodePortRange.first
            if (offset >= 0 && offset < nodePortRangeDescription.size) offsets.add(offset)
          }
        }
        return offsets
      },
    },
  ]

  constructor(private readonly api: ApiServer) {}

  /** Whether a value is being watched as leaked (the next checks will release it). */
  tracksLeaks(): boolean {
    return this.ranges.some((repair) => repair.leaks.size > 0)
  }

  /** One check of both ranges; returns what it changed, as kube-apiserver logs it. */
  async repair(): Promise<string[]> {
    const services = this.api.scheme.resource('', 'v1', 'services')!
    const {objects: stored} = await this.api.registry.store.list(listPrefix(services, null))
    const existing = stored.map((object) => objectFromStored(object))
    const changes: string[] = []
    for (const repair of this.ranges) {
      const used = repair.used(existing)
      const marked = await readRange(this.api.registry.store, repair.range)
      const missing = [...used].filter((offset) => !marked.has(offset))
      const released = this.countLeaks(repair, marked.offsets().filter((offset) => !used.has(offset)))
      if (missing.length === 0 && released.length === 0) continue
      // Setting and clearing are idempotent: a retry after a concurrent allocation applies them again.
      await changeRange(this.api.registry.store, repair.range, (bitmap) => {
        for (const offset of missing) bitmap.set(offset)
        for (const offset of released) bitmap.clear(offset)
        return true
      })
      for (const offset of missing) changes.push(`the ${repair.name} ${this.describe(repair, offset)} was in use but not allocated: allocated it`)
      for (const offset of released) changes.push(`the ${repair.name} ${this.describe(repair, offset)} appears to have leaked: released it`)
    }
    return changes
  }

  /** Counts this check against each leaked value; returns those whose count ran out. */
  private countLeaks(repair: RangeRepair, leaked: readonly number[]): number[] {
    const still = new Set(leaked)
    for (const offset of repair.leaks.keys()) if (!still.has(offset)) repair.leaks.delete(offset)
    const released: number[] = []
    for (const offset of leaked) {
      const left = (repair.leaks.get(offset) ?? repairsBeforeLeakCleanup) - 1
      if (left > 0) {
        if (repair.leaks.size < leaksTrackedMax || repair.leaks.has(offset)) repair.leaks.set(offset, left)
        continue
      }
      repair.leaks.delete(offset)
      released.push(offset)
    }
    return released
  }

  private describe(repair: RangeRepair, offset: number): string {
    return repair.range === serviceIpRange ? serviceIpAt(offset) : String(serviceNodePortRange.first + offset)
  }
}
