// kube-apiserver's bitmap allocators for Service cluster IPs and node ports: the allocation
// bitmap lives in etcd as a RangeAllocation object (/registry/ranges/serviceips and
// /registry/ranges/servicenodeports), changed with a guarded write so concurrent creates never
// hand out the same value. Dynamic picks prefer the upper part of the range, leaving a static
// band at the bottom for values users choose (ServiceIPStaticSubrange, GA since 1.26).
import {type Store, StoreError} from '../store/store.js'
import {assert} from '../util/assert.js'

/** A guarded write of the bitmap retries a concurrent change at most this often. */
export const rangeWriteAttemptsMax = 16

export const serviceIpsKey = '/registry/ranges/serviceips'
export const serviceNodePortsKey = '/registry/ranges/servicenodeports'
export const serviceClusterIpRange = '10.96.0.0/12'
export const serviceNodePortRange = {first: 30000, last: 32767}

/** A set of offsets in [0, size), kept as kube's big.Int bitmap (bit i = offset i). */
export class Bitmap {
  constructor(
    readonly size: number,
    private bits = 0n,
  ) {}

  static fromBase64(size: number, data: string): Bitmap {
    const bytes = Buffer.from(data, 'base64')
    return new Bitmap(size, bytes.length === 0 ? 0n : BigInt(`0x${bytes.toString('hex')}`))
  }

  /** big.Int.Bytes(): big-endian, no leading zero bytes; empty for zero. */
  toBase64(): string {
    if (this.bits === 0n) return ''
    let hex = this.bits.toString(16)
    if (hex.length % 2 === 1) hex = `0${hex}`
    return Buffer.from(hex, 'hex').toString('base64')
  }

  has(offset: number): boolean {
    return ((this.bits >> BigInt(offset)) & 1n) === 1n
  }

  set(offset: number): void {
    assert(offset >= 0 && offset < this.size, `bitmap offset ${offset} outside [0, ${this.size})`)
    this.bits |= 1n << BigInt(offset)
  }

  clear(offset: number): void {
    this.bits &= ~(1n << BigInt(offset))
  }

  /** The offsets that are set, lowest first (one pass over the bits, not one test per offset). */
  offsets(): number[] {
    const found: number[] = []
    const hex = this.bits.toString(16)
    for (let digit = 0; digit < hex.length; digit++) {
      const value = Number.parseInt(hex[hex.length - 1 - digit]!, 16)
      for (let bit = 0; bit < 4; bit++) if ((value >> bit) & 1) found.push(digit * 4 + bit)
    }
    return found
  }

  /** A free offset: a random start in [band, size), scanning up and wrapping, then [0, band). */
  next(band: number, random: () => number): number | null {
    const dynamic = this.size - band
    if (dynamic > 0) {
      const start = Math.floor(random() * dynamic)
      for (let step = 0; step < dynamic; step++) {
        const offset = band + ((start + step) % dynamic)
        if (!this.has(offset)) return offset
      }
    }
    for (let offset = 0; offset < Math.min(band, this.size); offset++) if (!this.has(offset)) return offset
    return null
  }
}

/** calculateRangeOffset of kube's allocators: the static band at the bottom of a range. */
export function staticBand(size: number, minimum: number, maximum: number, step: number): number {
  if (size < minimum) return 0
  return Math.min(maximum, Math.max(minimum, Math.floor(size / step)))
}

export interface RangeDescription {
  readonly key: string
  /** RangeAllocation.range: "10.96.0.0/12" or "30000-32767". */
  readonly range: string
  readonly size: number
  readonly band: number
}

export const serviceIpRange: RangeDescription = (() => {
  const size = 2 ** (32 - Number(serviceClusterIpRange.split('/')[1])) - 2
  return {key: serviceIpsKey, range: serviceClusterIpRange, size, band: staticBand(size + 2, 16, 256, 16)}
})()

export const nodePortRangeDescription: RangeDescription = (() => {
  const size = serviceNodePortRange.last - serviceNodePortRange.first + 1
  return {key: serviceNodePortsKey, range: `${serviceNodePortRange.first}-${serviceNodePortRange.last}`, size, band: staticBand(size, 16, 128, 32)}
})()

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * Reads a range's bitmap, lets `change` edit it, and writes it back guarded by its mod revision
 * (retrying a concurrent change). `change` returns false to leave the stored bitmap as it is.
 */
export async function changeRange(store: Store, range: RangeDescription, change: (bitmap: Bitmap) => boolean): Promise<void> {
  for (let attempt = 0; attempt < rangeWriteAttemptsMax; attempt++) {
    const {object} = await store.get(range.key)
    const stored = object ? (JSON.parse(decoder.decode(object.value)) as {data?: string}) : null
    const bitmap = Bitmap.fromBase64(range.size, stored?.data ?? '')
    if (!change(bitmap)) return
    const value = encoder.encode(JSON.stringify({kind: 'RangeAllocation', apiVersion: 'v1', metadata: {creationTimestamp: null}, range: range.range, data: bitmap.toBase64()}))
    try {
      if (object) await store.update(range.key, value, object.modRevision)
      else await store.create(range.key, value)
      return
    } catch (error) {
      if (error instanceof StoreError && (error.code === 'Conflict' || error.code === 'AlreadyExists')) continue
      throw error
    }
  }
  throw new Error(`the allocation range ${range.key} kept changing under ${rangeWriteAttemptsMax} attempts`)
}

export async function readRange(store: Store, range: RangeDescription): Promise<Bitmap> {
  const {object} = await store.get(range.key)
  const stored = object ? (JSON.parse(decoder.decode(object.value)) as {data?: string}) : null
  return Bitmap.fromBase64(range.size, stored?.data ?? '')
}

export function ipToNumber(ip: string): number | null {
  const parts = ip.split('.')
  if (parts.length !== 4 || parts.some((part) => !/^(0|[1-9]\d{0,2})$/.test(part) || Number(part) > 255)) return null
  return parts.reduce((value, part) => value * 256 + Number(part), 0)
}

export function numberToIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.')
}

/** The service IP at an offset: offset 0 is the first address after the network address. */
export function serviceIpAt(offset: number): string {
  return numberToIp(ipToNumber(serviceClusterIpRange.split('/')[0]!)! + 1 + offset)
}

/** The offset of a service IP, or null when it is outside the allocatable range. */
export function serviceIpOffset(ip: string): number | null {
  const value = ipToNumber(ip)
  if (value === null) return null
  const offset = value - ipToNumber(serviceClusterIpRange.split('/')[0]!)! - 1
  return offset >= 0 && offset < serviceIpRange.size ? offset : null
}
