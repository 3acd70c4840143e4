// What the Service REST of kube-apiserver adds around the generic store: a cluster IP from
// 10.96.0.0/12 and node ports from 30000-32767 for each Service, allocated before validation,
// released when the write fails, when a type change drops them and when the Service is deleted.
import {FieldPath, fieldError, type FieldError} from '../api/field-errors.js'
import {isJsonObject, type KubeObject} from '../api/object.js'
import {objects, spec} from '../api/strategies/json-fields.js'
import type {Store} from '../store/store.js'
import {
  type Bitmap,
  changeRange,
  nodePortRangeDescription,
  readRange,
  serviceIpAt,
  serviceIpOffset,
  serviceIpRange,
  serviceClusterIpRange,
  serviceNodePortRange,
} from './range-allocation.js'
import {apiErrors} from './api-errors.js'

const serviceKind = {group: '', kind: 'Service'}

/** Called once the write is known to have succeeded or failed. */
export type FinishAllocation = (succeeded: boolean) => Promise<void>

interface Wanted {
  /** Cluster IP offsets to take, with the IP a user asked for (null: any free one). */
  ip: {requested: string | null} | null
  ports: Array<{index: number; requested: number | null}>
}

function needsClusterIp(service: KubeObject): boolean {
  const serviceSpec = spec(service)
  return serviceSpec.type !== 'ExternalName' && serviceSpec.clusterIP !== 'None'
}

function needsNodePorts(service: KubeObject): boolean {
  const serviceSpec = spec(service)
  return serviceSpec.type === 'NodePort' || (serviceSpec.type === 'LoadBalancer' && serviceSpec.allocateLoadBalancerNodePorts !== false)
}

function setFamilies(service: KubeObject, ip: string): void {
  const serviceSpec = spec(service)
  serviceSpec.clusterIP = ip
  serviceSpec.clusterIPs = [ip]
  serviceSpec.ipFamilies = ['IPv4']
  serviceSpec.ipFamilyPolicy = 'SingleStack'
}

export class ServiceAllocator {
  constructor(
    private readonly store: Store,
    private readonly random: () => number,
  ) {}

  /** Fills spec.clusterIP(s) and node ports of a new Service; a dry run checks without taking. */
  async allocateForCreate(service: KubeObject, dryRun: boolean): Promise<FinishAllocation> {
    const serviceSpec = spec(service)
    if (serviceSpec.type === 'ExternalName') return async () => {}
    if (serviceSpec.clusterIP === 'None') setFamilies(service, 'None')
    const requestedIp = typeof serviceSpec.clusterIP === 'string' && serviceSpec.clusterIP.length > 0 && serviceSpec.clusterIP !== 'None' ? serviceSpec.clusterIP : null
    const wanted: Wanted = {ip: needsClusterIp(service) ? {requested: requestedIp} : null, ports: []}
    if (needsNodePorts(service)) {
      objects(serviceSpec.ports).forEach((port, index) => {
        wanted.ports.push({index, requested: typeof port.nodePort === 'number' && port.nodePort !== 0 ? port.nodePort : null})
      })
    }
    return this.take(service, wanted, dryRun)
  }

  /**
   * An update keeps the values the Service has, takes new ones for what it gains (a type change,
   * a new port) and gives back what it loses.
   */
  async allocateForUpdate(service: KubeObject, old: KubeObject, dryRun: boolean): Promise<FinishAllocation> {
    const serviceSpec = spec(service)
    const oldSpec = spec(old)
    if (needsClusterIp(old) && needsClusterIp(service) && (serviceSpec.clusterIP === undefined || serviceSpec.clusterIP === '')) {
      serviceSpec.clusterIP = oldSpec.clusterIP
      if (oldSpec.clusterIPs !== undefined) serviceSpec.clusterIPs = oldSpec.clusterIPs
      if (oldSpec.ipFamilies !== undefined) serviceSpec.ipFamilies = oldSpec.ipFamilies
      if (oldSpec.ipFamilyPolicy !== undefined) serviceSpec.ipFamilyPolicy = oldSpec.ipFamilyPolicy
    }
    const oldPorts = objects(oldSpec.ports)
    if (!needsNodePorts(service)) {
      // Node ports that came along unchanged from the old type are dropped with it.
      for (const port of objects(serviceSpec.ports)) {
        if (typeof port.nodePort === 'number' && oldPorts.some((old) => old.nodePort === port.nodePort)) delete port.nodePort
      }
    } else if (needsNodePorts(old)) {
      for (const port of objects(serviceSpec.ports)) {
        if (typeof port.nodePort === 'number' && port.nodePort !== 0) continue
        const match = oldPorts.find((old) => old.name === port.name && old.protocol === port.protocol) ?? oldPorts.find((old) => old.port === port.port && old.protocol === port.protocol)
        if (match && typeof match.nodePort === 'number') port.nodePort = match.nodePort
      }
    }
    const oldNodePorts = new Set(needsNodePorts(old) ? oldPorts.map((port) => port.nodePort).filter((port): port is number => typeof port === 'number') : [])
    const newIp = needsClusterIp(service) && !needsClusterIp(old)
    const wanted: Wanted = {ip: newIp ? {requested: typeof serviceSpec.clusterIP === 'string' && serviceSpec.clusterIP !== '' ? serviceSpec.clusterIP : null} : null, ports: []}
    if (needsNodePorts(service)) {
      objects(serviceSpec.ports).forEach((port, index) => {
        const current = typeof port.nodePort === 'number' && port.nodePort !== 0 ? port.nodePort : null
        if (current === null || !oldNodePorts.has(current)) wanted.ports.push({index, requested: current})
      })
    }
    const finishTake = await this.take(service, wanted, dryRun)
    return async (succeeded) => {
      await finishTake(succeeded)
      if (!succeeded || dryRun) return
      const keptPorts = new Set(needsNodePorts(service) ? objects(serviceSpec.ports).map((port) => port.nodePort) : [])
      const droppedPorts = [...oldNodePorts].filter((port) => !keptPorts.has(port))
      const droppedIp = needsClusterIp(old) && !needsClusterIp(service) ? String(oldSpec.clusterIP) : null
      await this.releaseValues(droppedIp, droppedPorts)
    }
  }

  /** Gives back what a deleted Service held. */
  async release(service: KubeObject): Promise<void> {
    const serviceSpec = spec(service)
    const ports = needsNodePorts(service) ? objects(serviceSpec.ports).map((port) => port.nodePort).filter((port): port is number => typeof port === 'number') : []
    await this.releaseValues(needsClusterIp(service) && typeof serviceSpec.clusterIP === 'string' ? serviceSpec.clusterIP : null, ports)
  }

  private async releaseValues(ip: string | null, ports: readonly number[]): Promise<void> {
    const offset = ip === null ? null : serviceIpOffset(ip)
    if (offset !== null) await changeRange(this.store, serviceIpRange, (bitmap) => (bitmap.has(offset) ? (bitmap.clear(offset), true) : false))
    if (ports.length > 0) {
      await changeRange(this.store, nodePortRangeDescription, (bitmap) => {
        let changed = false
        for (const port of ports) {
          const portOffset = port - serviceNodePortRange.first
          if (portOffset >= 0 && portOffset < bitmap.size && bitmap.has(portOffset)) {
            bitmap.clear(portOffset)
            changed = true
          }
        }
        return changed
      })
    }
  }

  private async take(service: KubeObject, wanted: Wanted, dryRun: boolean): Promise<FinishAllocation> {
    const serviceSpec = spec(service)
    const name = service.metadata.name ?? ''
    let takenIp: number | null = null
    if (wanted.ip) {
      const requested = wanted.ip.requested
      const pick = (bitmap: Bitmap): number => {
        if (requested === null) {
          const offset = bitmap.next(serviceIpRange.band, this.random)
          if (offset === null) throw apiErrors.internal('failed to allocate a serviceIP: range is full')
          return offset
        }
        const offset = serviceIpOffset(requested)
        const invalid = (detail: string) =>
          apiErrors.invalid(serviceKind, name, [fieldError.invalid(FieldPath.root('spec').child('clusterIPs'), {goString: `[]string{${JSON.stringify(requested)}}`}, `failed to allocate IP ${requested}: ${detail}`)])
        if (offset === null) throw invalid(`the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${serviceClusterIpRange}`)
        if (bitmap.has(offset)) throw invalid('provided IP is already allocated')
        return offset
      }
      if (dryRun) takenIp = pick(await readRange(this.store, serviceIpRange))
      else {
        await changeRange(this.store, serviceIpRange, (bitmap) => {
          takenIp = pick(bitmap)
          bitmap.set(takenIp)
          return true
        })
      }
      setFamilies(service, serviceIpAt(takenIp!))
    }
    const takenPorts: number[] = []
    if (wanted.ports.length > 0) {
      const ports = objects(serviceSpec.ports)
      const pickAll = (bitmap: Bitmap): number[] => {
        const picked: number[] = []
        for (const {index, requested} of wanted.ports) {
          if (requested === null) continue
          const offset = requested - serviceNodePortRange.first
          const path = FieldPath.root('spec').child('ports').index(index).child('nodePort')
          const range = `${serviceNodePortRange.first}-${serviceNodePortRange.last}`
          const errors: FieldError[] = []
          if (offset < 0 || offset >= bitmap.size) errors.push(fieldError.invalid(path, requested, `provided port is not in the valid range. The range of valid ports is ${range}`))
          else if (bitmap.has(offset) || picked.includes(offset)) errors.push(fieldError.invalid(path, requested, 'provided port is already allocated'))
          if (errors.length > 0) throw apiErrors.invalid(serviceKind, name, errors)
          picked.push(offset)
        }
        for (const {requested} of wanted.ports) {
          if (requested !== null) continue
          for (const offset of picked) bitmap.set(offset)
          const offset = bitmap.next(nodePortRangeDescription.band, this.random)
          if (offset === null) throw apiErrors.internal('failed to allocate a nodePort: range is full')
          picked.push(offset)
        }
        return picked
      }
      const apply = (picked: number[]) => {
        let next = 0
        for (const {index, requested} of wanted.ports) {
          if (requested !== null) continue
          const port = ports[index]
          // Requested ports come first in `picked`; dynamic ones follow in order.
          if (isJsonObject(port)) port.nodePort = serviceNodePortRange.first + picked[wanted.ports.filter((entry) => entry.requested !== null).length + next]!
          next++
        }
        takenPorts.push(...picked.map((offset) => offset + serviceNodePortRange.first))
      }
      try {
        if (dryRun) apply(pickAll(await readRange(this.store, nodePortRangeDescription)))
        else {
          await changeRange(this.store, nodePortRangeDescription, (bitmap) => {
            const picked = pickAll(bitmap)
            for (const offset of picked) bitmap.set(offset)
            takenPorts.length = 0
            apply(picked)
            return true
          })
        }
      } catch (error) {
        if (!dryRun && takenIp !== null) await this.releaseValues(serviceIpAt(takenIp), [])
        throw error
      }
    }
    return async (succeeded) => {
      if (succeeded || dryRun) return
      await this.releaseValues(takenIp === null ? null : serviceIpAt(takenIp), takenPorts)
    }
  }
}
