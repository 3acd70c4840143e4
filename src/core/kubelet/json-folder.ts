// One JSON document per key in a folder of the cluster folder (a container run's served requests,
// a client run's replayed requests): each written whole and renamed into place, the least recently
// written dropped past a bound; one-shot commands and `kubemu up` share them.
import {existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

export class JsonFolder {
  /** `unreadable`: the error for a file that cannot be read (or, when read() asks, is not JSON). */
  constructor(
    readonly folder: string,
    private readonly unreadable: (message: string) => Error,
  ) {}

  /** A document's file: keys (run keys) hold no character a file name cannot but the slashes. */
  pathOf(name: string): string {
    return join(this.folder, `${name.replace(/\//g, '_')}.json`)
  }

  /** The document, undefined when there is none; `notJson: 'absent'` counts a file cut short (a crash before the rename's data reached the disk) as none. */
  read(name: string, notJson: 'absent' | 'error'): unknown {
    const path = this.pathOf(name)
    // Most names asked have no document (a container that sent no request): a failed read throws
    // an error with its stack, about 0.1 ms of up's CPU per deleted pod in the kwok bench.
    if (!existsSync(path)) return undefined
    let text: string
    try {
      text = readFileSync(path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw this.unreadable(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`)
    }
    try {
      return JSON.parse(text) as unknown
    } catch (error) {
      if (notJson === 'absent') return undefined
      throw this.unreadable(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`)
    }
  }

  write(name: string, value: unknown): void {
    const path = this.pathOf(name)
    mkdirSync(this.folder, {recursive: true})
    writeFileSync(`${path}.tmp`, `${JSON.stringify(value)}\n`)
    renameSync(`${path}.tmp`, path)
  }

  /** Past `max` documents (`kept` aside), the files written longest ago go. */
  dropLeastRecent(max: number, kept?: string): void {
    const keptFile = kept === undefined ? null : `${kept}.json`
    const names = readdirSync(this.folder).filter((name) => name.endsWith('.json') && name !== keptFile)
    if (names.length <= max) return
    const byAge = names.map((name) => ({name, modified: statSync(join(this.folder, name)).mtimeMs})).sort((a, b) => a.modified - b.modified)
    for (const {name} of byAge.slice(0, names.length - max)) rmSync(join(this.folder, name), {force: true})
  }
}
