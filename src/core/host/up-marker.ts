// The file by which a running `kubemu up` tells one-shot commands where its API server is:
// `<cluster folder>/up.json` with its pid and URL. A marker whose process is gone is stale.
import {existsSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {processAlive} from '../util/process-alive.js'

export interface UpMarker {
  readonly pid: number
  /** Plain HTTP on loopback, for kubemu's own one-shot commands. */
  readonly url: string
  /** The HTTPS front door (what kubeconfigs point at). */
  readonly secureUrl?: string
  readonly started: string
  /** The etcd front door: each member's client URL, by member name (absent when it is off). */
  readonly etcd?: Readonly<Record<string, string>>
}

export function upMarkerPath(folder: string): string {
  return join(folder, 'up.json')
}


/** The running `kubemu up` of this cluster folder, or null. */
export function runningUp(folder: string): UpMarker | null {
  const path = upMarkerPath(folder)
  if (!existsSync(path)) return null
  try {
    const marker = JSON.parse(readFileSync(path, 'utf8')) as UpMarker
    return marker.pid !== process.pid && processAlive(marker.pid) ? marker : null
  } catch {
    return null
  }
}

export function writeUpMarker(folder: string, marker: UpMarker): void {
  writeFileSync(upMarkerPath(folder), `${JSON.stringify(marker)}\n`)
}

export function removeUpMarker(folder: string): void {
  rmSync(upMarkerPath(folder), {force: true})
}
