// The HPA controller's memory of recent recommendations and scale events, per HPA (by uid), kept
// beside the cluster rather than on the object: kube-controller-manager holds it in memory and a
// real cluster's HPAs carry no annotation for it. In memory, or one JSON file in the cluster folder
// that one-shot commands and `kubemu up` share (a cluster suspended between commands goes on from
// it), rewritten through a temporary file and a rename, so a reader never sees half of it.
import {existsSync, readFileSync, renameSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {isJsonObject} from '../api/object.js'

export const autoscalerMemoryFileName = 'hpa-recommendations.json'
/** HPAs whose history is kept (the least recently written go first). */
export const autoscalersRememberedMax = 1_000
/** A file larger than this is not read (it is not one the controller wrote). */
export const autoscalerMemoryFileBytesMax = 16 * 1024 * 1024

export interface AutoscalerMemory {
  /** The history last written for this HPA (ScalingHistory's text), or null. */
  read(uid: string): string | null
  write(uid: string, history: string): void
  /** Forgets a deleted HPA. */
  forget(uid: string): void
}

export class MemoryAutoscalerMemory implements AutoscalerMemory {
  protected readonly histories = new Map<string, string>()

  read(uid: string): string | null {
    return this.histories.get(uid) ?? null
  }

  write(uid: string, history: string): void {
    this.histories.delete(uid)
    this.histories.set(uid, history)
    while (this.histories.size > autoscalersRememberedMax) this.histories.delete(this.histories.keys().next().value!)
  }

  forget(uid: string): void {
    this.histories.delete(uid)
  }
}

export class FileAutoscalerMemory extends MemoryAutoscalerMemory {
  private readonly path: string
  /** The file's modification time when last read, to read again only after another process wrote it. */
  private readAtMilliseconds = -1

  constructor(folder: string) {
    super()
    this.path = join(folder, autoscalerMemoryFileName)
  }

  override read(uid: string): string | null {
    this.load()
    return super.read(uid)
  }

  override write(uid: string, history: string): void {
    this.load()
    if (super.read(uid) === history) return
    super.write(uid, history)
    this.save()
  }

  override forget(uid: string): void {
    this.load()
    if (super.read(uid) === null) return
    super.forget(uid)
    this.save()
  }

  private load(): void {
    if (!existsSync(this.path)) return
    const stat = statSync(this.path)
    if (stat.mtimeMs === this.readAtMilliseconds || stat.size > autoscalerMemoryFileBytesMax) return
    let parsed: unknown
    try {
      parsed = JSON.parse(readFileSync(this.path, 'utf8'))
    } catch {
      return
    }
    this.readAtMilliseconds = stat.mtimeMs
    if (!isJsonObject(parsed)) return
    this.histories.clear()
    for (const [uid, history] of Object.entries(parsed)) if (typeof history === 'string') this.histories.set(uid, history)
  }

  private save(): void {
    const partial = `${this.path}.${process.pid}.part`
    writeFileSync(partial, JSON.stringify(Object.fromEntries(this.histories)))
    renameSync(partial, this.path)
    this.readAtMilliseconds = statSync(this.path).mtimeMs
  }
}
